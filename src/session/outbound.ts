// The QoS 1/2 sender's in-flight table, shared by the client and the broker: which PUBLISH/PUBREL is
// waiting for which acknowledgement, in the order the messages were first sent.
//
//   QoS 1:  [publish] --PUBACK--> done
//   QoS 2:  [publish] --PUBREC < 0x80--> [pubrel] --PUBCOMP--> done
//           [publish] --PUBREC >= 0x80--> done (refused; never retransmitted [MQTT-4.4.0-2])
//
// The table only tracks state and frees packet ids; sending, persisting and completing commands is the
// caller's job (see client-session.ts). Iteration order is the original send order, which is the order
// a resumed session must re-send in [MQTT-4.4.0-1] [MQTT-4.6.0-1].
import type { QoS } from '../codec/types';
import type { PacketIdAllocator } from './packet-ids';

/** What the table needs of an entry; callers add their own fields (record, handle, message, ...). */
export interface InflightMessage {
  readonly packetId: number;
  readonly qos: QoS;
  /** 'publish' or 'pubrel' while in the table ('queued' is the callers' stage before it). */
  stage: 'queued' | 'publish' | 'pubrel';
}

export type AckOutcome<T> =
  /** PUBACK or PUBCOMP: the exchange is over and the packet id is free again. */
  | { kind: 'done'; entry: T }
  /** PUBREC < 0x80: the entry moved to 'pubrel'; send PUBREL with the same id [MQTT-4.3.3-4 v5]. */
  | { kind: 'release'; entry: T }
  /** PUBACK/PUBREC >= 0x80: the message was refused; the exchange is over, the id is free. */
  | { kind: 'refused'; entry: T; reasonCode: number }
  /** The ack names no message in the state it expects (unknown id, or PUBACK for QoS 2, ...). */
  | { kind: 'unexpected'; packetId: number; detail: string };

export class OutboundInflight<T extends InflightMessage> {
  private readonly entries = new Map<number, T>();

  constructor(private readonly ids: PacketIdAllocator) {}

  get size(): number {
    return this.entries.size;
  }

  get(packetId: number): T | undefined {
    return this.entries.get(packetId);
  }

  /** Entries in original send order. */
  values(): IterableIterator<T> {
    return this.entries.values();
  }

  /** Records a message just sent (or restored) with an id the caller allocated or reserved. */
  add(entry: T): void {
    this.entries.set(entry.packetId, entry);
  }

  /** Forgets an entry and frees its id (e.g. a message dropped before it was sent). */
  remove(packetId: number): T | undefined {
    const entry = this.entries.get(packetId);
    if (entry) this.finish(entry);
    return entry;
  }

  onPuback(packetId: number, reasonCode: number): AckOutcome<T> {
    const entry = this.entries.get(packetId);
    if (entry === undefined || entry.qos !== 1) return unexpected(packetId, 'PUBACK', entry);
    this.finish(entry);
    return reasonCode >= 0x80 ? { kind: 'refused', entry, reasonCode } : { kind: 'done', entry };
  }

  onPubrec(packetId: number, reasonCode: number): AckOutcome<T> {
    const entry = this.entries.get(packetId);
    if (entry === undefined || entry.qos !== 2) return unexpected(packetId, 'PUBREC', entry);
    if (entry.stage === 'pubrel') return { kind: 'release', entry }; // repeated PUBREC: PUBREL again, harmless
    if (reasonCode >= 0x80) {
      this.finish(entry);
      return { kind: 'refused', entry, reasonCode };
    }
    entry.stage = 'pubrel';
    return { kind: 'release', entry };
  }

  onPubcomp(packetId: number): AckOutcome<T> {
    const entry = this.entries.get(packetId);
    if (entry === undefined || entry.stage !== 'pubrel') return unexpected(packetId, 'PUBCOMP', entry);
    this.finish(entry);
    return { kind: 'done', entry };
  }

  /** Removes every entry, freeing their ids; returns them in send order. */
  clear(): T[] {
    const all = [...this.entries.values()];
    for (const entry of all) this.ids.release(entry.packetId);
    this.entries.clear();
    return all;
  }

  private finish(entry: T): void {
    this.entries.delete(entry.packetId);
    this.ids.release(entry.packetId);
  }
}

function unexpected<T>(packetId: number, ack: string, entry: InflightMessage | undefined): AckOutcome<T> {
  const detail = entry === undefined
    ? `${ack} for packet id ${packetId}, which has no message in flight`
    : `${ack} for packet id ${packetId}, a QoS ${entry.qos} message awaiting ${awaited(entry)}`;
  return { kind: 'unexpected', packetId, detail };
}

function awaited(entry: InflightMessage): string {
  if (entry.qos === 1) return 'PUBACK';
  return entry.stage === 'publish' ? 'PUBREC' : 'PUBCOMP';
}
