// The embedded broker's public face: construct with options and hooks, attach listeners or hand it
// streams, inject messages, read stats, close. Everything protocol-related lives in the modules it wires.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { QoS } from '../codec/types';
import { assertTopicFilter, assertTopicName } from '../topic/validate';
import { Connection, type CloseReason, type ConnectionMeta } from './connection';
import { BrokerCore, type BrokerStats } from './core';
import type { BrokerHooks, ClientInfo } from './hooks';
import { TcpListener, type Listener, type TcpListenerOptions } from './listeners';
import { endSession } from './lifecycle';
import { makeMessage, type BrokerMessage, type PublishInput } from './message';
import { resolveOptions, type BrokerOptions } from './options';
import type { BrokerPersistence } from './persistence';
import { restoreState } from './restore';

export interface BrokerEvents {
  clientConnect: [client: ClientInfo, details: { sessionPresent: boolean }];
  clientDisconnect: [client: ClientInfo, reason: CloseReason];
  subscribe: [client: ClientInfo, subscriptions: Array<{ topicFilter: string; reasonCode: number }>];
  unsubscribe: [client: ClientInfo, topicFilters: string[]];
  /** A CONNECT refused for authentication or authorization (0x86, 0x87, 0x8C). */
  authFailure: [client: ClientInfo | undefined, reasonCode: number];
  publish: [message: BrokerMessage, client: ClientInfo | null];
  /** A hook threw or a connection hit an unexpected error (the connection is closed with 0x83). */
  clientError: [client: ClientInfo | undefined, error: unknown];
}

export interface BrokerSetup extends BrokerOptions {
  /** Durable state; without it everything is kept in memory only. */
  persistence?: BrokerPersistence;
}

const HOUSEKEEPING_MS = 500;

export class Broker extends EventEmitter<BrokerEvents> {
  private readonly core: BrokerCore;
  private readonly servers: Listener[] = [];
  private housekeeping: ReturnType<typeof setInterval> | undefined;
  private started: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(options: BrokerSetup = {}, hooks: BrokerHooks = {}) {
    super();
    const { persistence, ...rest } = options;
    this.core = new BrokerCore(resolveOptions(rest), hooks, this as unknown as EventEmitter, persistence);
  }

  /** Restores persisted state (if any). Called by listen(); call it before handleConnection() when using persistence. */
  start(): Promise<void> {
    this.started ??= restoreState(this.core);
    return this.started;
  }

  /** Starts a listener (a TcpListener for a plain options object) and accepts its connections. */
  async listen(listener: Listener | TcpListenerOptions = {}): Promise<Listener> {
    await this.start();
    const l = 'start' in listener ? listener : new TcpListener(listener);
    await l.start((stream, meta) => this.handleConnection(stream, meta));
    this.servers.push(l);
    return l;
  }

  /** Serves MQTT on any Duplex stream: a socket, a TLS socket, a WebSocket stream, an in-memory pair. */
  handleConnection(stream: Duplex, meta: Partial<ConnectionMeta> = {}): void {
    const core = this.core;
    if (core.closing || core.connections.size >= core.options.maxConnections * 2 + 16) {
      stream.destroy();
      return;
    }
    const remote = (stream as { remoteAddress?: string }).remoteAddress;
    const conn = new Connection(core, stream, {
      remoteAddress: meta.remoteAddress ?? remote ?? 'unknown', listener: meta.listener ?? 'stream',
      ...(meta.identity === undefined ? {} : { identity: meta.identity }),
    });
    core.connections.add(conn);
    core.stats.connections = core.connections.size;
    core.stats.connectionsTotal++;
    this.housekeeping ??= setInterval(() => this.tick(), HOUSEKEEPING_MS);
    this.housekeeping.unref?.();
  }

