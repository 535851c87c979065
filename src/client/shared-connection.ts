// One connection per config node, shared by its leases: connect on first lease (auto-connect), fan-out of
// status, subscription multiplexing (one broker subscription per filter, merged options, re-subscribe
// after a reconnect that did not resume the session), routing each message once per lease, dynamic
// reconfiguration, and the release/close rules of Node-RED's config nodes.
import { EventEmitter } from 'node:events';
import type { PublishPacket, QoS, Subscription } from '../codec/types';
import { reasonCodeName } from '../codec/reason-codes';
import { isSharedFilter } from '../topic';
import { AlreadyConnectedError, ClientClosedError, SubscribeError } from './errors';
import { Lease, type DeliveryHandler, type LeaseOwner } from './lease';
import { normalizeOptions, type ConnectionOptionsInput } from './options';
import { applyBrokerOverrides, type BrokerOverrides } from './reconfigure';
import { SubscriptionTable, type BrokerSubscription, type SubscribeOptions } from './subscriptions';
import type { ClientWarning, ConnectionStatus, MqttConnection, PublishMessage, PublishResult, ServerInfo, SubscribeResult } from './types';

export type ConnectionFactory = (options: ReturnType<typeof normalizeOptions>, id: string) => MqttConnection;

/** How long a redeployed node's subscriptions are kept for its next instance before unsubscribing. */
export const RELEASE_GRACE_MS = 2000;
/** Filters per SUBSCRIBE when identifiers are not in use (some brokers, e.g. AWS IoT, allow only 8). */
const SUBSCRIBE_BATCH = 8;
const CLOSE_TIMEOUT_MS = 2000;

/** Stands in for leases released by a redeploy, so their broker subscriptions outlive them briefly. */
const KEPT = { owner: { id: '(kept for redeploy)' } } as unknown as Lease;

interface Waiter {
  lease: Lease;
  resolve: (r: SubscribeResult) => void;
  reject: (e: Error) => void;
}

interface Gate {
  waiters: Waiter[];
  dirty: boolean;
  sending: boolean;
  result: SubscribeResult | undefined;
}

