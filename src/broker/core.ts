// Shared broker state and the one routing path every message takes (client publishes, wills, messages
// injected by the host): store retained, route through the trie, hand each copy to the outbound module.

import type { EventEmitter } from 'node:events';
import type { BrokerHooks, ClientInfo } from './hooks';
import type { BrokerMessage } from './message';
import type { ResolvedOptions } from './options';
import type { BrokerPersistence } from './persistence';
import { FrameCache } from './frames';
import { deliver } from './outbound';
import { RetainedStore } from './retained';
import { Router } from './router';
import type { BrokerSession } from './session';
import type { Connection } from './connection';

export interface BrokerStats {
  /** Open network connections (including ones that have not sent CONNECT yet). */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Sessions held (connected clients plus persistent offline sessions). */
  sessions: number;
  subscriptions: number;
  retained: number;
  /** PUBLISH received from clients plus messages injected with Broker.publish and wills. */
  messagesIn: number;
  /** PUBLISH packets sent to clients. */
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsOut: number;
  /** QoS 0 messages not delivered because the client was offline or its socket buffer was full. */
  droppedQos0: number;
  /** QoS 1/2 messages not queued because the client's queue was full. */
  droppedQueueFull: number;
  /** Messages not sent because they exceed the client's Maximum Packet Size [MQTT-3.1.2-25]. */
  droppedTooLarge: number;
  /** Messages discarded because their Message Expiry Interval passed [MQTT-3.3.2-5]. */
  droppedExpired: number;
  authFailures: number;
}

export function emptyStats(): BrokerStats {
  return {
    connections: 0, connectionsTotal: 0, sessions: 0, subscriptions: 0, retained: 0, messagesIn: 0,
    messagesOut: 0, bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, droppedQos0: 0,
    droppedQueueFull: 0, droppedTooLarge: 0, droppedExpired: 0, authFailures: 0,
  };
}

export class BrokerCore {
  readonly router = new Router<BrokerSession>();
  readonly retained = new RetainedStore();
  readonly sessions = new Map<string, BrokerSession>();
  readonly connections = new Set<Connection>();
  readonly stats: BrokerStats = emptyStats();
  /** Connections that got a successful CONNACK and have not closed (maxConnections counts these). */
  connectedCount = 0;
  closing = false;

  constructor(
    readonly options: ResolvedOptions,
    readonly hooks: BrokerHooks,
    readonly events: EventEmitter,
    readonly persistence: BrokerPersistence | undefined,
  ) {}

  now(): number {
    return Date.now();
  }

  /**
   * Routes an accepted message: stores or clears the retained copy [MQTT-3.3.1-5] [MQTT-3.3.1-6], then
   * joins it to the session state of every matching subscriber [MQTT-4.5.0-1]. Returns the number of
   * copies routed (0 lets a v5 PUBACK say "No matching subscribers").
   */
  route(message: BrokerMessage, from: ClientInfo | null): number {
    this.stats.messagesIn++;
    if (message.retain) this.storeRetained(message);
    const allowed = this.hooks.authorizeDelivery;
    const deliveries = this.router.route(message.topic, message.publisherId,
      allowed && ((session: BrokerSession) => allowed(session, message)));
    if (deliveries.length > 0) {
      const cache = FrameCache.for(message, this);
      for (let i = 0; i < deliveries.length; i++) {
        const d = deliveries[i]!;
        deliver(this, d.target, message, {
          qos: d.qos,
          // Forwarded copies carry RETAIN=0 unless Retain As Published [v5 MQTT-3.3.1-12] [v5 MQTT-3.3.1-13]
          // [3.1.1 MQTT-3.3.1-9].
          retain: d.retainAsPublished && message.retain,
          subscriptionIds: d.subscriptionIds,
          shared: d.shared,
        }, cache);
      }
    }
    // A retained message lives on in the store: do not keep its encoded frames there too.
    if (message.retain) message.frames = undefined;
    this.hooks.published?.(message, from);
    if (this.events.listenerCount('publish') > 0) this.events.emit('publish', message, from);
    return deliveries.length;
  }

  private storeRetained(message: BrokerMessage): void {
    const changed = this.retained.set(message);
    this.stats.retained = this.retained.size;
    if (changed) this.persistence?.retainedChanged(message.topic, message.payload.length > 0 ? message : undefined);
  }

  /** A client identifier no current session uses [MQTT-3.2.2-16]. */
  assignClientId(): string {
    for (;;) {
      const id = `${this.options.clientIdPrefix}${Math.random().toString(36).slice(2, 12)}`;
      if (!this.sessions.has(id)) return id;
    }
  }

  emit(event: string, ...args: unknown[]): void {
    if (this.events.listenerCount(event) > 0) this.events.emit(event, ...args);
  }
}
