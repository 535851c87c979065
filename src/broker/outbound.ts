// Messages from the broker to one client: QoS 0 sent or dropped, QoS 1/2 sent within the client's
// Receive Maximum or queued (bounded), resent on reconnect, completed by PUBACK / PUBREC+PUBCOMP.

import type { QoS } from '../codec/types';
import type { BrokerCore } from './core';
import type { Connection } from './connection';
import { FrameCache, type FrameKey } from './frames';
import type { BrokerMessage } from './message';
import { isExpired } from './message';
import type { SharedGroup } from './router';
import type { BrokerSession, OutboundEntry } from './session';

export interface CopyOptions {
  /** Maximum QoS granted by the subscription; the copy goes at min(this, message QoS) [MQTT-3.8.4-8]. */
  qos: QoS;
  retain: boolean;
  subscriptionIds: number[] | undefined;
  shared: SharedGroup<BrokerSession> | undefined;
}

/** Hands one copy of a message to a session. `cache` shares encoded frames across one fan-out. */
export function deliver(core: BrokerCore, session: BrokerSession, message: BrokerMessage, copy: CopyOptions,
  cache: FrameCache | undefined): void {
  const allowed = core.hooks.authorizeDelivery;
  if (allowed !== undefined && !allowed(session, message)) return;
  const qos = (message.qos < copy.qos ? message.qos : copy.qos) as QoS;
  const conn = session.connection as Connection | undefined;
  if (qos === 0) {
    if (!conn?.ready || conn.writer.backlog > core.options.maxWriteBuffer) {
      core.stats.droppedQos0++;
      return;
    }
    sendPublish(core, conn, { message, qos, retain: copy.retain, subscriptionIds: copy.subscriptionIds }, 0,
      cache ?? FrameCache.for(message, core));
    return;
  }
  const entry: OutboundEntry = {
    message, qos, retain: copy.retain, subscriptionIds: copy.subscriptionIds, shared: copy.shared,
    packetId: 0, stage: 'queued',
  };
  if (conn?.ready && session.queue.length === 0 && canSend(core, conn, session)) {
    sendNew(core, conn, session, entry, cache ?? FrameCache.for(message, core));
  } else if (session.queue.length >= core.options.maxQueued) {
    core.stats.droppedQueueFull++;
  } else {
    session.queue.push(entry);
    if (session.expiryInterval > 0) core.persistence?.outboundChanged(session.clientId, entry);
    if (conn?.ready && conn.writer.backlog > core.options.maxWriteBuffer) conn.pumpWhenFlushed();
  }
}

function canSend(core: BrokerCore, conn: Connection, session: BrokerSession): boolean {
  // Keep unacknowledged QoS 1/2 PUBLISH within the client's Receive Maximum [MQTT-3.3.4-9] [MQTT-4.9.0-2].
  return session.inflight.size < conn.sendWindow && conn.writer.backlog <= core.options.maxWriteBuffer;
}

/** Assigns a packet id and sends a QoS 1/2 entry for the first time. */
function sendNew(core: BrokerCore, conn: Connection, session: BrokerSession, entry: OutboundEntry, cache: FrameCache): void {
  const packetId = session.allocatePacketId(); // [MQTT-2.2.1-4] [MQTT-4.3.2-1] [MQTT-4.3.3-1]
  if (!sendPublish(core, conn, entry, packetId, cache)) {
    // Too large for the client: dropped and treated as delivered [MQTT-3.1.2-25].
    if (session.expiryInterval > 0) core.persistence?.outboundRemoved(session.clientId, entry);
    return;
  }
  entry.packetId = packetId;
  entry.stage = 'publish';
  session.inflight.set(packetId, entry);
  if (session.expiryInterval > 0) core.persistence?.outboundChanged(session.clientId, entry);
}

interface Copy {
  message: BrokerMessage;
  qos: QoS;
  retain: boolean;
  subscriptionIds: number[] | undefined;
  /** Set on retransmission only [MQTT-3.3.1-1] [MQTT-3.3.1-3]. */
  dup?: boolean;
}

/**
 * Writes a PUBLISH (packetId 0 for QoS 0). Returns false, sending nothing, when the packet exceeds the
 * client's Maximum Packet Size [MQTT-3.1.2-24].
 */
function sendPublish(core: BrokerCore, conn: Connection, copy: Copy, packetId: number, cache: FrameCache): boolean {
  const v5 = conn.version === 5;
  const key: FrameKey = { v5, subscriptionIds: v5 ? copy.subscriptionIds : undefined, alias: 0, elideTopic: false };
  let prepared = cache.get(key);
  const size = prepared.sizeFor(copy.qos);
  if (size > conn.maxOutgoingPacket) {
    core.stats.droppedTooLarge++;
    return false;
  }
  // Aliases only when the client allows, up to its maximum [MQTT-3.1.2-26] [MQTT-3.1.2-27] [MQTT-3.3.2-11].
  // The alias property adds at most 4 bytes, so a packet this close to the limit goes without one
  // rather than risk a mapping the client never received.
  if (conn.aliasesOut && size + 4 <= conn.maxOutgoingPacket) {
    const choice = conn.aliasesOut.choose(copy.message.topic);
    if (choice.alias !== undefined) {
      key.alias = choice.alias;
      key.elideTopic = choice.topic === '';
      prepared = cache.get(key);
    }
  }
  core.stats.messagesOut++;
  conn.writer.write(copy.qos === 0
    ? prepared.frame({ qos: 0, retain: copy.retain })
    : prepared.frame({ qos: copy.qos, retain: copy.retain, packetId, dup: copy.dup === true }));
  return true;
}

