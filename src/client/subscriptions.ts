// Subscription multiplexing for one connection, pure (no I/O): many leases subscribe with their own
// filter and options; the table merges them into one broker subscription per filter, says when to
// SUBSCRIBE / UNSUBSCRIBE / re-SUBSCRIBE, and routes each incoming PUBLISH to every matching lease once.
//
// Duplicate copies: a broker may send one copy of a message per matching subscription [MQTT-3.3.4-2 (v5)
// allows either]. With v5 Subscription Identifiers each copy names the subscriptions it is for, so the
// table knows exactly which leases already have the message. Without them (3.1.1, or a server that does
// not support them) the first copy goes to every matching lease and up to (matching subscriptions - 1)
// identical copies (same topic and payload) arriving within DUPLICATE_WINDOW_MS are dropped.
import type { PublishPacket, QoS, RetainHandling, Subscription } from '../codec/types';
import { assertTopicFilter, parseSharedFilter, SubscriptionTrie } from '../topic';

export interface SubscribeOptions {
  qos: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: RetainHandling;
}

/** One lease's subscription to one filter. */
export interface Member<L> {
  readonly lease: L;
  readonly filter: string;
  options: SubscribeOptions;
}

/** One subscription as the broker knows it: the merge of its members' options. */
export interface BrokerSubscription<L> {
  /** As sent in SUBSCRIBE (may be `$share/group/filter`). */
  readonly filter: string;
  /** What topics are matched against (the filter without the share prefix). */
  readonly matchFilter: string;
  readonly shared: boolean;
  /** v5 Subscription Identifier, when the server supports them. */
  id: number | undefined;
  /** Merged options last requested from the broker (undefined before the first SUBSCRIBE). */
  requested: Subscription | undefined;
  readonly members: Map<L, Member<L>>;
}

/** What the caller must tell the broker after a change. */
export type SubscriptionAction<L> =
  | { kind: 'subscribe'; sub: BrokerSubscription<L> }
  | { kind: 'unsubscribe'; filter: string }
  | { kind: 'none'; sub: BrokerSubscription<L> | undefined };

export const DUPLICATE_WINDOW_MS = 1000;
const MAX_PENDING_DUPLICATES = 1024;
const MAX_SUBSCRIPTION_ID = 268_435_455;

interface PendingCopies<L> {
  payload: Buffer;
  at: number;
  /** Subscriptions whose copy has not arrived yet (identifier mode). */
  remainingSubs: Set<BrokerSubscription<L>> | undefined;
  /** Copies still expected (count mode). */
  remainingCount: number;
  delivered: Set<L>;
}

/** Merged options: the most any member asked for, so every member can get what it wants. */
export function mergeOptions(members: Iterable<Member<unknown>>, filter: string): Subscription {
  let qos: QoS = 0;
  let noLocal = true;
  let retainAsPublished = false;
  let retainHandling: RetainHandling = 2;
  for (const m of members) {
    if (m.options.qos > qos) qos = m.options.qos;
    noLocal &&= m.options.noLocal === true;
    retainAsPublished ||= m.options.retainAsPublished === true;
    retainHandling = Math.min(retainHandling, m.options.retainHandling ?? 0) as RetainHandling;
  }
  return { topicFilter: filter, qos, noLocal, retainAsPublished, retainHandling };
}

function sameSubscription(a: Subscription | undefined, b: Subscription): boolean {
  return (
    a !== undefined &&
    a.qos === b.qos &&
    !!a.noLocal === !!b.noLocal &&
    !!a.retainAsPublished === !!b.retainAsPublished &&
    (a.retainHandling ?? 0) === (b.retainHandling ?? 0)
  );
}

export class SubscriptionTable<L> {
  private readonly subs = new Map<string, BrokerSubscription<L>>();
  private readonly byId = new Map<number, BrokerSubscription<L>>();
  private readonly trie = new SubscriptionTrie<string, BrokerSubscription<L>>();
  private readonly pending = new Map<string, PendingCopies<L>>();
  private nextId = 1;
  private useIdentifiers = false;

