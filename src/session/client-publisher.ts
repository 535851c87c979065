// The client's outgoing messages: the offline/backlog queue, the QoS 1/2 in-flight table, the send quota
// and what happens to each on send, ack, lost connection and reconnect. Effects go into the `fx` array
// the session passes in; nothing here touches I/O. The stored records and the PUBLISH built from them are
// outgoing-messages.ts.
import { PacketTooLargeError, type MqttError } from '../codec/errors';
import type { AckProperties, QoS } from '../codec/types';
import type { OutgoingRecord, OutgoingStage } from '../store/types';
import type { Effect, OutboundMessage, PublishResult } from './effects';
import {
  CommandRefusedError, InvalidCommandError, MessageExpiredError, PublishWithdrawnError, QosNotSupportedError,
  QueueFullError, RetainNotSupportedError, SessionClosedError,
} from './errors';
import { Fifo } from './fifo';
import { SendQuota } from './flow-control';
import type { Link, Wire } from './link';
import { OutboundInflight, type AckOutcome } from './outbound';
import { buildPublish, newRecord, pubrelRecord, queuedRecord, withStage } from './outgoing-messages';
import type { PacketIdAllocator } from './packet-ids';
import { ACK_ECHOES_ID, violation } from './violations';

export interface PublisherLimits {
  maxMessages: number;
  maxBytes: number;
  qos0WhileOffline: 'queue' | 'drop';
  maxInflight: number;
}

export interface OutEntry<H> {
  record: OutgoingRecord;
  readonly handle: H | undefined;
  /** Bytes counted against maxBytes (topic + payload at submission). */
  readonly size: number;
  readonly qos: QoS;
  packetId: number;
  stage: OutgoingStage;
  /** Sent on the current connection; false while waiting to be re-sent on a resumed session. */
  onWire: boolean;
  /** A record for it is in the store. */
  persisted: boolean;
  /** PUBREC reason code, reported when PUBCOMP completes the message. */
  recReason: number;
  /** Its sender withdrew it while it was in flight: not sent again unless a resumed session requires it. */
  withdrawn: boolean;
}

const PUBLISHED: PublishResult = Object.freeze({ kind: 'published', reasonCode: 0 });
const DROPPED_OFFLINE: PublishResult = Object.freeze({ kind: 'dropped', reason: 'offline' });

export class Publisher<H> {
  private readonly inflight: OutboundInflight<OutEntry<H>>;
  private readonly queue = new Fifo<OutEntry<H>>();
  private readonly quota = new SendQuota();
  private nextSeq = 1;
  private messages = 0;
  private bytes = 0;
  /** In-flight PUBLISHes of a resumed session still waiting for quota to be re-sent. */
  private held = 0;
  private nextExpiry = Infinity;
  readonly counters = { droppedQos0: 0, expired: 0 };

  constructor(private readonly wire: Wire<H>, private readonly ids: PacketIdAllocator, private readonly limits: PublisherLimits) {
    this.inflight = new OutboundInflight(ids);
  }

  get stats() {
    return { queued: this.queue.length, inflight: this.inflight.size, messages: this.messages, bytes: this.bytes, ...this.counters };
  }

  /** Earliest Message Expiry of a queued message (may be stale-early; expire() recomputes). */
  nextDeadline(): number | undefined {
    return this.nextExpiry === Infinity ? undefined : this.nextExpiry;
  }

