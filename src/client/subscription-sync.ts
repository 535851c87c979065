// Keeps the broker's subscriptions in step with the leases' (the table in subscriptions.ts decides, this
// module sends): SUBSCRIBE / UNSUBSCRIBE when connected, SUBACK outcomes to the leases that wait for them,
// routing of incoming messages to lease handlers, and the redeploy grace period. One per SharedConnection.
import { reasonCodeName } from '../codec/reason-codes';
import type { PublishPacket } from '../codec/types';
import { ClientClosedError, SubscribeError } from './errors';
import type { DeliveryHandler, Lease } from './lease';
import { SubscriptionTable, type BrokerSubscription, type LeaseFilter, type SubscribeOptions, type SubscribeRequest, type SubscriptionStats } from './subscriptions';
import type { ClientWarning, MqttConnection, ServerInfo, SubscribeResult } from './types';

/** How long a redeployed node's subscriptions are kept for its next instance before unsubscribing. */
export const RELEASE_GRACE_MS = 2000;
/** Filters per SUBSCRIBE when identifiers are not in use (some brokers, e.g. AWS IoT, allow only 8). */
const SUBSCRIBE_BATCH = 8;

/** Stands in for leases released by a redeploy, so their broker subscriptions outlive them briefly. */
const KEPT = { owner: { id: '(kept for redeploy)' } } as unknown as Lease;

export interface SyncHost {
  /** The connection in use now (a reconfiguration replaces it). */
  readonly connection: MqttConnection;
  warn(warning: ClientWarning): void;
}

interface Waiter {
  lease: Lease;
  resolve: (r: SubscribeResult) => void;
  reject: (e: Error) => void;
}

interface GoneWaiter {
  filters: string[];
  resolve: () => void;
}

export class SubscriptionSync {
  private readonly table = new SubscriptionTable<Lease>();
  /** Leases waiting for SUBACK, per lease filter. */
  private readonly waiting = new Map<string, Waiter[]>();
  /** Unsubscribes and releases waiting for the broker to drop what they made unwanted. */
  private gone: GoneWaiter[] = [];
  /** Round-robin position per shared lease filter. */
  private readonly shareTurns = new Map<string, number>();
  private graceTimer: NodeJS.Timeout | undefined;
  private flushQueued = false;

  constructor(private readonly host: SyncHost) {}

  get stats(): Readonly<SubscriptionStats> {
    return { ...this.table.stats };
  }

  subscribe(lease: Lease, filter: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<SubscribeResult> {
    this.table.add(lease, filter, options); // throws TopicError before anything changes
    lease.handlers.set(filter, handler);
    if (this.table.isSatisfied(filter)) return Promise.resolve(this.table.resultOf(filter)!);
    const result = new Promise<SubscribeResult>((resolve, reject) => this.waitersOf(filter).push({ lease, resolve, reject }));
    this.schedule();
    return result;
  }

  /** Resolves once the broker dropped what only this subscription needed (at once when offline). */
  async unsubscribe(lease: Lease, filter: string): Promise<void> {
    lease.handlers.delete(filter);
    this.failWaiters(filter, lease, new ClientClosedError(`unsubscribed from "${filter}" before SUBACK`));
    const before = this.table.brokerFilterOf(filter);
    if (!this.table.remove(lease, filter) || before === undefined) return;
    if (!this.table.get(filter)) this.shareTurns.delete(filter);
    await this.whenGone([before]);
  }

  filtersOf(lease: Lease): string[] {
    return this.table.filtersOf(lease);
  }

  /**
   * A lease's node closes. `removed: false` (redeploy): its subscriptions are kept RELEASE_GRACE_MS for
   * the node's next instance (no UNSUBSCRIBE/SUBSCRIBE churn, no gap); otherwise they go now.
   */
  async release(lease: Lease, options: { removed: boolean }): Promise<void> {
    const before: string[] = [];
    for (const filter of this.table.filtersOf(lease)) {
      this.failWaiters(filter, lease, new ClientClosedError('lease released before SUBACK'));
      const member = this.table.member(lease, filter)!;
      // Retain Handling 2: the placeholder never asks for retained messages.
      if (!options.removed) this.table.add(KEPT, filter, { ...member.options, retainHandling: 2 });
      const brokerFilter = this.table.brokerFilterOf(filter);
      this.table.remove(lease, filter);
      if (!this.table.get(filter)) this.shareTurns.delete(filter);
      if (brokerFilter !== undefined) before.push(brokerFilter);
    }
    if (!options.removed && this.table.filtersOf(KEPT).length > 0) this.scheduleGrace();
    await this.whenGone(before);
  }

  /** CONNACK: what the server offers, and whether it kept our session. */
  connected(server: ServerInfo, options: { identifiers: boolean }): void {
    this.table.setIdentifiers(options.identifiers);
    // Nothing of ours survives at the broker: every subscription is sent again [MQTT-3.2.2-4 v5].
    if (!server.sessionPresent) this.table.sessionLost();
    this.flush();
  }

  /** The connection is replaced (new options or another broker): everything is subscribed again. */
  reset(): void {
    this.table.sessionLost();
  }

  /** Status changed: unsubscribes waiting on a connection that went down resolve. */
  statusChanged(): void {
    this.settleWaiters();
  }

  close(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const waiters of this.waiting.values()) for (const w of waiters) w.reject(new ClientClosedError('connection closed'));
    this.waiting.clear();
    for (const g of this.gone.splice(0)) g.resolve();
  }

