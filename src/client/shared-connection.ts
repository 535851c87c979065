// One connection per config node, shared by its leases: connect on first lease (auto-connect), fan-out of
// status, subscriptions kept in step with the broker and messages routed once per lease
// (subscription-sync.ts), dynamic reconfiguration, and the release/close rules of Node-RED's config nodes.
import { EventEmitter } from 'node:events';
import { AlreadyConnectedError, ClientClosedError } from './errors';
import { Lease, type DeliveryHandler, type LeaseOwner } from './lease';
import { normalizeOptions, type ConnectionOptionsInput } from './options';
import { applyBrokerOverrides, type BrokerOverrides } from './reconfigure';
import { SubscriptionSync } from './subscription-sync';
import type { SubscribeOptions, SubscriptionStats } from './subscriptions';
import type { ClientWarning, ConnectionStatus, MqttConnection, PublishMessage, PublishResult, ServerInfo, SubscribeResult } from './types';

export { RELEASE_GRACE_MS } from './subscription-sync';

export type ConnectionFactory = (options: ReturnType<typeof normalizeOptions>, id: string) => MqttConnection;

const CLOSE_TIMEOUT_MS = 2000;

export class SharedConnection extends EventEmitter {
  private conn: MqttConnection;
  private input: ConnectionOptionsInput;
  private readonly subscriptions: SubscriptionSync;
  private readonly leases = new Set<Lease>();
  private opened = false;
  private closed = false;

  constructor(
    readonly id: string,
    input: ConnectionOptionsInput,
    private readonly factory: ConnectionFactory,
  ) {
    super();
    this.input = input;
    this.conn = this.create(normalizeOptions(input));
    const host = this;
    this.subscriptions = new SubscriptionSync({
      get connection() {
        return host.conn;
      },
      warn: (w) => this.fanOut('warning', w),
    });
  }

  get status(): ConnectionStatus {
    return this.conn.status;
  }

  get server(): ServerInfo | undefined {
    return this.conn.server;
  }

  get protocolVersion(): 3 | 4 | 5 {
    return this.conn.options.protocolVersion;
  }

  get leaseCount(): number {
    return this.leases.size;
  }

  /**
   * Routing counters: copies no lease filter wanted (`unrequested`, e.g. brought by a covering filter),
   * extra copies of one publish (`duplicates`), retained messages kept from leases that already had them
   * (`retainedRepeats`).
   */
  get stats(): Readonly<SubscriptionStats> {
    return this.subscriptions.stats;
  }

  acquire(owner: LeaseOwner): Lease {
    if (this.closed) throw new ClientClosedError(`connection ${this.id} is closed`);
    const lease = new Lease(owner, this);
    this.leases.add(lease);
    if (!this.opened && this.conn.options.autoConnect) this.openConnection();
    return lease;
  }

  publish(message: PublishMessage): Promise<PublishResult> {
    return this.conn.publish(message);
  }

  subscribe(lease: Lease, filter: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<SubscribeResult> {
    return this.subscriptions.subscribe(lease, filter, options, handler);
  }

  unsubscribe(lease: Lease, filter: string): Promise<void> {
    return this.subscriptions.unsubscribe(lease, filter);
  }

  filtersOf(lease: Lease): string[] {
    return this.subscriptions.filtersOf(lease);
  }

  async connect(overrides?: BrokerOverrides): Promise<void> {
    const connected = this.conn.status.phase === 'connected';
    if (overrides === undefined || overrides === null) {
      if (connected) throw new AlreadyConnectedError();
      this.openConnection();
      return;
    }
    const change = applyBrokerOverrides(this.input, overrides);
    const options = normalizeOptions(change.options); // InvalidOptionsError before touching the connection
    if (connected && !change.force) throw new AlreadyConnectedError();
    await this.conn.close({ timeoutMs: CLOSE_TIMEOUT_MS });
    await this.conn.dispose();
    this.input = change.options;
    this.subscriptions.reset();
    this.conn = this.create(options);
    this.openConnection();
  }

  async disconnect(): Promise<void> {
    this.opened = false;
    await this.conn.close({ timeoutMs: CLOSE_TIMEOUT_MS });
  }

  async release(lease: Lease, options: { removed: boolean }): Promise<void> {
    this.leases.delete(lease);
    await this.subscriptions.release(lease, options);
    if (options.removed && this.leases.size === 0) await this.disconnect();
  }

  /** Config node closing (redeploy or shutdown): bounded clean close; `dispose` frees everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriptions.close();
    await this.conn.close({ timeoutMs: CLOSE_TIMEOUT_MS });
    await this.conn.dispose();
    for (const lease of [...this.leases]) lease.removeAllListeners();
    this.leases.clear();
  }

  private create(options: ReturnType<typeof normalizeOptions>): MqttConnection {
    const conn = this.factory(options, this.id);
    conn.on('status', (s) => {
      this.fanOut('status', s);
      if (conn === this.conn) this.subscriptions.statusChanged();
    });
    conn.on('warning', (w) => this.fanOut('warning', w));
    conn.on('connected', (server) => this.onConnected(conn, server));
    conn.on('message', (packet) => {
      if (conn === this.conn) this.subscriptions.route(packet);
    });
    return conn;
  }

  private openConnection(): void {
    this.opened = true;
    this.conn.open();
  }

  private fanOut(event: 'status' | 'warning' | 'connected', arg: ConnectionStatus | ClientWarning | ServerInfo): void {
    this.emit(event, arg);
    for (const lease of this.leases) lease.emit(event, arg);
  }

  private onConnected(conn: MqttConnection, server: ServerInfo): void {
    if (conn !== this.conn) return;
    const identifiers = conn.options.protocolVersion === 5 && server.subscriptionIdentifiersAvailable;
    this.subscriptions.connected(server, { identifiers });
    this.fanOut('connected', server);
  }
}