  /** Loads records from a store before the first connection. */
  restore(records: readonly OutgoingRecord[]): void {
    for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
      const entry = this.entryFor(undefined, record, record.topic.length + record.payload.length);
      entry.persisted = true;
      this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
      if (record.stage !== 'queued' && record.packetId !== undefined && this.ids.reserve(record.packetId)) {
        entry.packetId = record.packetId;
        entry.stage = record.stage;
        this.inflight.add(entry);
      } else {
        entry.record = queuedRecord(record);
        this.queue.push(entry);
        this.noteExpiry(record);
      }
    }
  }

  publish(fx: Effect<H>[], handle: H | undefined, msg: OutboundMessage, now: number): void {
    if (msg.properties?.subscriptionIdentifiers !== undefined) {
      fx.push({ kind: 'fail', handle, error: new InvalidCommandError('a PUBLISH from a client cannot carry Subscription Identifiers', 'MQTT-3.3.4-6') });
      return;
    }
    const online = this.wire.link?.phase === 'online';
    if (msg.qos === 0 && !online && this.limits.qos0WhileOffline === 'drop') {
      this.counters.droppedQos0++;
      fx.push({ kind: 'complete', handle, result: DROPPED_OFFLINE });
      return;
    }
    const size = msg.topic.length + msg.payload.length;
    if (this.messages >= this.limits.maxMessages) return void fx.push({ kind: 'fail', handle, error: new QueueFullError('messages', this.limits.maxMessages) });
    if (this.bytes + size > this.limits.maxBytes) return void fx.push({ kind: 'fail', handle, error: new QueueFullError('bytes', this.limits.maxBytes) });
    const entry = this.entryFor(handle, newRecord(this.nextSeq++, msg, now), size);
    if (online && this.queue.length === 0 && this.held === 0 && this.trySend(fx, entry, now) !== 'blocked') return;
    this.queue.push(entry);
    this.noteExpiry(entry.record);
    if (entry.qos > 0) {
      fx.push({ kind: 'persist', record: entry.record });
      entry.persisted = true;
    }
  }

  /** Sends whatever the quota and free packet ids allow, oldest first. */
  pump(fx: Effect<H>[], now: number): void {
    const link = this.wire.link;
    if (link?.phase !== 'online') return;
    if (this.held > 0 && !this.resendHeld(fx, link, now)) return;
    for (let entry = this.queue.peek(); entry !== undefined; entry = this.queue.peek()) {
      if (this.trySend(fx, entry, now) === 'blocked') return;
      this.queue.shift();
    }
  }

  onPuback(fx: Effect<H>[], packetId: number, reasonCode: number, properties: AckProperties | undefined, now: number): void {
    this.settle(fx, this.inflight.onPuback(packetId, reasonCode), 'puback', reasonCode, properties, now);
  }

  onPubrec(fx: Effect<H>[], packetId: number, reasonCode: number, properties: AckProperties | undefined, now: number): void {
    this.settle(fx, this.inflight.onPubrec(packetId, reasonCode), 'pubrec', reasonCode, properties, now);
  }

  onPubcomp(fx: Effect<H>[], packetId: number, reasonCode: number, properties: AckProperties | undefined, now: number): void {
    this.settle(fx, this.inflight.onPubcomp(packetId), 'pubcomp', reasonCode, properties, now);
  }

  /**
   * CONNACK with Session Present = 1: re-send every unacknowledged PUBLISH (DUP=1) and PUBREL with its
   * original id, in the original order [MQTT-4.4.0-1] [MQTT-4.6.0-1], within the new send quota.
   */
  resume(fx: Effect<H>[], link: Link, now: number): void {
    let pubrels = 0;
    for (const e of this.inflight.values()) if (e.stage === 'pubrel') pubrels++;
    this.quota.reset(Math.min(link.peerReceiveMaximum, this.limits.maxInflight), pubrels);
    this.held = 0;
    for (const e of this.inflight.values()) {
      e.onWire = false;
      if (e.stage === 'pubrel') {
        e.onWire = true;
        this.wire.send(fx, { type: 'pubrel', packetId: e.packetId, reasonCode: 0 }, now);
      } else if (this.held > 0 || !this.quota.tryTake()) {
        this.held++;
      } else {
        this.resendPublish(fx, link, e, now);
      }
    }
  }

  /**
   * CONNACK with Session Present = 0: the server has none of our in-flight state, so we discard it as
   * the spec requires [v5 MQTT-3.2.2-5] - but not the user's messages. A QoS 2 message in the PUBREL
   * stage was already received by the server (it sent PUBREC): it is complete. Every other unacknowledged
   * QoS 1/2 message goes back to the head of the queue, in order, and is sent again as a new PUBLISH with
   * a new packet id and DUP=0. If the old server session had received it, that is a duplicate: QoS 1
   * allows it, and for QoS 2 it is the only way a duplicate can arise (see docs/session.md).
   */
  restart(fx: Effect<H>[], link: Link): void {
    const requeue: OutEntry<H>[] = [];
    for (const e of this.inflight.clear()) {
      if (e.stage === 'pubrel') {
        this.finish(fx, e);
        fx.push({ kind: 'complete', handle: e.handle, result: resultOf(e.recReason, undefined) });
        continue;
      }
      if (e.withdrawn) {
        // The server kept nothing of it and its sender no longer wants it: never sent again.
        this.drop(fx, e, new PublishWithdrawnError(e.record.topic));
        continue;
      }
      e.stage = 'queued';
      e.packetId = 0;
      e.onWire = false;
      e.record = queuedRecord(e.record);
      fx.push({ kind: 'persist', record: e.record });
      this.noteExpiry(e.record);
      requeue.push(e);
    }
    this.queue.unshiftAll(requeue);
    this.held = 0;
    this.quota.reset(Math.min(link.peerReceiveMaximum, this.limits.maxInflight), 0);
  }

  connectionLost(): void {
    for (const e of this.inflight.values()) e.onWire = false;
    this.held = 0;
  }

  /**
   * The sender of `handle`'s publish no longer wants it (an RPC request that timed out). Still queued:
   * removed and failed with PublishWithdrawnError, never sent. Sent and unacknowledged: its store record is
   * removed (a restart does not restore it) and a reconnect without the session drops it instead of
   * sending it again; a resumed session still re-sends it, as it must [MQTT-4.4.0-1]. Past PUBREC (QoS 2) it
   * has been received: nothing changes.
   */
  withdraw(fx: Effect<H>[], handle: H): void {
    const queued = this.queue.removeWhere((e) => e.handle === handle);
    for (const e of queued) this.drop(fx, e, new PublishWithdrawnError(e.record.topic));
    if (queued.length > 0) return;
    for (const e of this.inflight.values()) {
      if (e.handle !== handle || e.stage !== 'publish') continue;
      e.withdrawn = true;
      if (e.persisted) fx.push({ kind: 'unpersist', seq: e.record.seq });
      e.persisted = false;
    }
  }

  /**
   * A store write for message `seq` failed. Queued: taken out and failed. In flight before PUBREC: its
   * PUBLISH has not gone out (the driver applies sends only after the writes before them committed, and
   * drops this one), so it is taken out too, giving back its packet id and quota. Past PUBREC the server
   * owns the message: it completes as usual. Either way its record is removed (best effort).
   */
  storeFailed(fx: Effect<H>[], seq: number, error: MqttError, now: number): void {
    const queued = this.queue.removeWhere((e) => e.record.seq === seq);
    for (const e of queued) this.drop(fx, e, error);
    if (queued.length > 0) return;
    for (const e of this.inflight.values()) {
      if (e.record.seq !== seq || e.stage !== 'publish') continue;
      this.inflight.remove(e.packetId);
      if (e.onWire) this.quota.give();
      else if (this.held > 0) this.held--; // counted as waiting to be re-sent on a resumed session
      this.drop(fx, e, error);
      this.pump(fx, now);
      return;
    }
  }

  /** Drops queued messages whose Message Expiry passed (never ones already sent [v5 MQTT-4.3.3-7]). */
  expire(fx: Effect<H>[], now: number): void {
    if (now < this.nextExpiry) return;
    const expired = this.queue.removeWhere((e) => e.record.expiresAt !== undefined && now >= e.record.expiresAt);
    for (const e of expired) this.dropExpired(fx, e);
    this.nextExpiry = Infinity;
    for (const e of this.queue) this.noteExpiry(e.record);
  }

  /** Fails every pending publish (the session is being shut down); records stay in the store. */
  shutdown(fx: Effect<H>[]): void {
    for (const e of [...this.queue.drain(), ...this.inflight.clear()]) {
      if (e.handle !== undefined) fx.push({ kind: 'fail', handle: e.handle, error: new SessionClosedError('publish') });
    }
    this.messages = 0;
    this.bytes = 0;
  }

  private entryFor(handle: H | undefined, record: OutgoingRecord, size: number): OutEntry<H> {
    this.messages++;
    this.bytes += size;
    return { record, handle, size, qos: record.qos, packetId: 0, stage: 'queued', onWire: false, persisted: false, recReason: 0, withdrawn: false };
  }

  private trySend(fx: Effect<H>[], entry: OutEntry<H>, now: number): 'sent' | 'blocked' | 'dropped' {
    const link = this.wire.link!;
    const r = entry.record;
    if (r.expiresAt !== undefined && now >= r.expiresAt) return this.dropExpired(fx, entry);
    if (entry.qos > link.peerMaxQos) return this.drop(fx, entry, new QosNotSupportedError(entry.qos, link.peerMaxQos));
    if (r.retain && !link.retainAvailable) return this.drop(fx, entry, new RetainNotSupportedError());
    if (entry.qos === 0) {
      const packet = buildPublish(this.wire, link, r, 0, now);
      if (packet instanceof PacketTooLargeError) return this.drop(fx, entry, packet);
      this.wire.send(fx, packet, now);
      this.messages--;
      this.bytes -= entry.size;
      fx.push({ kind: 'complete', handle: entry.handle, result: PUBLISHED });
      return 'sent';
    }
    if (this.quota.available === 0 || this.ids.exhausted) return 'blocked';
    // Build (and size-check) before taking an id, so a refused message consumes none; any id has the
    // same encoded size, and buildPublish() changes alias state only for a packet that will be sent.
    const packet = buildPublish(this.wire, link, r, 0xffff, now);
    if (packet instanceof PacketTooLargeError) return this.drop(fx, entry, packet);
    const id = this.ids.allocate()!;
    packet.packetId = id;
    this.quota.tryTake();
    entry.packetId = id;
    entry.stage = 'publish';
    entry.onWire = true;
    entry.record = withStage(r, 'publish', id);
    entry.persisted = true;
    this.inflight.add(entry);
    fx.push({ kind: 'persist', record: entry.record });
    this.wire.send(fx, packet, now, r.seq);
    return 'sent';
  }

  private resendHeld(fx: Effect<H>[], link: Link, now: number): boolean {
    for (const e of this.inflight.values()) {
      if (e.onWire || e.stage !== 'publish') continue;
      if (!this.quota.tryTake()) return false;
      this.held--;
      this.resendPublish(fx, link, e, now);
    }
    return this.held === 0;
  }

  private resendPublish(fx: Effect<H>[], link: Link, e: OutEntry<H>, now: number): void {
    const packet = buildPublish(this.wire, link, e.record, e.packetId, now);
    if (packet instanceof PacketTooLargeError) {
      // The server lowered its Maximum Packet Size since the first attempt: this message can never go.
      this.inflight.remove(e.packetId);
      this.quota.give();
      this.finish(fx, e);
      fx.push({ kind: 'fail', handle: e.handle, error: packet });
      return;
    }
    packet.dup = true; // [MQTT-3.3.1-1]
    e.onWire = true;
    this.wire.send(fx, packet, now, e.record.seq);
  }

  private settle(fx: Effect<H>[], outcome: AckOutcome<OutEntry<H>>, ack: 'puback' | 'pubrec' | 'pubcomp',
    reasonCode: number, properties: AckProperties | undefined, now: number): void {
    if (outcome.kind === 'unexpected') {
      fx.push(violation(this.wire.link, 0x82, ACK_ECHOES_ID, outcome.detail));
      return;
    }
    const e = outcome.entry;
    if (outcome.kind === 'release') {
      if (e.record.stage !== 'pubrel') {
        e.recReason = reasonCode;
        e.record = pubrelRecord(e.record, e.packetId);
        fx.push({ kind: 'persist', record: e.record });
        e.persisted = true; // again, if a withdrawal had removed the record
      }
      if (!e.onWire) {
        // PUBREC for a PUBLISH of a resumed session we had not re-sent yet: it now counts as sent.
        e.onWire = true;
        this.held--;
        this.quota.forceTake();
      }
      this.wire.send(fx, { type: 'pubrel', packetId: e.packetId, reasonCode: 0 }, now); // [MQTT-4.6.0-4]
      return;
    }
    if (e.onWire) this.quota.give();
    else this.held--;
    this.finish(fx, e);
    if (outcome.kind === 'refused') {
      fx.push({ kind: 'fail', handle: e.handle, error: new CommandRefusedError('publish', reasonCode, ack, properties) });
    } else {
      fx.push({ kind: 'complete', handle: e.handle, result: resultOf(ack === 'pubcomp' ? e.recReason : reasonCode, properties) });
    }
    this.pump(fx, now);
  }

  private finish(fx: Effect<H>[], e: OutEntry<H>): void {
    this.messages--;
    this.bytes -= e.size;
    if (e.persisted) fx.push({ kind: 'unpersist', seq: e.record.seq });
  }

  private drop(fx: Effect<H>[], e: OutEntry<H>, error: MqttError): 'dropped' {
    this.finish(fx, e);
    fx.push({ kind: 'fail', handle: e.handle, error });
    return 'dropped';
  }

  private dropExpired(fx: Effect<H>[], e: OutEntry<H>): 'dropped' {
    this.counters.expired++;
    return this.drop(fx, e, new MessageExpiredError(e.record.topic));
  }

  private noteExpiry(r: OutgoingRecord): void {
    if (r.expiresAt !== undefined && r.expiresAt < this.nextExpiry) this.nextExpiry = r.expiresAt;
  }
}

function resultOf(reasonCode: number, properties: AckProperties | undefined): PublishResult {
  if (reasonCode === 0 && properties === undefined) return PUBLISHED;
  return properties === undefined ? { kind: 'published', reasonCode } : { kind: 'published', reasonCode, properties };
}
