// Normalization of the messages carried in options (will, birth, close) and of user properties, shared
// by options parsing and the pool. Payloads become Buffers; v5 properties get their wire names.
import type { PublishProperties, QoS, UserProperties, Will, WillProperties } from '../codec/types';
import { topicNameProblem } from '../topic';
import { Checker, show } from './check';

/** A message as users describe it in options: birth, close and will messages. */
export interface MessageInput {
  topic: string;
  /** Strings are UTF-8; objects and numbers are JSON-encoded; null/undefined is an empty payload. */
  payload?: unknown;
  qos?: QoS | '0' | '1' | '2';
  retain?: boolean | 'true' | 'false';
  /** v5 properties; ignored for MQTT 3.1/3.1.1. Accepts Node-RED's short names too. */
  properties?: MessagePropertiesInput;
}

export interface MessagePropertiesInput {
  contentType?: string;
  responseTopic?: string;
  respTopic?: string;
  correlationData?: string | Buffer;
  correl?: string | Buffer;
  messageExpiryInterval?: number | string;
  expiry?: number | string;
  payloadFormatIndicator?: boolean;
  userProperties?: UserPropertiesInput;
  userProps?: UserPropertiesInput;
  /** Will only. */
  willDelayInterval?: number | string;
  delay?: number | string;
}

/** Ordered pairs, or an object whose values are strings, arrays of strings, or JSON-able values. */
export type UserPropertiesInput = UserProperties | Record<string, unknown>;

/** A normalized message to publish on connect (birth) or before a deliberate disconnect (close). */
export interface OutgoingMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: PublishProperties;
}

const U32_MAX = 0xffff_ffff;

export function toPayload(value: unknown): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'object') return Buffer.from(JSON.stringify(value), 'utf8');
  return Buffer.from(String(value), 'utf8');
}

export function readUserProperties(c: Checker, field: string, value: unknown): UserProperties | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v); // Node-RED stores the config node's user properties as JSON text
    } catch {
      c.fail(field, `must be JSON, an object or [name, value] pairs (got ${show(value)})`);
      return undefined;
    }
  }
  if (Array.isArray(v)) {
    const ok = v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
    if (!ok) c.fail(field, 'pairs must be [string, string]');
    return ok ? (v as UserProperties) : undefined;
  }
  if (!c.isObject(field, v)) return undefined;
  const pairs: UserProperties = [];
  for (const [name, val] of Object.entries(v)) {
    const values = Array.isArray(val) ? val : [val];
    for (const one of values) pairs.push([name, typeof one === 'string' ? one : JSON.stringify(one)]);
  }
  return pairs;
}

function readProperties(c: Checker, field: string, p: MessagePropertiesInput, kind: 'will' | 'publish'): WillProperties {
  const out: WillProperties = {};
  const contentType = c.str(`${field}.contentType`, p.contentType);
  if (contentType) out.contentType = contentType;
  const responseTopic = c.str(`${field}.responseTopic`, p.responseTopic ?? p.respTopic);
  if (responseTopic) {
    const problem = topicNameProblem(responseTopic);
    if (problem) c.fail(`${field}.responseTopic`, `is not a valid topic name (${problem})`);
    else out.responseTopic = responseTopic;
  }
  const correl = p.correlationData ?? p.correl;
  if (correl !== undefined && correl !== '') out.correlationData = toPayload(correl);
  const expiry = p.messageExpiryInterval ?? p.expiry;
  if (expiry !== undefined && expiry !== '') {
    out.messageExpiryInterval = c.int(`${field}.messageExpiryInterval`, expiry, { min: 0, max: U32_MAX, fallback: 0 });
  }
  if (p.payloadFormatIndicator !== undefined) {
    out.payloadFormatIndicator = c.bool(`${field}.payloadFormatIndicator`, p.payloadFormatIndicator, false);
  }
  const users = readUserProperties(c, `${field}.userProperties`, p.userProperties ?? p.userProps);
  if (users?.length) out.userProperties = users;
  const delay = p.willDelayInterval ?? p.delay;
  if (kind === 'will' && delay !== undefined && delay !== '') {
    out.willDelayInterval = c.int(`${field}.willDelayInterval`, delay, { min: 0, max: U32_MAX, fallback: 0 });
  }
  return out;
}

/** Reads a will/birth/close message; undefined when absent or when its topic is blank (disabled). */
export function readMessage(c: Checker, field: string, value: unknown, kind: 'will' | 'publish'): Will | undefined {
  if (value === undefined || value === null) return undefined;
  if (!c.isObject(field, value)) return undefined;
  const m = value as unknown as MessageInput;
  const topic = c.str(`${field}.topic`, m.topic);
  if (!topic) return undefined; // Node-RED leaves the topic blank to disable the message
  const problem = topicNameProblem(topic);
  if (problem) c.fail(`${field}.topic`, `is not a valid topic name: ${show(topic)} (${problem})`);
  const qos = c.oneOf(`${field}.qos`, m.qos, [0, 1, 2] as const, 0);
  const retain = c.bool(`${field}.retain`, m.retain, false);
  const message: Will = { topic, payload: toPayload(m.payload), qos, retain };
  if (m.properties !== undefined && c.isObject(`${field}.properties`, m.properties)) {
    const props = readProperties(c, `${field}.properties`, m.properties, kind);
    if (Object.keys(props).length > 0) message.properties = props;
  }
  return message;
}
