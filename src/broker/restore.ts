// Rebuilds broker state from a persistence implementation on start: retained messages, and offline
// persistent sessions with their subscriptions, queued and in-flight messages and QoS 2 ids.

import type { BrokerCore } from './core';
import { endSession } from './lifecycle';
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
    for (const record of stored.subscriptions) {
      session.subscriptions.set(record.filter, record);
      core.router.add(session, record);
    }
    for (const s of stored.outbound) {
      const entry: OutboundEntry = { ...s, shared: undefined };
      if (entry.stage === 'queued') session.queue.push(entry);
      else session.inflight.set(entry.packetId, entry);
    }
    for (const id of stored.awaitingRelease) session.awaitingRelease.add(id);
    core.sessions.set(session.clientId, session);
    // The broker was down for an unknown time: restored sessions get their full expiry again from now.
    if (session.expiryInterval !== 0xffffffff) {
      const timer = setTimeout(() => {
        if (!session.connection) endSession(core, session);
      }, Math.min(session.expiryInterval * 1000, 2 ** 31 - 1));
      timer.unref?.();
      session.expiryTimer = { cancel: () => clearTimeout(timer) };
    }
  }
  core.stats.sessions = core.sessions.size;
  core.stats.retained = core.retained.size;
  core.stats.subscriptions = core.router.size;
}
