// Sending the answer to one request along its ReplyRoute: a reply, or an error reply. Free functions over
// any lease, so a reply can go out through the connection the request came in on or another one to the
// same broker.
import type { PublishProperties, QoS, UserProperties } from '../codec/types';
import type { PublishMessage, PublishResult } from '../client/types';
import { ERROR_CONTENT_TYPE, errorPayload, errorProperties } from './conventions';
import { encodeReplyEnvelope } from './envelope';
import type { RemoteError, ReplyRoute, RpcLease, RpcMessageMeta } from './types';
import { metaProperties, toBuffer } from './wire';

export interface ReplyInput extends RpcMessageMeta {
  payload: Buffer | Uint8Array | string;
  /** Default: the QoS the request arrived with. */
  qos?: QoS;
}

export interface ErrorReplyInput extends RemoteError {
  /** Extra user properties (MQTT 5) or envelope userProperties, after the error markers. */
  userProperties?: UserProperties | undefined;
  qos?: QoS;
}

export type ReplyResult =
  | { sent: true; result: PublishResult }
  /** The request's Message Expiry had passed: the requester no longer waits, so nothing was sent. */
  | { sent: false; reason: 'expired' };

/** A route that cannot be used on this connection (an MQTT 5 reply over an MQTT 3.1.1 connection). */
export class ReplyRouteError extends Error {
  readonly code = 'RPC_INVALID_ROUTE';
  constructor(message: string) {
    super(message);
    this.name = 'ReplyRouteError';
  }
}

type ReplyLease = Pick<RpcLease, 'publish' | 'protocolVersion'>;

/** Sends `reply` to the requester of `route` (its correlation data copied back). */
export async function replyTo(lease: ReplyLease, route: ReplyRoute, reply: ReplyInput, now = Date.now()): Promise<ReplyResult> {
  const remaining = remainingSeconds(route, now);
  if (remaining === 0) return { sent: false, reason: 'expired' };
  const message = build(lease, route, { ...reply, payload: toBuffer(reply.payload) }, undefined, remaining);
  return { sent: true, result: await lease.publish(message) };
}

/**
 * Sends an error reply. MQTT 5: user property `mqtt-kit-error` = message (and `mqtt-kit-error-code`),
 * payload `{"error":{"message","code"}}` as application/json. Envelope: the same object in "error".
 */
export async function errorReplyTo(lease: ReplyLease, route: ReplyRoute, error: ErrorReplyInput, now = Date.now()): Promise<ReplyResult> {
  const remaining = remainingSeconds(route, now);
  if (remaining === 0) return { sent: false, reason: 'expired' };
  const remote: RemoteError = error.code === undefined ? { message: error.message } : { message: error.message, code: error.code };
  const body = {
    payload: errorPayload(remote),
    contentType: ERROR_CONTENT_TYPE,
    userProperties: route.protocol === 'v5' ? [...errorProperties(remote), ...(error.userProperties ?? [])] : error.userProperties,
    ...(error.qos !== undefined ? { qos: error.qos } : {}),
  };
  const message = build(lease, route, body, remote, remaining);
  return { sent: true, result: await lease.publish(message) };
}

/** Seconds left before the request expires (at least 1), 0 when expired, undefined when it has no expiry. */
function remainingSeconds(route: ReplyRoute, now: number): number | undefined {
  if (route.expiresAt === undefined) return undefined;
  const ms = route.expiresAt - now;
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

function build(lease: ReplyLease, route: ReplyRoute, body: ReplyInput & { payload: Buffer }, error: RemoteError | undefined, expiry: number | undefined): PublishMessage {
  const qos = body.qos ?? route.qos;
  if (route.protocol === 'envelope') {
    const payload = encodeReplyEnvelope({
      correlationData: route.correlationData ?? Buffer.alloc(0),
      payload: body.payload, contentType: body.contentType, userProperties: body.userProperties, error,
    });
    const message: PublishMessage = { topic: route.responseTopic, payload, qos };
    if (lease.protocolVersion === 5 && expiry !== undefined) message.properties = { messageExpiryInterval: expiry };
    return message;
  }
  if (lease.protocolVersion !== 5) {
    throw new ReplyRouteError('the request came as MQTT 5 (response topic property), but this connection is MQTT 3.1.1: reply through an MQTT 5 connection');
  }
  const properties: PublishProperties = metaProperties(body) ?? {};
  if (route.correlationData !== undefined) properties.correlationData = route.correlationData;
  // The reply lives no longer than the requester waits.
  if (expiry !== undefined) properties.messageExpiryInterval = expiry;
  return { topic: route.responseTopic, payload: body.payload, qos, properties };
}
