// msg <-> RPC engine values. Requester: msg -> request, reply laid over the same msg (msg.req/msg.res and
// every other property of the flow survive). Responder: request -> msg with msg.replyTo, the route the
// answer takes. Reply: msg -> reply or error reply.
import type { UserProperties } from '../../codec/types';
import { topicNameProblem } from '../../topic/validate';
import type { IncomingRequest, Reply, ReplyRoute, RequestInput } from '../../rpc';
import { kitError, type MqttKitError, type Translate } from '../shared/errors';
import { convertPayload, payloadBytes, PayloadTypeError, type Datatype } from '../shared/payload';
import type { NodeMessage } from '../shared/red';
import { isPropertyObject, objectToPairs, pairsToObject } from '../shared/user-properties';
import type { RpcConfig } from './config';
import { RpcNodeError } from './errors';

/**
 * msg.replyTo: where the answer to a request goes. Plain data (it survives Node-RED's msg cloning and
 * function nodes); `responder` names the node whose connection the reply takes.
 */
export interface ReplyToOnMsg {
  responder: string;
  broker: string;
  responseTopic: string;
  correlationData?: Buffer;
  protocol: 'v5' | 'envelope';
  qos: 0 | 1 | 2;
  expiresAt?: number;
  /** The request's content type and user properties: a reply does not echo them unless the flow changed them. */
  requestContentType?: string;
  requestUserProperties?: string;
}

function bytes(value: unknown): Buffer | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return undefined;
}

function userPairs(value: unknown): UserProperties | undefined {
  if (!isPropertyObject(value)) return undefined;
  const pairs = objectToPairs(value);
  return pairs.length ? pairs : undefined;
}