  route(packet: PublishPacket): void {
    const { members, shared } = this.table.route(packet);
    for (const m of members) if (m.lease !== KEPT) m.lease.deliver(m.filter, packet);
    for (const entry of shared) this.deliverShared(entry, packet);
  }

  /**
   * The broker gave this connection one copy for a shared subscription ($share/group/filter): like the
   * broker among sessions, hand it to one of the leases on it (round-robin), not to each of them.
   */
  private deliverShared(entry: LeaseFilter<Lease>, packet: PublishPacket): void {
    const leases = [...entry.members.keys()].filter((l) => l !== KEPT);
    if (leases.length === 0) return;
    const turn = this.shareTurns.get(entry.filter) ?? 0;
    this.shareTurns.set(entry.filter, (turn + 1) % 0x4000_0000);
    leases[turn % leases.length]!.deliver(entry.filter, packet);
  }

  private get isConnected(): boolean {
    return this.host.connection.status.phase === 'connected';
  }

  /** Changes made in one tick (a deploy starts many nodes) are planned and sent together. */
  private schedule(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sends what the table says is due (when connected), then settles whoever waits. */
  private flush(): void {
    if (this.isConnected) {
      const { subscribe, unsubscribe } = this.table.due();
      const batch = this.table.identifiersInUse ? 1 : SUBSCRIBE_BATCH;
      for (let i = 0; i < subscribe.length; i += batch) void this.sendSubscribe(subscribe.slice(i, i + batch));
      for (const sub of unsubscribe) void this.sendUnsubscribe(sub);
    }
    this.settleWaiters();
  }

  private async sendSubscribe(subs: BrokerSubscription[]): Promise<void> {
    const conn = this.host.connection;
    const server = { maximumQoS: conn.server?.maximumQoS ?? 2, protocolVersion: conn.options.protocolVersion };
    const requests = subs.map((sub) => this.table.request(sub, server));
    const id = requests.length === 1 ? requests[0]!.identifier : undefined;
    let suback;
    try {
      suback = await conn.subscribe(requests.map((r) => r.subscription), id !== undefined ? { subscriptionIdentifier: id } : undefined);
    } catch {
      // Lost before SUBACK: asked again on the next connection (now, if it is up already).
      for (const r of requests) this.table.requestLost(r);
      this.flush();
      return;
    }
    requests.forEach((r, i) => this.settle(r, suback.reasonCodes[i] ?? 0x80, suback.properties?.reasonString));
    this.flush();
  }

  private settle(request: SubscribeRequest<Lease>, code: number, reasonString: string | undefined): void {
    const refused = this.table.subscribed(request, code);
    const filter = request.sub.filter;
    if (code < 0x80) {
      if (code < request.wanted) {
        this.host.warn({ code: 'qos-downgraded', message: `subscription "${filter}" granted QoS ${code} (asked ${request.wanted})` });
      }
      return;
    }
    const error = new SubscribeError(filter, code, reasonCodeName(code, 'suback', this.host.connection.options.protocolVersion), reasonString);
    for (const entry of refused) this.fail(entry, error);
  }

  /** Every member of a refused lease filter loses it; members that did not ask hear about it by event. */
  private fail(entry: LeaseFilter<Lease>, error: SubscribeError): void {
    const waiters = this.waiting.get(entry.filter) ?? [];
    this.waiting.delete(entry.filter);
    const asked = new Set(waiters.map((w) => w.lease));
    for (const w of waiters) w.reject(error);
    for (const lease of entry.members.keys()) {
      if (lease === KEPT) continue;
      if (!asked.has(lease)) lease.emit('subscribeFailed', { filter: entry.filter, error });
      lease.handlers.delete(entry.filter);
    }
  }

  private async sendUnsubscribe(sub: BrokerSubscription): Promise<void> {
    this.table.unsubscribing(sub);
    try {
      await this.host.connection.unsubscribe([sub.filter]);
      this.table.unsubscribed(sub, { lost: false });
    } catch {
      // Lost before UNSUBACK: a resumed session still has it, so it is tried again after reconnecting.
      this.table.unsubscribed(sub, { lost: true });
    }
    this.flush();
  }

  private whenGone(filters: string[]): Promise<void> {
    if (filters.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.gone.push({ filters, resolve }));
    this.schedule();
    return done;
  }

  private settleWaiters(): void {
    for (const [filter, waiters] of this.waiting) {
      if (!this.table.isSatisfied(filter)) continue;
      this.waiting.delete(filter);
      const result = this.table.resultOf(filter)!;
      for (const w of waiters) w.resolve(result);
    }
    const connected = this.isConnected;
    this.gone = this.gone.filter((g) => {
      if (connected && !g.filters.every((f) => this.table.isGone(f))) return true;
      g.resolve();
      return false;
    });
  }

  private waitersOf(filter: string): Waiter[] {
    let waiters = this.waiting.get(filter);
    if (!waiters) this.waiting.set(filter, (waiters = []));
    return waiters;
  }

  private failWaiters(filter: string, lease: Lease, error: Error): void {
    const waiters = this.waiting.get(filter);
    if (!waiters) return;
    const rest = waiters.filter((w) => (w.lease === lease ? (w.reject(error), false) : true));
    if (rest.length > 0) this.waiting.set(filter, rest);
    else this.waiting.delete(filter);
  }

  private scheduleGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      for (const filter of this.table.filtersOf(KEPT)) this.table.remove(KEPT, filter);
      this.flush();
    }, RELEASE_GRACE_MS);
    this.graceTimer.unref();
  }
}
