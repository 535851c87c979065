// Rebuilds broker state from a persistence implementation on start: retained messages, and offline
// persistent sessions with their subscriptions, queued and in-flight messages and QoS 2 ids.

import type { BrokerCore } from './core';
import { endSession, scheduleExpiry, snapshotOf } from './lifecycle';
import { BrokerSession, type OutboundEntry } from './session';

export async function restoreState(core: BrokerCore): Promise<void> {
  const persistence = core.persistence;
  if (!persistence) return;
  const state = await persistence.restore();
  const now = core.now();
  for (const message of state.retained) {
    if (message.expiresAt === undefined || message.expiresAt > now) core.retained.set(message);
  }
  for (const stored of state.sessions) {
    const session = new BrokerSession(stored.clientId, stored.version);
    session.expiryInterval = stored.expiryInterval;
    session.username = stored.username;
    for (const record of stored.subscriptions) {
      session.subscriptions.set(record.filter, record);
      core.router.add(session, record);
    }
    for (const s of stored.outbound) {
      // The stored object itself becomes the entry: later notifications name the same object.
      const entry: OutboundEntry = Object.assign(s, { shared: undefined });
      if (entry.stage === 'queued') session.queue.push(entry);
      else session.inflight.set(entry.packetId, entry);
    }
    for (const id of stored.awaitingRelease) session.awaitingRelease.add(id);
    core.sessions.set(session.clientId, session);
    if (session.expiryInterval === 0xffffffff) continue;
    // An offline session keeps the expiry time it had; one that was connected when the broker stopped
    // (a crash: the real disconnect time is unknown) gets its full interval from now.
    session.expiresAt = stored.expiresAt ?? now + session.expiryInterval * 1000;
    if (session.expiresAt <= now) endSession(core, session);
    else scheduleExpiry(core, session, session.expiresAt - now);
    if (stored.expiresAt === undefined && session.expiresAt > now) persistence.sessionChanged(snapshotOf(session));
  }
  core.stats.sessions = core.sessions.size;
  core.stats.retained = core.retained.size;
  core.stats.subscriptions = core.router.size;
}
