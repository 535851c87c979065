// Subscription multiplexing for one connection, pure (no I/O). Many leases subscribe with their own filter
// and options ("lease filters"); the table decides which subscriptions the broker holds ("broker
// subscriptions"), when to SUBSCRIBE / UNSUBSCRIBE, and routes each incoming PUBLISH to every lease that
// wants it exactly once (routing.ts). Nothing here uses time.
//
// A broker may send one copy of a message per matching subscription, or one copy for all of them
// [MQTT-3.3.4-4] [MQTT-3.3.4-5] (v5; 3.1.1 [MQTT-3.3.5-1] allows further copies). So:
// - With v5 Subscription Identifiers, every lease filter is its own broker subscription and every
//   SUBSCRIBE carries a new identifier: a copy names the subscriptions it is for, and a lease takes the
//   copy that names its designated subscription (routing.ts).
// - Without them, no two broker subscriptions may overlap (except shared ones, which are distinct by
//   definition): overlapping lease filters are grouped and the broker holds one covering filter per group
//   (filter-groups.ts), so it can send only one copy of a publish, which is routed to the leases' filters.
// Changing the broker subscriptions subscribes the new ones before unsubscribing those they replace.
import type { PublishPacket, QoS, Subscription } from '../codec/types';
import { assertTopicFilter, filtersOverlap, isSharedFilter, parseSharedFilter, SubscriptionTrie } from '../topic';
import { FilterGroups } from './filter-groups';
import { routePublish, type Routed, type RoutingState } from './routing';
import type {
  BrokerSubscription, IdRecord, LeaseFilter, Member, SubscribeOptions, SubscribeRequest, SubscriptionStats,
} from './subscription-types';
import type { SubscribeResult } from './types';

export type * from './subscription-types';

const MAX_SUBSCRIPTION_ID = 268_435_455;
/** Identifiers remembered per broker subscription, for copies still on their way after a re-SUBSCRIBE. */
const IDS_KEPT = 64;

/** Merged options: the most any member asked for, so every member can get what it wants. */
export function mergeOptions(members: Iterable<Member<unknown>>, filter: string): Subscription {
  let qos: QoS = 0;
  let noLocal = true;
  let retainAsPublished = false;
  for (const m of members) {
    if (m.options.qos > qos) qos = m.options.qos;
    noLocal &&= m.options.noLocal === true;
    retainAsPublished ||= m.options.retainAsPublished === true;
  }
  return { topicFilter: filter, qos, noLocal, retainAsPublished };
}

function sameOptions(a: Subscription | undefined, b: Subscription): boolean {
  return a !== undefined && a.qos === b.qos && !!a.noLocal === !!b.noLocal && !!a.retainAsPublished === !!b.retainAsPublished;
}

function* membersOf<L>(entries: Iterable<LeaseFilter<L>>): IterableIterator<Member<L>> {
  for (const entry of entries) yield* entry.members.values();
}

export class SubscriptionTable<L> implements RoutingState<L> {
  readonly entries = new Map<string, LeaseFilter<L>>();
  readonly entryTrie = new SubscriptionTrie<string, LeaseFilter<L>>();
  readonly broker = new Map<string, BrokerSubscription>();
  readonly brokerTrie = new SubscriptionTrie<string, BrokerSubscription>();
  readonly byId = new Map<number, IdRecord<L>>();
  readonly stats: SubscriptionStats = { unrequested: 0, duplicates: 0, retainedRepeats: 0 };
  private readonly groups = new FilterGroups();
  private nextRank = 1;
  private nextId = 1;
  private useIdentifiers = false;

  /** Number of lease filters. */
  get size(): number {
    return this.entries.size;
  }

  /** True when SUBSCRIBEs carry Subscription Identifiers (one subscription per SUBSCRIBE then). */
  get identifiersInUse(): boolean {
    return this.useIdentifiers;
  }

