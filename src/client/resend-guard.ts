// Guard against a broker that re-sends a QoS 2 PUBLISH it must not re-send. After a restart with
// persistence, Mosquitto 2.0 re-sends PUBLISH (DUP=1) for messages whose PUBREL it had already sent and
// whose PUBCOMP we had already returned, instead of re-sending PUBREL (the sender MUST NOT re-send the
// PUBLISH once it has sent PUBREL [MQTT-4.3.3-5]). The session engine rightly treats the packet id as
// free after PUBCOMP, so the message would be delivered twice.
//
// The guard remembers, per packet id, the topic and payload checksum of QoS 2 messages we completed, and
// drops a later DUP=1 PUBLISH with the same id, topic and payload, which can only be that re-send. A new
// message that reuses the id arrives with DUP=0 first and clears the entry. Pure: the driver feeds it.
import type { PublishPacket } from '../codec/types';
import { crc32 } from '../store';

const MAX_ENTRIES = 4096;

interface Seen {
  topic: string;
  length: number;
  crc: number;
}

export class Qos2ResendGuard {
  /** Delivered, PUBREC sent, waiting for PUBREL/PUBCOMP. */
  private readonly open = new Map<number, Seen>();
  /** PUBCOMP sent: a DUP re-send of these is the broker's mistake. */
  private readonly completed = new Map<number, Seen>();

  /** A QoS 2 message is about to be delivered: true when it must be dropped as a forbidden re-send. */
  isResend(packet: PublishPacket): boolean {
    if (packet.qos !== 2 || packet.packetId === undefined) return false;
    const id = packet.packetId;
    const seen: Seen = { topic: packet.topic, length: packet.payload.length, crc: crc32(packet.payload) };
    const done = this.completed.get(id);
    this.completed.delete(id);
    if (packet.dup && done && same(done, seen)) return true;
    this.open.set(id, seen);
    if (this.open.size > MAX_ENTRIES) this.evict(this.open);
    return false;
  }

  /** We sent PUBCOMP for `packetId`. */
  completedId(packetId: number): void {
    const seen = this.open.get(packetId);
    if (!seen) return;
    this.open.delete(packetId);
    this.completed.set(packetId, seen);
    if (this.completed.size > MAX_ENTRIES) this.evict(this.completed);
  }

  /** The session was not resumed: nothing of the old one can be re-sent. */
  clear(): void {
    this.open.clear();
    this.completed.clear();
  }

  private evict(map: Map<number, Seen>): void {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

function same(a: Seen, b: Seen): boolean {
  return a.topic === b.topic && a.length === b.length && a.crc === b.crc;
}
