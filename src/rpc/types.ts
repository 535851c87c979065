// Request/response over MQTT: the types both engines share. The wire conventions (MQTT 5 properties, the
// error reply convention, the 3.1.1 JSON envelope) are described in docs/rpc.md.
import type { QoS, UserProperties } from '../codec/types';
import type { Lease } from '../client/lease';

/**
 * How request and reply travel: MQTT 5 Response Topic + Correlation Data properties, or the JSON envelope
 * (for MQTT 3.1/3.1.1 connections, where those properties do not exist).
 */
export type RpcProtocol = 'v5' | 'envelope';

/** What the engines need of a lease (a Lease satisfies it). */
export type RpcLease = Pick<Lease, 'protocolVersion' | 'server' | 'status' | 'publish' | 'subscribe' | 'unsubscribe' | 'on' | 'off'>;

/** Stable codes of failed requests (msg.rpc.errorCode, msg.error.code). */
export const RPC_ERROR_CODES = [
  'RPC_TIMEOUT', // no reply within the timeout
  'RPC_DISCONNECTED', // the connection dropped while the request waited for its reply
  'RPC_ERROR_REPLY', // the responder answered with an error reply
  'RPC_NO_RESPONDER', // MQTT 5 PUBACK 0x10: the broker has no subscriber for the request topic
  'RPC_TOO_MANY_REQUESTS', // the requester's in-flight bound is reached
  'RPC_DUPLICATE_CORRELATION', // caller-chosen correlation data already in flight
  'RPC_INVALID_REQUEST', // bad topic, correlation data or timeout
  'RPC_PUBLISH_FAILED', // the request could not be published (refused, queue full, too large, ...)
  'RPC_SUBSCRIBE_FAILED', // the broker refused the response topic subscription
  'RPC_CLOSED', // the requester closed (node removed or redeployed)
] as const;
export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number];

/**
 * How a request ended when it did not get a normal reply. `delivered` tells whether a retry is safe: true
 * when the broker acknowledged the request (PUBACK for QoS 1, PUBCOMP for QoS 2, written for QoS 0) or a
 * reply arrived; false when neither happened. False does not prove the request was never seen: a QoS 1
 * request written just before the link dropped may have arrived with its PUBACK lost.
 */
export interface RpcOutcome {
  timedOut: boolean;
  delivered: boolean;
  errorCode: RpcErrorCode;
  /** MQTT reason code behind the failure (PUBACK/PUBREC refusal, SUBACK refusal, 0x10), when there is one. */
  reasonCode?: number;
  /** The responder's error (RPC_ERROR_REPLY): its message and optional code. */
  remote?: RemoteError;
}

export interface RemoteError {
  message: string;
  code?: string;
}

/** A request that ended without a normal reply; `outcome` says how. Thrown (rejected) exactly once per request. */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  readonly outcome: RpcOutcome;
  /** The error reply itself (RPC_ERROR_REPLY), for callers that want its payload and properties. */
  readonly reply: Reply | undefined;

  constructor(message: string, outcome: RpcOutcome, extra: { cause?: unknown; reply?: Reply } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'RpcError';
    this.code = outcome.errorCode;
    this.outcome = outcome;
    this.reply = extra.reply;
  }
}

/** Optional message metadata carried by requests and replies (v5 properties, or envelope fields). */
export interface RpcMessageMeta {
  contentType?: string | undefined;
  userProperties?: UserProperties | undefined;
  payloadFormatIndicator?: boolean | undefined;
}

/** A reply as the requester hands it back. */
export interface Reply extends RpcMessageMeta {
  payload: Buffer;
  /** The topic the reply arrived on (the response topic). */
  topic: string;
  correlationData: Buffer;
  qos: QoS;
  /** The topic the request was published to. */
  requestTopic: string;
  /** Time from handing the request to the connection until the reply arrived, ms (fractional). */
  rttMs: number;
  /** Remaining message expiry of the reply (MQTT 5), seconds. */
  messageExpiryInterval?: number | undefined;
}

/** Where and how to send the answer to one request. Plain data: it can ride on a Node-RED msg. */
export interface ReplyRoute {
  responseTopic: string;
  /** Absent when a v5 requester sent none (the reply then carries none either). */
  correlationData?: Buffer | undefined;
  protocol: RpcProtocol;
  /** QoS of the reply: the QoS the request arrived with. */
  qos: QoS;
  /** Epoch ms after which the requester no longer waits (from the request's v5 Message Expiry Interval). */
  expiresAt?: number | undefined;
}