  /**
   * From CONNACK: use Subscription Identifiers (v5 and the server has them). Switching changes which
   * broker subscriptions are wanted; due() then moves to them (subscribing before unsubscribing).
   */
  setIdentifiers(enabled: boolean): void {
    if (enabled === this.useIdentifiers) return;
    this.useIdentifiers = enabled;
    if (enabled) return;
    this.byId.clear();
    for (const sub of this.broker.values()) sub.ids = [];
  }

  get(filter: string): LeaseFilter<L> | undefined {
    return this.entries.get(filter);
  }

  member(lease: L, filter: string): Member<L> | undefined {
    return this.entries.get(filter)?.members.get(lease);
  }

  /**
   * Adds or replaces `lease`'s subscription to `filter`; throws TopicError for an invalid filter before
   * anything changes. Retain Handling 0 asks for retained messages; 1 asks only when no lease had the
   * filter; shared subscriptions never get any.
   */
  add(lease: L, filter: string, options: SubscribeOptions): LeaseFilter<L> {
    assertTopicFilter(filter);
    let entry = this.entries.get(filter);
    const isNew = entry === undefined;
    if (!entry) {
      const shared = parseSharedFilter(filter);
      entry = { filter, matchFilter: shared?.filter ?? filter, shared: !!shared, rank: this.nextRank++, members: new Map() };
      this.entries.set(filter, entry);
      this.entryTrie.insert(entry.matchFilter, filter, entry);
      if (!shared) this.groups.add(filter);
    }
    const handling = options.retainHandling ?? 0;
    const had = entry.members.get(lease);
    const asks = !entry.shared && (handling === 0 || (handling === 1 && isNew));
    entry.members.set(lease, {
      lease, filter, options: { ...options },
      wantsRetained: asks || (had?.wantsRetained ?? false),
      retainedSeen: had?.retainedSeen,
    });
    return entry;
  }

  /** Removes `lease`'s subscription to `filter`; returns false when it had none. */
  remove(lease: L, filter: string): boolean {
    const entry = this.entries.get(filter);
    if (!entry || !entry.members.delete(lease)) return false;
    if (entry.members.size === 0) this.dropEntry(entry);
    return true;
  }

  /** Filters `lease` subscribes to, oldest first. */
  filtersOf(lease: L): string[] {
    return [...this.entries.values()].filter((e) => e.members.has(lease)).map((e) => e.filter);
  }

  /** The broker filter that carries `filter` now (itself, or its group's covering filter). */
  brokerFilterOf(filter: string): string | undefined {
    const entry = this.entries.get(filter);
    if (!entry) return undefined;
    return entry.shared || this.useIdentifiers ? filter : this.groups.groupOf(filter)!.cover;
  }

  /** The lease filters a broker filter carries now (none when it is no longer wanted). */
  sourcesOf(brokerFilter: string): Array<LeaseFilter<L>> {
    if (this.useIdentifiers || isSharedFilter(brokerFilter)) {
      const entry = this.entries.get(brokerFilter);
      return entry ? [entry] : [];
    }
    const group = this.groups.withCover(brokerFilter);
    return group ? [...group.members].map((f) => this.entries.get(f)!) : [];
  }

  /** True when `filter` is carried by an acknowledged broker subscription with nothing left to ask. */
  isSatisfied(filter: string): boolean {
    const brokerFilter = this.brokerFilterOf(filter);
    const sub = brokerFilter === undefined ? undefined : this.broker.get(brokerFilter);
    return !!sub && sub.state === 'active' && !sub.busy && !this.needsRequest(sub, this.sourcesOf(sub.filter));
  }

  /** The SUBACK outcome of the broker subscription carrying `filter`. */
  resultOf(filter: string): SubscribeResult | undefined {
    const brokerFilter = this.brokerFilterOf(filter);
    return brokerFilter === undefined ? undefined : this.broker.get(brokerFilter)?.result;
  }

  /** True once the broker no longer holds `brokerFilter`, or it is wanted again. */
  isGone(brokerFilter: string): boolean {
    return !this.broker.has(brokerFilter) || this.sourcesOf(brokerFilter).length > 0;
  }

