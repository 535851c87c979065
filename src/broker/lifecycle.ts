// Session lifecycle: attach on CONNECT (clean start, resume, takeover), detach on close (Will, expiry,
// shared redistribution), end (subscriptions and messages discarded, delayed Will published).

import type { QoS, Will } from '../codec/types';
import type { Connection, WillAction } from './connection';
import type { BrokerCore } from './core';
import type { ClientInfo } from './hooks';
import { makeMessage } from './message';
import { discardOutbound, redistributeShared } from './outbound';
import { BrokerSession, type Cancellable } from './session';
import type { SessionSnapshot } from './persistence';

/** A Will held for a connection: published when the connection ends abnormally. */
export interface PendingWill {
  will: Will;
  /** Will Delay Interval in seconds (v5; 0 otherwise). */
  delay: number;
  client: ClientInfo;
}

const NEVER = 0xffffffff;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Finds or creates the session for an accepted CONNECT. An existing connection with the same client id is
 * closed first (v5: DISCONNECT 0x8E) [v5 MQTT-3.1.4-3] [3.1.1 MQTT-3.1.4-2]. Clean Start discards the old
 * session [v5 MQTT-3.1.2-4] [3.1.1 MQTT-3.1.2-6]; otherwise it is resumed [v5 MQTT-3.1.2-5] or created
 * [v5 MQTT-3.1.2-6] [3.1.1 MQTT-3.1.2-4]. Returns the session and whether it was present.
 */
export function takeOverSession(core: BrokerCore, conn: Connection, clean: boolean): { session: BrokerSession; present: boolean } {
  const clientId = conn.info!.clientId;
  const previous = core.sessions.get(clientId)?.connection as Connection | undefined;
  if (previous && previous !== conn) previous.disconnect(0x8e, 'session taken over');
  let session = core.sessions.get(clientId);
  if (session && clean) {
    endSession(core, session);
    session = undefined;
  }
  if (session) {
    clearTimers(session);
    session.expiresAt = undefined;
    // Reconnected before the Will Delay passed: the Will is not sent [MQTT-3.1.3-9].
    session.pendingWill = undefined;
    session.version = conn.version;
    return { session, present: true };
  }
  session = new BrokerSession(clientId, conn.version);
  core.sessions.set(clientId, session);
  core.stats.sessions = core.sessions.size;
  return { session, present: false };
}

/**
 * The connection ends. Its Will is published now, or after the Will Delay Interval, or when the session
 * ends, whichever is first [MQTT-3.1.2-8]; 'discard' drops it [MQTT-3.14.4-3]. A session with expiry 0
 * ends now; others stay [MQTT-3.1.2-23] until their expiry [MQTT-4.1.0-2].
 */
export function detachSession(core: BrokerCore, conn: Connection, action: WillAction): void {
  const pending = conn.will;
  conn.will = undefined;
  const session = conn.session;
  if (!session || session.connection !== conn) {
    if (pending && action === 'publish') void publishWill(core, pending);
    return;
  }
  session.connection = undefined;
  if (pending && action === 'publish') {
    if (pending.delay > 0 && session.expiryInterval > 0) {
      session.pendingWill = pending;
      session.willTimer = longTimeout(() => {
        session.willTimer = undefined;
        firePendingWill(core, session);
      }, Math.min(pending.delay, session.expiryInterval) * 1000);
    } else void publishWill(core, pending);
  }
  if (session.expiryInterval === 0) {
    endSession(core, session);
    return;
  }
  redistributeShared(core, session);
  if (session.expiryInterval !== NEVER) {
    session.expiresAt = core.now() + session.expiryInterval * 1000;
    scheduleExpiry(core, session, session.expiryInterval * 1000);
  }
  core.persistence?.sessionChanged(snapshotOf(session));
}

/** Ends the offline session after `ms` unless a client resumed it by then [MQTT-4.1.0-2]. */
export function scheduleExpiry(core: BrokerCore, session: BrokerSession, ms: number): void {
  session.expiryTimer = longTimeout(() => {
    session.expiryTimer = undefined;
    if (!session.connection) endSession(core, session);
  }, ms);
}

/** Ends a session: delayed Will out, subscriptions removed, messages discarded or handed on. */
export function endSession(core: BrokerCore, session: BrokerSession): void {
  clearTimers(session);
  firePendingWill(core, session);
  for (const record of session.subscriptions.values()) core.router.remove(session, record);
  session.subscriptions.clear();
  discardOutbound(core, session);
  session.awaitingRelease.clear();
  if (core.sessions.get(session.clientId) === session) {
    core.sessions.delete(session.clientId);
    core.persistence?.sessionDeleted(session.clientId);
  }
  core.stats.sessions = core.sessions.size;
  core.stats.subscriptions = core.router.size;
}

function firePendingWill(core: BrokerCore, session: BrokerSession): void {
  const pending = session.pendingWill;
  session.pendingWill = undefined;
  if (pending) void publishWill(core, pending);
}

/**
 * Publishes a Will as the client would have: RETAIN as set in CONNECT [v5 MQTT-3.1.2-14] [v5 MQTT-3.1.2-15]
 * [3.1.1 MQTT-3.1.2-16] [3.1.1 MQTT-3.1.2-17], user properties in order [MQTT-3.1.3-10], its Message
 * Expiry Interval counted from now. authorizePublish may still refuse it.
 */
export async function publishWill(core: BrokerCore, pending: PendingWill): Promise<void> {
  const { will, client } = pending;
  const { willDelayInterval: _delay, ...properties } = will.properties ?? {};
  const message = makeMessage({
    topic: will.topic, payload: will.payload, qos: will.qos as QoS, retain: will.retain, properties,
    publisherId: client.clientId, now: core.now(),
  });
  try {
    const hook = core.hooks.authorizePublish;
    const verdict = hook ? await hook(client, message) : true;
    if (verdict !== true || core.closing) return;
    core.route(message, client);
  } catch (err) {
    core.emit('clientError', client, err);
  }
}

function clearTimers(session: BrokerSession): void {
  session.expiryTimer?.cancel();
  session.willTimer?.cancel();
  session.expiryTimer = undefined;
  session.willTimer = undefined;
}

/** A timer for delays beyond the 24.8 days one Node timer allows; unref'd so it never holds the process. */
class LongTimer implements Cancellable {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(fn: () => void, ms: number) {
    this.arm(fn, ms);
  }

  private arm(fn: () => void, ms: number): void {
    const step = Math.min(ms, MAX_TIMER_MS);
    this.timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.arm(fn, ms - step) : fn()), step);
    this.timer.unref?.();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

function longTimeout(fn: () => void, ms: number): Cancellable {
  return new LongTimer(fn, ms);
}

export function snapshotOf(session: BrokerSession): SessionSnapshot {
  return {
    clientId: session.clientId, version: session.version, expiryInterval: session.expiryInterval,
    subscriptions: [...session.subscriptions.values()], username: session.username, expiresAt: session.expiresAt,
  };
}