/** Sends queued entries while the client's window and socket buffer allow [MQTT-4.9.0-1]. */
export function pump(core: BrokerCore, session: BrokerSession): void {
  const conn = session.connection as Connection | undefined;
  if (!conn?.ready) return;
  const now = core.now();
  while (session.queue.length > 0 && canSend(core, conn, session)) {
    const entry = session.queue.shift()!;
    if (isExpired(entry.message, now)) {
      // Expired before delivery to this subscriber started [MQTT-3.3.2-5].
      core.stats.droppedExpired++;
      if (session.expiryInterval > 0) core.persistence?.outboundRemoved(session.clientId, entry);
      continue;
    }
    sendNew(core, conn, session, entry, FrameCache.for(entry.message, core));
  }
  if (session.queue.length > 0 && conn.writer.backlog > core.options.maxWriteBuffer) conn.pumpWhenFlushed();
}

/**
 * After a session resumes on a new connection: resend unacknowledged PUBLISH (DUP=1) and PUBREL with
 * their original packet ids, in order [MQTT-4.4.0-1] [MQTT-3.3.1-1], then send what is queued.
 */
export function resend(core: BrokerCore, session: BrokerSession): void {
  const conn = session.connection as Connection;
  for (const entry of session.inflight.values()) {
    if (entry.stage === 'pubrel') {
      conn.writer.send({ type: 'pubrel', packetId: entry.packetId, reasonCode: 0 });
    } else if (!sendPublish(core, conn, { ...entry, dup: true }, entry.packetId, FrameCache.for(entry.message, core))) {
      session.inflight.delete(entry.packetId);
      if (session.expiryInterval > 0) core.persistence?.outboundRemoved(session.clientId, entry);
    }
  }
  pump(core, session);
}

/** PUBACK from the client completes a QoS 1 delivery [MQTT-4.3.2-3]. */
export function onPuback(core: BrokerCore, session: BrokerSession, packetId: number): void {
  const entry = session.inflight.get(packetId);
  if (entry?.qos !== 1) return;
  complete(core, session, entry);
}

/**
 * PUBREC: below 0x80 answer PUBREL and hold until PUBCOMP [MQTT-4.3.3-4] [MQTT-4.3.3-5]; 0x80 or above
 * ends the delivery without retransmission [MQTT-4.4.0-2], also for shared copies [MQTT-4.8.2-6].
 */
export function onPubrec(core: BrokerCore, session: BrokerSession, conn: Connection, packetId: number, reasonCode: number): void {
  const entry = session.inflight.get(packetId);
  if (entry?.qos !== 2) {
    if (conn.version === 5) conn.writer.send({ type: 'pubrel', packetId, reasonCode: 0x92 });
    return;
  }
  if (reasonCode >= 0x80) {
    complete(core, session, entry);
    return;
  }
  if (entry.stage === 'publish') {
    entry.stage = 'pubrel'; // the PUBLISH is never resent from here on [MQTT-4.3.3-6]
    if (session.expiryInterval > 0) core.persistence?.outboundChanged(session.clientId, entry);
  }
  conn.writer.send({ type: 'pubrel', packetId, reasonCode: 0 });
}

/** PUBCOMP ends a QoS 2 delivery. */
export function onPubcomp(core: BrokerCore, session: BrokerSession, packetId: number): void {
  const entry = session.inflight.get(packetId);
  if (entry?.stage !== 'pubrel') return;
  complete(core, session, entry);
}

function complete(core: BrokerCore, session: BrokerSession, entry: OutboundEntry): void {
  session.inflight.delete(entry.packetId);
  if (session.expiryInterval > 0) core.persistence?.outboundRemoved(session.clientId, entry);
  if (session.queue.length > 0) pump(core, session);
}

/**
 * A shared-subscription member went offline: its queued copies, and its QoS 1 copies awaiting PUBACK, go
 * to another online member of the same group. QoS 2 copies already sent stay, to be completed with this
 * client when it reconnects [MQTT-4.8.2-4]. Copies with no online member to take them stay too.
 */
export function redistributeShared(core: BrokerCore, session: BrokerSession): void {
  const keep: OutboundEntry[] = [];
  for (const entry of session.queue.drain()) {
    if (!entry.shared || !handOver(core, session, entry)) keep.push(entry);
  }
  for (const entry of keep) session.queue.push(entry);
  for (const entry of [...session.inflight.values()]) {
    if (entry.shared && entry.qos === 1 && handOver(core, session, entry)) session.inflight.delete(entry.packetId);
  }
}

function handOver(core: BrokerCore, from: BrokerSession, entry: OutboundEntry): boolean {
  const allowed = core.hooks.authorizeDelivery;
  const member = entry.shared!.pickOnline(from, allowed && ((session: BrokerSession) => allowed(session, entry.message)));
  if (!member) return false;
  if (from.expiryInterval > 0) core.persistence?.outboundRemoved(from.clientId, entry);
  deliver(core, member.target, entry.message, {
    qos: member.record.qos, retain: entry.retain, subscriptionIds: member.record.subscriptionId === undefined
      ? undefined : [member.record.subscriptionId], shared: entry.shared,
  }, undefined);
  return true;
}

/**
 * The session ends: shared QoS 1 copies go to another member (queued or in flight); shared QoS 2 copies
 * already sent are dropped, never given to another member [MQTT-4.8.2-5]; everything else is discarded.
 */
export function discardOutbound(core: BrokerCore, session: BrokerSession): void {
  const entries = [...session.inflight.values(), ...session.queue.drain()];
  session.inflight.clear();
  for (const entry of entries) {
    const started = entry.stage !== 'queued';
    if (entry.shared && (entry.qos === 1 || !started)) handOver(core, session, entry);
  }
}