  /**
   * What to tell the broker now: SUBSCRIBE for wanted subscriptions that are not acknowledged or whose
   * merged options or retained requests changed (in rank order); UNSUBSCRIBE for unwanted ones, but a
   * non-shared one only once every wanted subscription overlapping it is acknowledged, so that no topic
   * a lease wants is ever without a subscription. Busy subscriptions wait for their answer.
   */
  due(): { subscribe: BrokerSubscription[]; unsubscribe: BrokerSubscription[] } {
    const wanted = this.wanted();
    const subscribe: BrokerSubscription[] = [];
    for (const [filter, sources] of wanted) {
      const sub = this.broker.get(filter) ?? this.createBroker(filter, sources);
      if (!sub.busy && this.needsRequest(sub, sources)) subscribe.push(sub);
    }
    const unsubscribe: BrokerSubscription[] = [];
    for (const sub of [...this.broker.values()]) {
      if (sub.busy || wanted.has(sub.filter)) continue;
      if (sub.state === 'new') this.dropBroker(sub); // never reached the broker
      else if (sub.shared || this.replaced(sub, wanted)) unsubscribe.push(sub);
    }
    subscribe.sort((a, b) => a.rank - b.rank);
    return { subscribe, unsubscribe };
  }

  /** Records a SUBSCRIBE of `sub` about to be sent and returns what to send. */
  request(sub: BrokerSubscription, server: { maximumQoS: QoS; protocolVersion: 3 | 4 | 5 }): SubscribeRequest<L> {
    const members = [...membersOf(this.sourcesOf(sub.filter))];
    const askers = members.filter((m) => m.wantsRetained);
    for (const m of askers) {
      m.wantsRetained = false;
      if (!this.useIdentifiers) m.retainedSeen = new Set();
    }
    const merged = mergeOptions(members, sub.filter);
    const retainAsPublished = server.protocolVersion === 5 && merged.retainAsPublished === true;
    sub.requested = merged;
    sub.retainAsPublished = retainAsPublished;
    sub.busy = 'subscribe';
    const subscription: Subscription = {
      ...merged,
      qos: Math.min(merged.qos, server.maximumQoS) as QoS,
      // Retained messages only when a member asked; the others must not get them again [MQTT-3.3.1-11].
      retainHandling: askers.length > 0 ? 0 : 2,
    };
    let identifier: number | undefined;
    if (this.useIdentifiers) {
      identifier = this.allocateId();
      sub.ids.push(identifier);
      this.byId.set(identifier, { sub, askers, retainAsPublished });
      if (sub.ids.length > IDS_KEPT) this.byId.delete(sub.ids.shift()!);
    }
    return { sub, subscription, identifier, wanted: merged.qos, askers };
  }

  /**
   * SUBACK for a request. A failure (code >= 0x80) removes the lease filter equal to the refused filter
   * (returned, with its members, for the caller to report); a refused covering filter that no lease
   * asked for is not formed again and its lease filters are grouped without it.
   */
  subscribed(request: SubscribeRequest<L>, code: number): Array<LeaseFilter<L>> {
    const sub = request.sub;
    sub.busy = undefined;
    if (code < 0x80) {
      sub.state = 'active';
      sub.result = { qos: code as QoS, reasonCode: code, downgraded: code < request.wanted };
      return [];
    }
    this.restoreAskers(request);
    sub.result = undefined;
    const refused = this.entries.get(sub.filter);
    if (refused) this.dropEntry(refused);
    else if (!sub.shared) this.groups.refuse(sub.filter);
    if (sub.state === 'active') sub.state = 'maybe';
    else this.dropBroker(sub);
    return refused ? [refused] : [];
  }

  /** The connection was lost before SUBACK: ask again when connected. */
  requestLost(request: SubscribeRequest<L>): void {
    const sub = request.sub;
    sub.busy = undefined;
    // After a session loss the subscription was forgotten and may be asked for anew already.
    if (this.broker.get(sub.filter) !== sub) return;
    if (sub.state === 'new') sub.state = 'maybe';
    this.restoreAskers(request);
  }

