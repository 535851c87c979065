// A PUBLISH encoded once and handed to many subscribers (the broker's fan-out): subscribers that differ
// only in QoS, RETAIN, DUP and Packet Identifier get their frame by patching a copy of the shared bytes
// instead of re-encoding topic, properties and payload. Anything else that differs per subscriber
// (MQTT 5 Subscription Identifiers, Topic Alias) needs its own encode().
import { MalformedPacketError } from './errors';
import { checkPacketId, checkRemainingLength } from './fixed-header';
import { encodePublish } from './packets/publish';
import { sid } from './spec';
import type { ProtocolVersion, PublishPacket, QoS } from './types';
import { readVarint, varintSize, writeVarint } from './varint';

export interface Delivery {
  qos: QoS;
  retain: boolean;
  /** Required when qos > 0. */
  packetId?: number;
  dup?: boolean;
}

export class PreparedPublish {
  /** The QoS 0, non-retained encoding; other deliveries are derived from it. */
  private readonly base: Buffer;
  private readonly version: ProtocolVersion;
  /** Offset in `base` of the byte after the Topic Name (where a Packet Identifier goes). */
  private readonly topicEnd: number;
  private readonly rl: number;
  private retained: Buffer | undefined;

  /** Validates and encodes `packet` (its qos, dup, retain and packetId are ignored). */
  constructor(packet: PublishPacket, version: ProtocolVersion) {
    const { packetId: _id, ...rest } = packet;
    this.base = encodePublish({ ...rest, qos: 0, dup: false, retain: false }, version);
    this.version = version;
    this.rl = readVarint(this.base, 1, this.base.length);
    const header = 1 + varintSize(this.rl);
    this.topicEnd = header + 2 + ((this.base[header] << 8) | this.base[header + 1]);
  }

  /** Size of the frame for a delivery at `qos`, for the receiver's Maximum Packet Size check. */
  sizeFor(qos: QoS): number {
    if (qos === 0) return this.base.length;
    return 1 + varintSize(this.rl + 2) + this.rl + 2;
  }

  /**
   * The frame for one delivery. QoS 0 frames are shared between calls (treat them as read-only); QoS 1
   * and 2 frames are fresh copies carrying their own Packet Identifier.
   */
  frame(d: Delivery): Buffer {
    if (d.qos === 0) {
      if (d.dup) throw new MalformedPacketError('QoS 0 PUBLISH with DUP set', sid(this.version, 'MQTT-3.3.1-2', 'MQTT-3.3.1-2'));
      if (!d.retain) return this.base;
      return (this.retained ??= this.withFirstByte(0x31));
    }
    if (d.qos !== 1 && d.qos !== 2) throw new MalformedPacketError(`PUBLISH with QoS ${String(d.qos)}`, 'MQTT-3.3.1-4');
    // The broker fans out: the server's rule for Packet Identifiers applies.
    checkPacketId(d.packetId, this.version, 'QoS > 0 PUBLISH', ['MQTT-2.2.1-4', 'MQTT-2.3.1-1']);
    const rl = this.rl + 2;
    checkRemainingLength(rl);
    const out = Buffer.allocUnsafe(1 + varintSize(rl) + rl);
    out[0] = 0x30 | (d.dup ? 8 : 0) | (d.qos << 1) | (d.retain ? 1 : 0);
    let pos = writeVarint(out, 1, rl);
    const header = 1 + varintSize(this.rl);
    out.set(this.base.subarray(header, this.topicEnd), pos);
    pos += this.topicEnd - header;
    out[pos] = d.packetId! >>> 8;
    out[pos + 1] = d.packetId! & 0xff;
    out.set(this.base.subarray(this.topicEnd), pos + 2);
    return out;
  }

  private withFirstByte(b0: number): Buffer {
    const copy = Buffer.from(this.base);
    copy[0] = b0;
    return copy;
  }
}
