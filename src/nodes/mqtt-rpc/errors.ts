// Errors the mqtt-rpc node hands to Node-RED. Each carries a stable `code` (Node-RED copies it to
// msg.error.code for a Catch node) and a message from the catalog; a failed request also puts its outcome
// on msg.rpc so a flow can decide whether a retry is safe.
import type { RpcError, RpcOutcome } from '../../rpc';
import { toKitError } from '../shared/reasons';
import type { Translate } from '../shared/errors';

/** Codes of the node's own errors, besides the RPC_* outcome codes of failed requests. */
export type RpcNodeCode = RpcOutcome['errorCode'] | 'RPC_NO_ROUTE' | 'RPC_INVALID_ROUTE' | 'RPC_INVALID_TIMEOUT';

export class RpcNodeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RpcNodeError';
    this.code = code;
  }
}

/** msg.rpc for a failed request. */
export interface RpcFailureInfo {
  timedOut: boolean;
  delivered: boolean;
  errorCode: string;
  error: string;
  reasonCode?: number;
  remote?: { message: string; code?: string };
}

/** The catalog text of a failed request: what happened, and whether the broker had the request. */
export function describeFailure(err: RpcError, ctx: { topic: string; timeoutS: number }, t: Translate): string {
  const o = err.outcome;
  const subs: Record<string, unknown> = { topic: ctx.topic, timeout: ctx.timeoutS };
  let text: string;
  switch (o.errorCode) {
    case 'RPC_TIMEOUT':
      return t('mqtt-rpc.errors.timeout', subs) + ' ' + t(o.delivered ? 'mqtt-rpc.errors.was-delivered' : 'mqtt-rpc.errors.not-delivered');
    case 'RPC_ERROR_REPLY':
      return t('mqtt-rpc.errors.error-reply', { ...subs, message: o.remote?.message ?? '', code: o.remote?.code ?? '' });
    case 'RPC_PUBLISH_FAILED':
      text = err.cause === undefined ? err.message : toKitError(err.cause, t).message;
      return t('mqtt-rpc.errors.publish-failed', { ...subs, detail: text });
    case 'RPC_DISCONNECTED':
      return t('mqtt-rpc.errors.disconnected', subs) + ' ' + t(o.delivered ? 'mqtt-rpc.errors.was-delivered' : 'mqtt-rpc.errors.not-delivered');
    case 'RPC_NO_RESPONDER':
      return t('mqtt-rpc.errors.no-responder', subs);
    case 'RPC_TOO_MANY_REQUESTS':
      return t('mqtt-rpc.errors.too-many', { ...subs, detail: err.message });
    case 'RPC_DUPLICATE_CORRELATION':
      return t('mqtt-rpc.errors.duplicate-correlation', subs);
    case 'RPC_SUBSCRIBE_FAILED':
      return t('mqtt-rpc.errors.subscribe-failed', { ...subs, detail: err.message });
    case 'RPC_CLOSED':
      return t('mqtt-rpc.errors.closed', subs);
    default:
      return t('mqtt-rpc.errors.invalid-request', { ...subs, detail: err.message });
  }
}

export function failureInfo(err: RpcError, text: string): RpcFailureInfo {
  const o = err.outcome;
  const info: RpcFailureInfo = { timedOut: o.timedOut, delivered: o.delivered, errorCode: o.errorCode, error: text };
  if (o.reasonCode !== undefined) info.reasonCode = o.reasonCode;
  if (o.remote) info.remote = { ...o.remote };
  return info;
}