  unsubscribing(sub: BrokerSubscription): void {
    sub.busy = 'unsubscribe';
  }

  /** UNSUBACK, or the connection was lost before it (`lost`: try again on a resumed session). */
  unsubscribed(sub: BrokerSubscription, outcome: { lost: boolean }): void {
    sub.busy = undefined;
    if (!outcome.lost) this.dropBroker(sub);
  }

  /**
   * The broker holds nothing of ours (CONNACK Session Present 0, or another broker): every wanted
   * subscription is sent again, and members that ask for retained messages on subscribe get them again.
   */
  sessionLost(): void {
    for (const sub of [...this.broker.values()]) this.dropBroker(sub);
    for (const m of membersOf(this.entries.values())) {
      const entryShared = isSharedFilter(m.filter);
      m.wantsRetained = !entryShared && (m.options.retainHandling ?? 0) !== 2;
      m.retainedSeen = undefined;
    }
  }

  /** The members that get `packet`, each lease once; shared lease filters for the caller's round-robin. */
  route(packet: PublishPacket): Routed<L> {
    return routePublish(this, packet, { identifiers: this.useIdentifiers });
  }

  private wanted(): Map<string, Array<LeaseFilter<L>>> {
    const wanted = new Map<string, Array<LeaseFilter<L>>>();
    for (const entry of this.entries.values()) {
      if (entry.shared || this.useIdentifiers) wanted.set(entry.filter, [entry]);
    }
    if (!this.useIdentifiers) {
      for (const group of this.groups.all()) wanted.set(group.cover, [...group.members].map((f) => this.entries.get(f)!));
    }
    return wanted;
  }

  private needsRequest(sub: BrokerSubscription, sources: Array<LeaseFilter<L>>): boolean {
    if (sub.state !== 'active') return true;
    if (this.useIdentifiers && sub.ids.length === 0) return true; // give it an identifier
    if (!sameOptions(sub.requested, mergeOptions(membersOf(sources), sub.filter))) return true;
    for (const m of membersOf(sources)) if (m.wantsRetained) return true;
    return false;
  }

  /** Every wanted non-shared subscription overlapping `sub` is acknowledged. */
  private replaced(sub: BrokerSubscription, wanted: Map<string, unknown>): boolean {
    for (const filter of wanted.keys()) {
      const other = this.broker.get(filter);
      if (other?.shared || !filtersOverlap(sub.matchFilter, other?.matchFilter ?? filter)) continue;
      if (other?.state !== 'active') return false;
    }
    return true;
  }

  private createBroker(filter: string, sources: Array<LeaseFilter<L>>): BrokerSubscription {
    const shared = parseSharedFilter(filter);
    const sub: BrokerSubscription = {
      filter, matchFilter: shared?.filter ?? filter, shared: !!shared,
      rank: Math.min(...sources.map((e) => e.rank)),
      state: 'new', busy: undefined, requested: undefined, retainAsPublished: undefined, result: undefined, ids: [],
    };
    this.broker.set(filter, sub);
    this.brokerTrie.insert(sub.matchFilter, filter, sub);
    return sub;
  }

  private dropBroker(sub: BrokerSubscription): void {
    if (this.broker.get(sub.filter) !== sub) return;
    this.broker.delete(sub.filter);
    this.brokerTrie.remove(sub.matchFilter, sub.filter);
    for (const id of sub.ids) this.byId.delete(id);
  }

  private dropEntry(entry: LeaseFilter<L>): void {
    this.entries.delete(entry.filter);
    this.entryTrie.remove(entry.matchFilter, entry.filter);
    if (!entry.shared) this.groups.remove(entry.filter);
  }

  /** Askers of a SUBSCRIBE that did not happen still want their retained messages. */
  private restoreAskers(request: SubscribeRequest<L>): void {
    for (const m of request.askers) if (this.member(m.lease, m.filter) === m) m.wantsRetained = true;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_SUBSCRIPTION_ID ? 1 : id + 1;
      if (!this.byId.has(id)) return id;
    }
  }
}
