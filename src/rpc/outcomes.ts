// The RpcErrors a request can end with, built in one place so messages and outcomes stay consistent.
import { RpcError, type RpcOutcome } from './types';

/** PUBACK reason code 0x10: the broker has no subscriber for the topic (MQTT 5). */
export const NO_MATCHING_SUBSCRIBERS = 0x10;

/** A request refused before anything was sent. */
export function failure(code: RpcOutcome['errorCode'], message: string): RpcError {
  return new RpcError(message, { timedOut: false, delivered: false, errorCode: code });
}

export function noResponder(topic: string, oneWay: boolean): RpcError {
  const outcome: RpcOutcome = { timedOut: false, delivered: true, errorCode: 'RPC_NO_RESPONDER', reasonCode: NO_MATCHING_SUBSCRIBERS };
  return new RpcError(`no responder: the broker has no subscriber for "${topic}" (PUBACK 0x10)${oneWay ? '' : ', so no reply can come'}`, outcome);
}

/** The lease refused or failed the publish (queue full, too large, v5 PUBACK >= 0x80, closed, ...). */
export function publishFailure(err: unknown): RpcError {
  const e = err as { message?: unknown; reasonCode?: unknown };
  const outcome: RpcOutcome = { timedOut: false, delivered: false, errorCode: 'RPC_PUBLISH_FAILED' };
  if (typeof e?.reasonCode === 'number' && e.reasonCode >= 0x80) outcome.reasonCode = e.reasonCode;
  return new RpcError(`request not published: ${String(e?.message ?? err)}`, outcome, { cause: err });
}

/** The broker refused the response topic subscription (SUBACK failure). */
export function subscribeFailure(error: unknown): RpcError {
  const reasonCode = (error as { reasonCode?: unknown })?.reasonCode;
  const outcome: RpcOutcome = { timedOut: false, delivered: false, errorCode: 'RPC_SUBSCRIBE_FAILED' };
  if (typeof reasonCode === 'number') outcome.reasonCode = reasonCode;
  const detail = String((error as Error)?.message ?? error);
  return new RpcError(`the broker refused the response topic subscription: ${detail}`, outcome, { cause: error });
}
