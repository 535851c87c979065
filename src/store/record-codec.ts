// Binary encoding of an OutgoingRecord as a record-log value (the seq is the key, not repeated here):
//
//   u8 format (1) | u8 stage (0 queued, 1 publish, 2 pubrel) | u8 qos | u8 flags | u16 packet id (0 = none)
//   [f64 expiresAt            when flags & HAS_EXPIRY]
//   u16 topic length | topic (UTF-8)
//   [u32 length | properties JSON   when flags & HAS_PROPS; correlation data as base64]
//   payload (the rest)
//
// The payload is kept raw (no base64/JSON) so large messages cost one copy.
import type { PublishProperties, QoS } from '../codec/types';
import type { OutgoingRecord, OutgoingStage } from './types';

const FORMAT = 1;
const RETAIN = 1;
const HAS_EXPIRY = 2;
const HAS_PROPS = 4;
const STAGES: readonly OutgoingStage[] = ['queued', 'publish', 'pubrel'];

export class RecordDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

type JsonProperties = Omit<PublishProperties, 'correlationData'> & { correlationData?: string };

function propertiesToJson(p: PublishProperties): string {
  const { correlationData, ...rest } = p;
  const out: JsonProperties = rest;
  if (correlationData) out.correlationData = correlationData.toString('base64');
  return JSON.stringify(out);
}

function propertiesFromJson(text: string): PublishProperties {
  const { correlationData, ...rest } = JSON.parse(text) as JsonProperties;
  const out: PublishProperties = rest;
  if (correlationData !== undefined) out.correlationData = Buffer.from(correlationData, 'base64');
  return out;
}

export function encodeOutgoing(r: OutgoingRecord): Buffer {
  const topicLen = Buffer.byteLength(r.topic, 'utf8');
  const props = r.properties && Object.keys(r.properties).length > 0 ? Buffer.from(propertiesToJson(r.properties)) : undefined;
  const flags = (r.retain ? RETAIN : 0) | (r.expiresAt !== undefined ? HAS_EXPIRY : 0) | (props ? HAS_PROPS : 0);
  const size = 6 + (r.expiresAt !== undefined ? 8 : 0) + 2 + topicLen + (props ? 4 + props.length : 0) + r.payload.length;
  const b = Buffer.allocUnsafe(size);
  b[0] = FORMAT;
  b[1] = STAGES.indexOf(r.stage);
  b[2] = r.qos;
  b[3] = flags;
  b.writeUInt16BE(r.packetId ?? 0, 4);
  let o = 6;
  if (r.expiresAt !== undefined) o = b.writeDoubleBE(r.expiresAt, o);
  o = b.writeUInt16BE(topicLen, o);
  o += b.write(r.topic, o, 'utf8');
  if (props) {
    o = b.writeUInt32BE(props.length, o);
    o += props.copy(b, o);
  }
  r.payload.copy(b, o);
  return b;
}

export function decodeOutgoing(seq: number, b: Buffer): OutgoingRecord {
  if (b.length < 8 || b[0] !== FORMAT) throw new RecordDecodeError(`outgoing record ${seq}: unknown format`);
  const stage = STAGES[b[1]!];
  const qos = b[2]!;
  if (stage === undefined || qos > 2) throw new RecordDecodeError(`outgoing record ${seq}: bad stage or QoS`);
  const flags = b[3]!;
  const packetId = b.readUInt16BE(4);
  let o = 6;
  let expiresAt: number | undefined;
  if (flags & HAS_EXPIRY) {
    expiresAt = b.readDoubleBE(o);
    o += 8;
  }
  const topicLen = b.readUInt16BE(o);
  o += 2;
  const topic = b.toString('utf8', o, o + topicLen);
  o += topicLen;
  let properties: PublishProperties | undefined;
  if (flags & HAS_PROPS) {
    const len = b.readUInt32BE(o);
    o += 4;
    properties = propertiesFromJson(b.toString('utf8', o, o + len));
    o += len;
  }
  if (o > b.length) throw new RecordDecodeError(`outgoing record ${seq}: truncated`);
  const record: { -readonly [K in keyof OutgoingRecord]: OutgoingRecord[K] } = {
    seq, stage, topic, payload: b.subarray(o), qos: qos as QoS, retain: (flags & RETAIN) !== 0,
  };
  if (packetId !== 0) record.packetId = packetId;
  if (properties) record.properties = properties;
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  return record;
}
