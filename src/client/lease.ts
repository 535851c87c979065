// A lease: one user's (one Node-RED node's) handle on a shared connection. Everything a node does with
// MQTT goes through its lease; releasing the lease removes the node's subscriptions and, when the node
// was removed and it was the last user, disconnects.
import { EventEmitter } from 'node:events';
import type { PublishPacket } from '../codec/types';
import { ClientClosedError } from './errors';
import type { BrokerOverrides } from './reconfigure';
import type { SharedConnection } from './shared-connection';
import type { SubscribeOptions } from './subscriptions';
import type { ClientWarning, ConnectionStatus, Delivery, PublishMessage, PublishResult, ServerInfo, SubscribeResult } from './types';

export interface LeaseOwner {
  /** Node id; a new lease with the same owner id takes over subscriptions kept through a redeploy. */
  id: string;
  name?: string;
}

export type DeliveryHandler = (delivery: Delivery) => void;

export interface LeaseEvents {
  /** The shared connection's status changed (the same for every lease of the connection). */
  status: [status: ConnectionStatus];
  connected: [server: ServerInfo];
  /** A subscription of this lease failed when re-subscribing after a reconnect (SUBACK failure). */
  subscribeFailed: [failure: { filter: string; error: Error }];
  warning: [warning: ClientWarning];
}

export class Lease extends EventEmitter {
  private released = false;
  /** @internal handler per filter this lease subscribes to */
  readonly handlers = new Map<string, DeliveryHandler>();

  /** @internal created by SharedConnection.acquire() */
  constructor(
    readonly owner: LeaseOwner,
    private readonly shared: SharedConnection,
  ) {
    super();
  }

  /** Id of the config node (pool key) this lease belongs to. */
  get connectionId(): string {
    return this.shared.id;
  }

  get status(): ConnectionStatus {
    return this.shared.status;
  }

  get server(): ServerInfo | undefined {
    return this.shared.server;
  }

  /** MQTT protocol version of the connection (3, 4 or 5). */
  get protocolVersion(): 3 | 4 | 5 {
    return this.shared.protocolVersion;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /**
   * Publishes. Resolves when complete for its QoS: written (QoS 0), PUBACK (1), PUBCOMP (2). While
   * offline the message waits in the queue. Rejects with QueueFullError, PacketTooLargeError,
   * CommandRefusedError (v5 reason code >= 0x80), TopicError, ClientClosedError, ...
   */
  publish(message: PublishMessage): Promise<PublishResult> {
    if (this.released) return Promise.reject(new ClientClosedError('lease released'));
    return this.shared.publish(message);
  }

  /**
   * Subscribes this lease to `filter`; `handler` receives every matching message once. Subscribing again
   * to the same filter replaces options and handler. Resolves with the granted QoS after SUBACK (waiting
   * for the connection when offline); rejects with SubscribeError on a SUBACK failure, TopicError for an
   * invalid filter.
   */
  subscribe(filter: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<SubscribeResult> {
    if (this.released) return Promise.reject(new ClientClosedError('lease released'));
    return this.shared.subscribe(this, filter, options, handler);
  }

  /** Removes this lease's subscription; the broker is told only when no other lease needs the filter. */
  unsubscribe(filter: string): Promise<void> {
    return this.shared.unsubscribe(this, filter);
  }

  /** Filters this lease subscribes to. */
  subscriptions(): string[] {
    return this.shared.filtersOf(this);
  }

  /**
   * Connects the shared connection (msg.action "connect"), optionally with `msg.broker` overrides.
   * Rejects with AlreadyConnectedError when connected and not forced, InvalidOptionsError for bad options.
   */
  connect(overrides?: BrokerOverrides): Promise<void> {
    return this.shared.connect(overrides);
  }

  /** Disconnects the shared connection for every lease (msg.action "disconnect"); no auto-reconnect. */
  disconnect(): Promise<void> {
    return this.shared.disconnect();
  }

  /**
   * Gives the lease back. With `removed` (the node was deleted) its subscriptions are unsubscribed and
   * the connection closes if no lease is left; without it (redeploy) they are kept briefly for the node's
   * next instance.
   */
  async release(options: { removed: boolean }): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.shared.release(this, options);
    this.removeAllListeners();
  }

  /** @internal */
  deliver(filter: string, packet: PublishPacket): void {
    const handler = this.handlers.get(filter);
    if (!handler) return;
    try {
      handler({ packet, subscription: filter });
    } catch (err) {
      this.emit('warning', { code: 'handler-error', message: `message handler for "${filter}" threw: ${String(err)}` });
    }
  }

  override on<K extends keyof LeaseEvents>(event: K, listener: (...args: LeaseEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof LeaseEvents>(event: K, listener: (...args: LeaseEvents[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}
