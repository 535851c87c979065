// An outgoing message in its two forms: the record the store keeps at each stage of its life (queued,
// publish, pubrel), and the PUBLISH built from that record for one connection (the Message Expiry left,
// the server's Maximum Packet Size, a topic alias). The publisher (client-publisher.ts) decides when each
// is made; nothing here keeps state of its own.
import { PacketTooLargeError } from '../codec/errors';
import type { PublishPacket, PublishProperties } from '../codec/types';
import type { OutgoingRecord, OutgoingStage } from '../store/types';
import type { OutboundMessage } from './effects';
import type { Link, Wire } from './link';

const EMPTY = Buffer.alloc(0);
/** Worst-case growth of a PUBLISH when a Topic Alias property is added (id, u16, property length). */
const ALIAS_OVERHEAD = 4;

type MutableRecord = { -readonly [K in keyof OutgoingRecord]: OutgoingRecord[K] };

/**
 * The PUBLISH for record `r` on `link` (packet id 0: none, QoS 0), or the error if it exceeds the server's
 * Maximum Packet Size. A topic alias is chosen (changing the link's alias state) only for a packet that fits.
 */
export function buildPublish<H>(wire: Wire<H>, link: Link, r: OutgoingRecord, packetId: number, now: number): PublishPacket | PacketTooLargeError {
  const packet: PublishPacket = { type: 'publish', topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain, dup: false };
  if (packetId !== 0) packet.packetId = packetId;
  if (link.version !== 5) return packet;
  let properties = r.properties;
  if (r.expiresAt !== undefined) {
    properties = { ...properties, messageExpiryInterval: Math.max(1, Math.ceil((r.expiresAt - now) / 1000)) };
  }
  if (properties !== undefined) packet.properties = properties;
  if (link.peerMaxPacketSize !== undefined) {
    const size = wire.sizeOf(packet) + (link.aliasOut.maximum > 0 ? ALIAS_OVERHEAD : 0);
    if (size > link.peerMaxPacketSize) {
      return new PacketTooLargeError(`PUBLISH to "${r.topic}" is ${size} bytes, over the server's Maximum Packet Size of ${link.peerMaxPacketSize}`, 'MQTT-3.2.2-15');
    }
  }
  if (link.aliasOut.maximum > 0) {
    const choice = link.aliasOut.choose(r.topic);
    if (choice.alias !== undefined) {
      packet.topic = choice.topic;
      packet.properties = { ...packet.properties, topicAlias: choice.alias };
    }
  }
  return packet;
}

/** The queued record of a message the user just published (Message Expiry counted from `now`). */
export function newRecord(seq: number, msg: OutboundMessage, now: number): OutgoingRecord {
  const record: MutableRecord = {
    seq, stage: 'queued', topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain,
  };
  let properties: PublishProperties | undefined = msg.properties;
  if (properties?.topicAlias !== undefined) {
    properties = { ...properties };
    delete properties.topicAlias; // aliases are per connection and chosen by the session
  }
  if (properties !== undefined) record.properties = properties;
  const expiry = properties?.messageExpiryInterval;
  if (expiry !== undefined) record.expiresAt = now + expiry * 1000;
  return record;
}

/** The same record in another stage. Built field by field: an object spread here costs more than the rest of a QoS 1 cycle. */
export function withStage(r: OutgoingRecord, stage: OutgoingStage, packetId: number): OutgoingRecord {
  const out: MutableRecord = { seq: r.seq, stage, packetId, topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain };
  if (r.properties !== undefined) out.properties = r.properties;
  if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
  return out;
}

/** After PUBREC the PUBLISH is never sent again [v5 MQTT-4.3.3-6]: keep only what PUBREL needs. */
export function pubrelRecord(r: OutgoingRecord, packetId: number): OutgoingRecord {
  return { seq: r.seq, stage: 'pubrel', packetId, topic: r.topic, payload: EMPTY, qos: r.qos, retain: r.retain };
}

/** The record back in the queue, without its packet id (a new one is taken when it is sent again). */
export function queuedRecord(r: OutgoingRecord): OutgoingRecord {
  const out: MutableRecord = { seq: r.seq, stage: 'queued', topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain };
  if (r.properties !== undefined) out.properties = r.properties;
  if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
  return out;
}