  get size(): number {
    return this.subs.size;
  }

  /** True when SUBSCRIBEs carry Subscription Identifiers (one subscription per SUBSCRIBE then). */
  get identifiersInUse(): boolean {
    return this.useIdentifiers;
  }

  /**
   * From CONNACK: use Subscription Identifiers (v5 and the server supports them). Turning them off forgets
   * assigned identifiers; they are assigned again on the next SUBSCRIBE.
   */
  setIdentifiers(enabled: boolean): void {
    this.useIdentifiers = enabled;
    if (enabled) return;
    this.byId.clear();
    for (const sub of this.subs.values()) sub.id = undefined;
  }

  /** Every broker subscription, e.g. to re-subscribe after a reconnect that did not resume the session. */
  all(): BrokerSubscription<L>[] {
    return [...this.subs.values()];
  }

  get(filter: string): BrokerSubscription<L> | undefined {
    return this.subs.get(filter);
  }

  /**
   * Adds or replaces `lease`'s subscription to `filter`. Throws TopicError for an invalid filter. The
   * action is 'subscribe' when the broker must be told: a new filter, changed merged options, or a member
   * that wants retained messages on subscribe (retain handling 0).
   */
  add(lease: L, filter: string, options: SubscribeOptions): SubscriptionAction<L> {
    assertTopicFilter(filter);
    let sub = this.subs.get(filter);
    if (!sub) {
      const shared = parseSharedFilter(filter);
      sub = { filter, matchFilter: shared?.filter ?? filter, shared: !!shared, id: undefined, requested: undefined, members: new Map() };
      this.subs.set(filter, sub);
      this.trie.insert(sub.matchFilter, filter, sub);
    }
    sub.members.set(lease, { lease, filter, options: { ...options } });
    const merged = mergeOptions(sub.members.values(), filter);
    const wantsRetained = (options.retainHandling ?? 0) === 0 && !sub.shared;
    if (sameSubscription(sub.requested, merged) && !wantsRetained) return { kind: 'none', sub };
    return { kind: 'subscribe', sub };
  }

  /** Removes `lease`'s subscription to `filter`; unsubscribes at the broker only when no member is left. */
  remove(lease: L, filter: string): SubscriptionAction<L> {
    const sub = this.subs.get(filter);
    if (!sub || !sub.members.delete(lease)) return { kind: 'none', sub };
    if (sub.members.size === 0) {
      this.drop(sub);
      return { kind: 'unsubscribe', filter };
    }
    const merged = mergeOptions(sub.members.values(), filter);
    return sameSubscription(sub.requested, merged) ? { kind: 'none', sub } : { kind: 'subscribe', sub };
  }

  /** Removes every subscription of a lease; returns the broker actions needed. */
  removeLease(lease: L): SubscriptionAction<L>[] {
    const actions: SubscriptionAction<L>[] = [];
    for (const sub of [...this.subs.values()]) if (sub.members.has(lease)) actions.push(this.remove(lease, sub.filter));
    return actions.filter((a) => a.kind !== 'none');
  }

  /** Filters `lease` subscribes to. */
  filtersOf(lease: L): string[] {
    return [...this.subs.values()].filter((s) => s.members.has(lease)).map((s) => s.filter);
  }

  /**
   * The Subscription to send for `sub` now, recording it as requested. Assigns a Subscription Identifier
   * when identifiers are in use.
   */
  request(sub: BrokerSubscription<L>): Subscription {
    const merged = mergeOptions(sub.members.values(), sub.filter);
    sub.requested = merged;
    if (this.useIdentifiers && sub.id === undefined) {
      sub.id = this.allocateId();
      this.byId.set(sub.id, sub);
    }
    return merged;
  }