/** Seconds from msg.timeout (a positive number) or the node's default. */
export function timeoutOf(msg: NodeMessage, cfg: RpcConfig, t: Translate): number {
  if (msg.timeout === undefined || msg.timeout === null || msg.timeout === '') return cfg.timeoutS;
  const s = Number(msg.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new RpcNodeError('RPC_INVALID_TIMEOUT', t('mqtt-rpc.errors.invalid-timeout', { timeout: String(msg.timeout) }));
  return s;
}

/** The request a msg asks for. The node's topic wins over msg.topic (as in core's mqtt out). */
export function requestOf(msg: NodeMessage, cfg: RpcConfig, t: Translate): RequestInput {
  const topic = cfg.topic || msg.topic;
  if (typeof topic !== 'string' || topic === '') throw kitError(t, 'MISSING_TOPIC');
  const problem = topicNameProblem(topic);
  if (problem) throw kitError(t, 'INVALID_TOPIC', { topic, problem });
  const input: RequestInput = {
    topic, payload: payloadBytes(msg.payload), timeoutMs: timeoutOf(msg, cfg, t) * 1000, qos: cfg.qos,
  };
  if (typeof msg.contentType === 'string' && msg.contentType) input.contentType = msg.contentType;
  const users = userPairs(msg.userProperties);
  if (users) input.userProperties = users;
  if (cfg.correlation === 'msg') {
    const correlation = bytes(msg.correlationData);
    if (correlation) input.correlationData = correlation;
  }
  return input;
}

const REPLACED = ['responseTopic', 'contentType', 'userProperties', 'messageExpiryInterval', 'payloadFormatIndicator'] as const;

/**
 * Lays a reply over the request msg: payload (converted per the node's output type), topic, correlation
 * data and the reply's MQTT 5 properties replace the request's; msg.rpc gets the round-trip time.
 * Returns an error (INVALID_JSON / NOT_UTF8) when the payload does not fit the output type; msg.payload
 * is then the raw Buffer.
 */
export function applyReply(msg: NodeMessage, reply: Reply, datatype: Datatype, t: Translate): MqttKitError | undefined {
  for (const k of REPLACED) delete msg[k];
  msg.topic = reply.topic;
  msg.requestTopic = reply.requestTopic;
  msg.correlationData = reply.correlationData;
  msg.qos = reply.qos;
  msg.retain = false;
  if (reply.contentType !== undefined) msg.contentType = reply.contentType;
  if (reply.userProperties !== undefined) msg.userProperties = pairsToObject(reply.userProperties);
  if (reply.messageExpiryInterval !== undefined) msg.messageExpiryInterval = reply.messageExpiryInterval;
  if (reply.payloadFormatIndicator !== undefined) msg.payloadFormatIndicator = reply.payloadFormatIndicator;
  msg.payload = reply.payload;
  try {
    msg.payload = convertPayload(reply.payload, datatype, { contentType: reply.contentType, payloadFormatIndicator: reply.payloadFormatIndicator });
    return undefined;
  } catch (err) {
    if (!(err instanceof PayloadTypeError)) throw err;
    return kitError(t, err.reason === 'invalid-json' ? 'INVALID_JSON' : 'NOT_UTF8', { topic: reply.topic, detail: err.message });
  }
}

/** A request -> the responder's output msg. No msg.topic: an mqtt-out with no topic then replies to msg.responseTopic. */
export function requestToMsg(r: IncomingRequest, ctx: { node: string; broker: string; datatype: Datatype; t: Translate }): { msg: NodeMessage; error?: MqttKitError } {
  const msg: NodeMessage = { payload: r.payload, requestTopic: r.topic, qos: r.qos };
  if (r.contentType !== undefined) msg.contentType = r.contentType;
  if (r.userProperties !== undefined) msg.userProperties = pairsToObject(r.userProperties);
  if (r.messageExpiryInterval !== undefined) msg.messageExpiryInterval = r.messageExpiryInterval;
  const p = r.packet;
  msg.mqtt = { dup: p.dup, ...(p.packetId !== undefined ? { messageId: p.packetId } : {}), subscription: r.subscription, broker: ctx.broker, protocol: r.route?.protocol ?? 'none' };
  if (r.route) {
    msg.responseTopic = r.route.responseTopic;
    if (r.route.correlationData !== undefined) msg.correlationData = r.route.correlationData;
    const replyTo: ReplyToOnMsg = { responder: ctx.node, broker: ctx.broker, responseTopic: r.route.responseTopic, protocol: r.route.protocol, qos: r.route.qos };
    if (r.route.correlationData !== undefined) replyTo.correlationData = r.route.correlationData;
    if (r.route.expiresAt !== undefined) replyTo.expiresAt = r.route.expiresAt;
    if (r.contentType !== undefined) replyTo.requestContentType = r.contentType;
    if (r.userProperties !== undefined) replyTo.requestUserProperties = JSON.stringify(msg.userProperties);
    msg.replyTo = replyTo;
  }
  try {
    msg.payload = convertPayload(r.payload, ctx.datatype, { contentType: r.contentType, payloadFormatIndicator: r.payloadFormatIndicator });
    return { msg };
  } catch (err) {
    if (!(err instanceof PayloadTypeError)) throw err;
    return { msg, error: kitError(ctx.t, err.reason === 'invalid-json' ? 'INVALID_JSON' : 'NOT_UTF8', { topic: r.topic, detail: err.message }) };
  }
}

/** msg.replyTo, checked (it passes through user code). */
export function replyToOf(msg: NodeMessage): ReplyToOnMsg | undefined {
  const v = msg.replyTo as Partial<ReplyToOnMsg> | undefined;
  if (!v || typeof v !== 'object' || typeof v.responseTopic !== 'string' || topicNameProblem(v.responseTopic)) return undefined;
  if (v.protocol !== 'v5' && v.protocol !== 'envelope') return undefined;
  return v as ReplyToOnMsg;
}

export function routeOf(r: ReplyToOnMsg): ReplyRoute {
  const qos = r.qos === 0 || r.qos === 2 ? r.qos : 1;
  const route: ReplyRoute = { responseTopic: r.responseTopic, protocol: r.protocol, qos };
  const correlation = bytes(r.correlationData) ?? bufferJson(r.correlationData);
  if (correlation) route.correlationData = correlation;
  if (typeof r.expiresAt === 'number') route.expiresAt = r.expiresAt;
  return route;
}

/** A Buffer that went through JSON (e.g. a flow stored in context): { type: 'Buffer', data: [...] }. */
function bufferJson(v: unknown): Buffer | undefined {
  const o = v as { type?: unknown; data?: unknown } | undefined;
  return o && o.type === 'Buffer' && Array.isArray(o.data) ? Buffer.from(o.data as number[]) : undefined;
}

/** The reply's content type and user properties: the msg's, unless they are still the request's. */
export function replyMeta(msg: NodeMessage, replyTo: ReplyToOnMsg | undefined): { contentType?: string; userProperties?: UserProperties } {
  const out: { contentType?: string; userProperties?: UserProperties } = {};
  if (typeof msg.contentType === 'string' && msg.contentType && msg.contentType !== replyTo?.requestContentType) out.contentType = msg.contentType;
  const users = userPairs(msg.userProperties);
  if (users && JSON.stringify(msg.userProperties) !== replyTo?.requestUserProperties) out.userProperties = users;
  return out;
}

/** The message and code of msg.error (a Catch node's object, or a string). */
export function errorOf(value: unknown): { message: string; code?: string } {
  if (typeof value === 'string') return { message: value };
  const e = (value ?? {}) as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(e.message ?? 'error');
  return typeof e.code === 'string' || typeof e.code === 'number' ? { message, code: String(e.code) } : { message };
}
