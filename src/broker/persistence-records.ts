// Byte encodings of what the file persistence stores in its record log. Messages are a JSON header and
// the raw payload (no base64 for the bulk); binary properties (Correlation Data) travel as base64 inside
// the header. Everything is validated on the way back: a record that does not decode is reported, never
// turned into a half-built message.

import type { ProtocolVersion, PublishProperties, QoS } from '../codec/types';
import type { BrokerMessage } from './message';
import type { SessionSnapshot } from './persistence';
import type { OutboundEntry } from './session';

/** A record that does not decode (a bug or a foreign file: the log's checksums rule out torn writes). */
export class RecordDecodeError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`stored broker record ${JSON.stringify(key)} is unreadable: ${reason}`);
    this.name = 'RecordDecodeError';
  }
}

interface MessageHeader {
  t: string;
  q: QoS;
  r: boolean;
  p?: unknown;
  i: string | null;
  e?: number;
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Uint8Array) return { $b64: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { $b64?: unknown }).$b64 === 'string') {
    return Buffer.from((value as { $b64: string }).$b64, 'base64');
  }
  return value;
}

export function encodeMessage(m: BrokerMessage): Buffer {
  const header: MessageHeader = { t: m.topic, q: m.qos, r: m.retain, i: m.publisherId };
  if (m.properties) header.p = m.properties;
  if (m.expiresAt !== undefined) header.e = m.expiresAt;
  const json = Buffer.from(JSON.stringify(header, replacer));
  const out = Buffer.allocUnsafe(4 + json.length + m.payload.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  m.payload.copy(out, 4 + json.length);
  return out;
}

export function decodeMessage(key: string, bytes: Buffer): BrokerMessage {
  if (bytes.length < 4) throw new RecordDecodeError(key, 'too short');
  const length = bytes.readUInt32BE(0);
  if (4 + length > bytes.length) throw new RecordDecodeError(key, 'header length beyond the record');
  let h: MessageHeader;
  try {
    h = JSON.parse(bytes.toString('utf8', 4, 4 + length), reviver) as MessageHeader;
  } catch (err) {
    throw new RecordDecodeError(key, (err as Error).message);
  }
  if (typeof h.t !== 'string' || ![0, 1, 2].includes(h.q) || typeof h.r !== 'boolean') {
    throw new RecordDecodeError(key, 'bad message header');
  }
  return {
    topic: h.t, payload: Buffer.from(bytes.subarray(4 + length)), qos: h.q, retain: h.r,
    properties: h.p as PublishProperties | undefined, publisherId: h.i ?? null,
    expiresAt: typeof h.e === 'number' ? h.e : undefined, frames: undefined,
  };
}

export function encodeSession(s: SessionSnapshot): Buffer {
  return Buffer.from(JSON.stringify(s));
}

export function decodeSession(key: string, bytes: Buffer): SessionSnapshot {
  let s: SessionSnapshot;
  try {
    s = JSON.parse(bytes.toString('utf8')) as SessionSnapshot;
  } catch (err) {
    throw new RecordDecodeError(key, (err as Error).message);
  }
  if (typeof s.clientId !== 'string' || ![3, 4, 5].includes(s.version) || typeof s.expiryInterval !== 'number'
    || !Array.isArray(s.subscriptions)) {
    throw new RecordDecodeError(key, 'bad session record');
  }
  return { ...s, version: s.version as ProtocolVersion };
}

/** One queued or in-flight copy: which client, which stored message, and the per-copy delivery state. */
export interface OutboundRecord {
  c: string;
  m: number;
  q: 1 | 2;
  r: boolean;
  s?: number[];
  id: number;
  st: OutboundEntry['stage'];
}

export function encodeOutbound(clientId: string, messageId: number, e: OutboundEntry): Buffer {
  const rec: OutboundRecord = { c: clientId, m: messageId, q: e.qos, r: e.retain, id: e.packetId, st: e.stage };
  if (e.subscriptionIds) rec.s = e.subscriptionIds;
  return Buffer.from(JSON.stringify(rec));
}

export function decodeOutbound(key: string, bytes: Buffer): OutboundRecord {
  let r: OutboundRecord;
  try {
    r = JSON.parse(bytes.toString('utf8')) as OutboundRecord;
  } catch (err) {
    throw new RecordDecodeError(key, (err as Error).message);
  }
  if (typeof r.c !== 'string' || typeof r.m !== 'number' || (r.q !== 1 && r.q !== 2) || typeof r.id !== 'number'
    || !['queued', 'publish', 'pubrel'].includes(r.st)) {
    throw new RecordDecodeError(key, 'bad outbound record');
  }
  return r;
}