  /** Forgets what was requested (after a connection that did not resume the session). */
  resetRequested(): void {
    for (const sub of this.subs.values()) sub.requested = undefined;
  }

  /**
   * The members that should receive `packet`, each lease once. `now` (ms) bounds how long duplicate
   * copies are expected.
   */
  route(packet: PublishPacket, now: number): Member<L>[] {
    const ids = packet.properties?.subscriptionIdentifiers;
    const matched = this.matchingSubs(packet.topic, ids);
    if (matched.length === 0) return [];
    const allMatching = ids?.length ? this.trie.match(packet.topic).map((e) => e.value) : matched;
    const key = packet.topic;
    let copies = this.pending.get(key);
    if (copies && (now - copies.at > DUPLICATE_WINDOW_MS || !copies.payload.equals(packet.payload))) {
      this.pending.delete(key);
      copies = undefined;
    }
    if (copies) return this.routeCopy(key, copies, matched, ids !== undefined && ids.length > 0);
    const delivered = new Set<L>();
    const out = membersOnce(matched, delivered);
    this.expectCopies(key, packet.payload, now, { matched, allMatching, delivered, byIds: !!ids?.length });
    return out;
  }

  private matchingSubs(topic: string, ids: number[] | undefined): BrokerSubscription<L>[] {
    if (ids?.length) {
      const subs: BrokerSubscription<L>[] = [];
      for (const id of ids) {
        const sub = this.byId.get(id);
        if (sub) subs.push(sub);
      }
      if (subs.length > 0) return subs;
    }
    return this.trie.match(topic).map((e) => e.value);
  }

  private expectCopies(
    key: string,
    payload: Buffer,
    now: number,
    m: { matched: BrokerSubscription<L>[]; allMatching: BrokerSubscription<L>[]; delivered: Set<L>; byIds: boolean },
  ): void {
    if (m.byIds) {
      const remaining = new Set(m.allMatching.filter((s) => !m.matched.includes(s) && s.id !== undefined));
      if (remaining.size === 0) return;
      this.remember(key, { payload, at: now, remainingSubs: remaining, remainingCount: remaining.size, delivered: m.delivered });
      return;
    }
    const count = m.allMatching.length - 1;
    if (count <= 0) return;
    this.remember(key, { payload, at: now, remainingSubs: undefined, remainingCount: count, delivered: m.delivered });
  }

  private routeCopy(key: string, copies: PendingCopies<L>, matched: BrokerSubscription<L>[], byIds: boolean): Member<L>[] {
    if (byIds && copies.remainingSubs) {
      for (const s of matched) copies.remainingSubs.delete(s);
      if (copies.remainingSubs.size === 0) this.pending.delete(key);
      return membersOnce(matched, copies.delivered);
    }
    // Count mode: this is one of the expected identical copies; everyone already has the message.
    if (--copies.remainingCount <= 0) this.pending.delete(key);
    return [];
  }

  private remember(key: string, copies: PendingCopies<L>): void {
    if (this.pending.size >= MAX_PENDING_DUPLICATES) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(key, copies);
  }

  private drop(sub: BrokerSubscription<L>): void {
    this.subs.delete(sub.filter);
    this.trie.remove(sub.matchFilter, sub.filter);
    if (sub.id !== undefined) this.byId.delete(sub.id);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_SUBSCRIPTION_ID ? 1 : id + 1;
      if (!this.byId.has(id)) return id;
    }
  }
}

/** Members of `subs`, at most one per lease, skipping leases already in `delivered` (which is updated). */
function membersOnce<L>(subs: BrokerSubscription<L>[], delivered: Set<L>): Member<L>[] {
  const out: Member<L>[] = [];
  for (const sub of subs) {
    for (const member of sub.members.values()) {
      if (delivered.has(member.lease)) continue;
      delivered.add(member.lease);
      out.push(member);
    }
  }
  return out;
}
