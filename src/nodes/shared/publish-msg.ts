// msg -> one outgoing PUBLISH, with the precedence rules of docs/nodes.md (node value wins where the node
// sets one, as in core; user properties merge, node wins on the same name) and validation that turns every
// unusable msg into a catchable error instead of core's silent drop.
import type { PublishProperties, QoS } from '../../codec/types';
import { topicNameProblem } from '../../topic/validate';
import { kitError, type Translate } from './errors';
import { payloadBytes } from './payload';
import { isPropertyObject, mergeUserProperties, objectToPairs } from './user-properties';
import type { NodeMessage } from './red';

/** What an mqtt-out node fixes in the editor; undefined means "take it from the msg". */
export interface PublishDefaults {
  topic?: string | undefined;
  qos?: QoS | undefined;
  retain?: boolean | undefined;
  responseTopic?: string | undefined;
  correlationData?: Buffer | undefined;
  contentType?: string | undefined;
  messageExpiryInterval?: number | undefined;
  userProperties?: Record<string, unknown> | undefined;
}

/** One message ready for a lease: what the client layer publishes. */
export interface OutboundMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /** Present only for MQTT 5 connections and only when a property is set. */
  properties?: PublishProperties;
}

export interface PublishContext {
  /** MQTT 5 properties are sent only on a v5 connection; on 3.1/3.1.1 they are left out. */
  v5: boolean;
  t: Translate;
}

const MAX_U32 = 0xffffffff;

/** QoS from a msg or editor value: 0/1/2 as number or numeric string; blank means unset. */
export function parseQos(value: unknown): QoS | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  return n === 0 || n === 1 || n === 2 ? n : 'invalid';
}

/** Retain from a msg or editor value: true/"true" and false/"false"; blank means unset. */
export function parseRetain(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return value === true || value === 'true';
}

/** The topic to publish to, and whether it came from msg.responseTopic (a reply). */
function chooseTopic(msg: NodeMessage, node: PublishDefaults, t: Translate): { topic: string; reply: boolean } {
  if (node.topic) return { topic: node.topic, reply: false };
  const fromMsg = msg.topic;
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== '') {
    if (typeof fromMsg !== 'string') throw kitError(t, 'INVALID_TOPIC', { topic: String(fromMsg), problem: 'not a string' });
    return { topic: fromMsg, reply: false };
  }
  if (typeof msg.responseTopic === 'string' && msg.responseTopic) return { topic: msg.responseTopic, reply: true };
  throw kitError(t, 'MISSING_TOPIC');
}

function checkTopic(topic: string, t: Translate): void {
  const problem = topicNameProblem(topic);
  if (problem) throw kitError(t, 'INVALID_TOPIC', { topic, problem });
}

function correlationBytes(value: unknown, t: Translate): Buffer | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw kitError(t, 'INVALID_PROPERTY', { property: 'correlationData', expected: 'a Buffer or a string' });
}

function expirySeconds(value: unknown, t: Translate): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_U32) {
    throw kitError(t, 'INVALID_PROPERTY', { property: 'messageExpiryInterval', expected: 'whole seconds from 0 to 4294967295' });
  }
  return n;
}

function optionalString(value: unknown, property: string, t: Translate): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw kitError(t, 'INVALID_PROPERTY', { property, expected: 'a string' });
  return value;
}

/** MQTT 5 PUBLISH properties from node and msg; undefined when none is set. */
function publishProperties(msg: NodeMessage, node: PublishDefaults, reply: boolean, t: Translate): PublishProperties | undefined {
  const props: PublishProperties = {};
  // In reply mode msg.responseTopic is the destination, not a property to pass on.
  const responseTopic = node.responseTopic || (reply ? undefined : optionalString(msg.responseTopic, 'responseTopic', t));
  if (responseTopic) {
    checkTopic(responseTopic, t);
    props.responseTopic = responseTopic;
  }
  const correlationData = node.correlationData ?? correlationBytes(msg.correlationData, t);
  if (correlationData) props.correlationData = correlationData;
  const contentType = node.contentType || optionalString(msg.contentType, 'contentType', t);
  if (contentType) props.contentType = contentType;
  const expiry = node.messageExpiryInterval ?? expirySeconds(msg.messageExpiryInterval, t);
  if (expiry !== undefined) props.messageExpiryInterval = expiry;
  if (msg.payloadFormatIndicator === true || msg.payloadFormatIndicator === 1) props.payloadFormatIndicator = true;
  const fromMsg = msg.userProperties;
  if (fromMsg !== undefined && fromMsg !== null && !isPropertyObject(fromMsg)) {
    throw kitError(t, 'INVALID_PROPERTY', { property: 'userProperties', expected: 'an object of name: value' });
  }
  const merged = mergeUserProperties(fromMsg ?? undefined, node.userProperties);
  if (merged) {
    const pairs = objectToPairs(merged);
    if (pairs.length) props.userProperties = pairs;
  }
  return Object.keys(props).length ? props : undefined;
}

/**
 * Maps a msg to the message to publish, or throws an MqttKitError (for `done(err)`) naming what is wrong:
 * no payload property, no topic anywhere, an invalid topic, an invalid QoS or property.
 */
export function msgToPublish(msg: NodeMessage, node: PublishDefaults, ctx: PublishContext): OutboundMessage {
  const { t } = ctx;
  if (!Object.prototype.hasOwnProperty.call(msg, 'payload')) throw kitError(t, 'MISSING_PAYLOAD');
  const { topic, reply } = chooseTopic(msg, node, t);
  checkTopic(topic, t);
  let qos = node.qos;
  if (qos === undefined) {
    const fromMsg = parseQos(msg.qos);
    if (fromMsg === 'invalid') throw kitError(t, 'INVALID_QOS', { qos: String(msg.qos) });
    qos = fromMsg ?? 0;
  }
  const retain = node.retain ?? parseRetain(msg.retain) ?? false;
  const out: OutboundMessage = { topic, payload: payloadBytes(msg.payload), qos, retain };
  if (ctx.v5) {
    const properties = publishProperties(msg, node, reply, t);
    if (properties) out.properties = properties;
  }
  return out;
}