export class SharedConnection extends EventEmitter {
  private conn: MqttConnection;
  private input: ConnectionOptionsInput;
  private readonly table = new SubscriptionTable<Lease>();
  private readonly gates = new Map<string, Gate>();
  private readonly pendingUnsubscribes = new Set<string>();
  private readonly leases = new Set<Lease>();
  /** Round-robin position per shared-subscription filter. */
  private readonly shareTurns = new Map<string, number>();
  private graceTimer: NodeJS.Timeout | undefined;
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
    const action = this.table.add(lease, filter, options); // throws TopicError before anything changes
    lease.handlers.set(filter, handler);
    const gate = this.gateFor(filter);
    if (action.kind === 'none' && gate.result && !gate.dirty && !gate.sending) return Promise.resolve(gate.result);
    const result = new Promise<SubscribeResult>((resolve, reject) => gate.waiters.push({ lease, resolve, reject }));
    gate.dirty = true;
    this.flushSubscriptions();
    return result;
  }

  async unsubscribe(lease: Lease, filter: string): Promise<void> {
    lease.handlers.delete(filter);
    this.failWaiters(filter, lease, new ClientClosedError(`unsubscribed from "${filter}" before SUBACK`));
    const action = this.table.remove(lease, filter);
    if (action.kind === 'unsubscribe') await this.unsubscribeAtBroker(filter);
    else if (action.kind === 'subscribe') {
      this.gateFor(filter).dirty = true;
      this.flushSubscriptions();
    }
  }

  filtersOf(lease: Lease): string[] {
    return this.table.filtersOf(lease);
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
    this.table.resetRequested();
    for (const gate of this.gates.values()) gate.dirty = true;
    this.conn = this.create(options);
    this.openConnection();
  }

  async disconnect(): Promise<void> {
    this.opened = false;
    await this.conn.close({ timeoutMs: CLOSE_TIMEOUT_MS });
  }

  async release(lease: Lease, options: { removed: boolean }): Promise<void> {
    this.leases.delete(lease);
    for (const filter of this.table.filtersOf(lease)) {
      this.failWaiters(filter, lease, new ClientClosedError('lease released before SUBACK'));
      const member = this.table.get(filter)?.members.get(lease);
      if (!options.removed && member) this.table.add(KEPT, filter, member.options);
      const action = this.table.remove(lease, filter);
      if (action.kind === 'unsubscribe') await this.unsubscribeAtBroker(filter);
    }
    if (!options.removed && this.table.filtersOf(KEPT).length > 0) this.scheduleGrace();
    if (options.removed && this.leases.size === 0) await this.disconnect();
  }

  /** Config node closing (redeploy or shutdown): bounded clean close; `dispose` frees everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const gate of this.gates.values()) for (const w of gate.waiters.splice(0)) w.reject(new ClientClosedError('connection closed'));
    await this.conn.close({ timeoutMs: CLOSE_TIMEOUT_MS });
    await this.conn.dispose();
    for (const lease of [...this.leases]) lease.removeAllListeners();
    this.leases.clear();
  }

  private create(options: ReturnType<typeof normalizeOptions>): MqttConnection {
    const conn = this.factory(options, this.id);
    conn.on('status', (s) => this.fanOut('status', s));
    conn.on('warning', (w) => this.fanOut('warning', w));
    conn.on('connected', (server) => this.onConnected(conn, server));
    conn.on('message', (packet) => this.route(packet));
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
    this.table.setIdentifiers(conn.options.protocolVersion === 5 && server.subscriptionIdentifiersAvailable);
    if (!server.sessionPresent) {
      // Nothing of ours survives at the broker: every subscription is sent again [MQTT-3.2.2-4 v5].
      this.table.resetRequested();
      this.pendingUnsubscribes.clear();
      for (const sub of this.table.all()) this.gateFor(sub.filter).dirty = true;
    }
    this.fanOut('connected', server);
    for (const filter of [...this.pendingUnsubscribes]) void this.unsubscribeAtBroker(filter);
    this.flushSubscriptions();
  }

  private route(packet: PublishPacket): void {
    let shared: Map<string, Lease[]> | undefined;
    for (const member of this.table.route(packet, Date.now())) {
      if (member.lease === KEPT) continue;
      if (!isSharedFilter(member.filter)) {
        member.lease.deliver(member.filter, packet);
        continue;
      }
      shared ??= new Map();
      const group = shared.get(member.filter);
      if (group) group.push(member.lease);
      else shared.set(member.filter, [member.lease]);
    }
    if (shared) for (const [filter, leases] of shared) this.deliverShared(filter, leases, packet);
  }

  /**
   * The broker gave this connection one copy for a shared subscription ($share/group/filter): like the
   * broker among sessions, hand it to one of the leases in the group (round-robin), not to each of them.
   */
  private deliverShared(filter: string, leases: Lease[], packet: PublishPacket): void {
    const turn = this.shareTurns.get(filter) ?? 0;
    this.shareTurns.set(filter, (turn + 1) % 0x4000_0000);
    leases[turn % leases.length]!.deliver(filter, packet);
  }

  private gateFor(filter: string): Gate {
    let gate = this.gates.get(filter);
    if (!gate) this.gates.set(filter, (gate = { waiters: [], dirty: false, sending: false, result: undefined }));
    return gate;
  }

  /** Sends SUBSCRIBE for every subscription that needs it, when connected. */
  private flushSubscriptions(): void {
    if (this.conn.status.phase !== 'connected') return;
    const due: BrokerSubscription<Lease>[] = [];
    for (const [filter, gate] of this.gates) {
      const sub = this.table.get(filter);
      if (!sub) {
        this.gates.delete(filter);
        continue;
      }
      if (gate.dirty && !gate.sending) due.push(sub);
    }
    const batch = this.table.identifiersInUse ? 1 : SUBSCRIBE_BATCH;
    for (let i = 0; i < due.length; i += batch) void this.sendSubscribe(due.slice(i, i + batch));
  }

  private async sendSubscribe(subs: BrokerSubscription<Lease>[]): Promise<void> {
    const conn = this.conn;
    const maxQoS = conn.server?.maximumQoS ?? 2;
    const requests: Array<{ sub: BrokerSubscription<Lease>; wanted: QoS; request: Subscription }> = [];
    for (const sub of subs) {
      const gate = this.gateFor(sub.filter);
      gate.dirty = false;
      gate.sending = true;
      const request = this.table.request(sub);
      const wanted = request.qos;
      if (request.qos > maxQoS) request.qos = maxQoS;
      requests.push({ sub, wanted, request });
    }
    const id = subs.length === 1 ? subs[0]!.id : undefined;
    try {
      const suback = await conn.subscribe(
        requests.map((r) => r.request),
        id !== undefined ? { subscriptionIdentifier: id } : undefined,
      );
      requests.forEach((r, i) => this.settle(r.sub, r.wanted, suback.reasonCodes[i] ?? 0x80, suback.properties?.reasonString));
    } catch {
      // Lost before SUBACK: try again after the next CONNACK.
      for (const r of requests) {
        const gate = this.gateFor(r.sub.filter);
        gate.sending = false;
        gate.dirty = true;
        r.sub.requested = undefined;
      }
      return;
    }
    this.flushSubscriptions();
  }

  private settle(sub: BrokerSubscription<Lease>, wanted: QoS, code: number, reasonString: string | undefined): void {
    const gate = this.gateFor(sub.filter);
    gate.sending = false;
    const waiters = gate.waiters.splice(0);
    if (code < 0x80) {
      const granted = code as QoS;
      gate.result = { qos: granted, reasonCode: code, downgraded: granted < wanted };
      if (granted < wanted) {
        this.fanOut('warning', { code: 'qos-downgraded', message: `subscription "${sub.filter}" granted QoS ${granted} (asked ${wanted})` });
      }
      for (const w of waiters) w.resolve(gate.result);
      return;
    }
    const name = reasonCodeName(code, 'suback', this.protocolVersion);
    const error = new SubscribeError(sub.filter, code, name, reasonString);
    gate.result = undefined;
    const asked = new Set(waiters.map((w) => w.lease));
    for (const w of waiters) w.reject(error);
    // Every member of a refused subscription loses it; members that did not ask hear about it by event.
    for (const member of [...sub.members.values()]) {
      if (!asked.has(member.lease) && member.lease !== KEPT) member.lease.emit('subscribeFailed', { filter: sub.filter, error });
      member.lease.handlers.delete(sub.filter);
      this.table.remove(member.lease, sub.filter);
    }
    this.gates.delete(sub.filter);
  }

  private failWaiters(filter: string, lease: Lease, error: Error): void {
    const gate = this.gates.get(filter);
    if (!gate) return;
    gate.waiters = gate.waiters.filter((w) => (w.lease === lease ? (w.reject(error), false) : true));
  }

  private async unsubscribeAtBroker(filter: string): Promise<void> {
    this.gates.delete(filter);
    this.shareTurns.delete(filter);
    if (this.conn.status.phase !== 'connected') {
      this.pendingUnsubscribes.add(filter);
      return;
    }
    this.pendingUnsubscribes.delete(filter);
    try {
      await this.conn.unsubscribe([filter]);
    } catch {
      // Lost before UNSUBACK: a resumed session still has it, so try again after reconnecting.
      if (!this.table.get(filter)) this.pendingUnsubscribes.add(filter);
    }
  }

  private scheduleGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      for (const filter of this.table.filtersOf(KEPT)) {
        if (this.table.remove(KEPT, filter).kind === 'unsubscribe') void this.unsubscribeAtBroker(filter);
      }
    }, RELEASE_GRACE_MS);
    this.graceTimer.unref();
  }
}