  /**
   * Publishes a message from the host (a flow, a test): validated like a client's, routed to every
   * matching subscription, retained if asked. Resolves once routed, and once the state it created is
   * durable when the persistence reports durability (whenDurable).
   */
  async publish(input: PublishInput): Promise<void> {
    assertTopicName(input.topic, { maxBytes: this.core.options.maxTopicLength, maxLevels: this.core.options.maxTopicLevels });
    const payload = typeof input.payload === 'string' ? Buffer.from(input.payload)
      : input.payload === undefined ? Buffer.alloc(0) : Buffer.from(input.payload);
    const message = makeMessage({
      topic: input.topic, payload, qos: Math.min(input.qos ?? 0, this.core.options.maximumQoS) as QoS,
      retain: (input.retain ?? false) && this.core.options.retainAvailable, properties: input.properties,
      publisherId: null, now: this.core.now(),
    });
    this.core.route(message, null);
    await this.core.persistence?.whenDurable?.();
  }

  /** Closes a client's connection (v5: DISCONNECT with the reason code, 0x98 Administrative action by default). */
  disconnectClient(clientId: string, reasonCode = 0x98): boolean {
    const conn = this.core.sessions.get(clientId)?.connection as Connection | undefined;
    if (!conn) return false;
    conn.disconnect(reasonCode, 'disconnected by the host');
    return true;
  }

  /** Connected clients. */
  clients(): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const conn of this.core.connections) if (conn.ready && conn.info) out.push(conn.info);
    return out;
  }

  /** The retained message of a topic, if any. */
  retained(topic: string): BrokerMessage | undefined {
    return this.core.retained.get(topic);
  }

  /** Retained messages whose topics match `filter` (a valid topic filter; `#` does not match `$` topics). */
  retainedMatching(filter: string): BrokerMessage[] {
    assertTopicFilter(filter, { shared: false });
    return this.core.retained.match(filter, this.core.now());
  }

  /** The session a client id holds (connected or not), as hooks may need it; undefined if none. */
  session(clientId: string): { clientId: string; username: string | undefined; connected: boolean } | undefined {
    const s = this.core.sessions.get(clientId);
    return s && { clientId, username: s.username, connected: s.online };
  }

  get stats(): Readonly<BrokerStats> {
    const s = this.core.stats;
    s.sessions = this.core.sessions.size;
    s.subscriptions = this.core.router.size;
    s.retained = this.core.retained.size;
    return { ...s };
  }

  /** Addresses of the started listeners. */
  addresses(): Array<{ name: string; host: string; port: number }> {
    return this.servers.flatMap((l) => {
      const a = l.address();
      return a ? [{ name: l.name, ...a }] : [];
    });
  }

  /**
   * Stops listening, closes every connection (v5 clients get DISCONNECT 0x8B Server shutting down), ends
   * all sessions' timers and flushes persistence. Wills are not published during shutdown.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    const core = this.core;
    core.closing = true;
    if (this.housekeeping) clearInterval(this.housekeeping);
    const stopping = this.servers.map((l) => l.close());
    const closing = [...core.connections].map((conn) => closedPromise(conn));
    for (const conn of [...core.connections]) {
      if (conn.ready) conn.disconnect(0x8b, 'server shutting down');
      else conn.destroy({ reasonCode: 0x8b, origin: 'server', message: 'server shutting down' });
    }
    await Promise.all(closing);
    await Promise.all(stopping);
    for (const session of [...core.sessions.values()]) {
      session.expiryTimer?.cancel();
      session.willTimer?.cancel();
      session.pendingWill = undefined;
    }
    if (!core.persistence) for (const session of [...core.sessions.values()]) endSession(core, session);
    await core.persistence?.flush();
  }

  private tick(): void {
    const now = this.core.now();
    for (const conn of this.core.connections) conn.checkTimers(now);
  }
}

/** Resolves when the connection's stream has closed (destroyed after a short grace period). */
function closedPromise(conn: Connection): Promise<void> {
  const socket = conn.socket;
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    // Give the DISCONNECT a moment to flush, then make sure the stream goes away.
    socket.once('finish', () => setImmediate(() => socket.destroy()));
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref?.();
  });
}
