// Routing an incoming PUBLISH to the leases of one connection, pure and stateless except for the
// retained-topic sets of members (see below) and counters. Every lease gets each message once, naming the
// lease's own filter that matched (its lowest-ranked one when several do).
//
// With Subscription Identifiers (v5) the copy names the broker subscriptions it is for. The broker sends
// either one copy naming every matching subscription [MQTT-3.3.4-4] or one copy per subscription naming
// only its own [MQTT-3.3.4-5]. A lease takes a copy iff it names the lease's designated subscription: the
// lowest-ranked of the lease's subscriptions that match the topic, preferring acknowledged ones (a
// subscription whose SUBSCRIBE is still on its way may not exist at the broker yet). That subscription is
// in every copy set the broker can produce for the topic, so each lease gets each publish exactly once in
// both styles, with no memory of earlier copies.
//
// Without identifiers the broker subscriptions never overlap (filter-groups.ts), so there is one copy per
// publish; it goes to every lease with a matching filter. Copies no lease filter matches were brought by a
// covering filter and are dropped (counted).
//
// Retained messages sent because of a SUBSCRIBE carry RETAIN=1; forwarded messages carry RETAIN=0 unless
// Retain As Published is set [MQTT-3.3.1-12] [3.1.1 MQTT-3.3.1-9]. Such a copy goes only to the members
// whose request for retained messages caused it, not to leases that were subscribed already:
// - with identifiers, exactly: every SUBSCRIBE has its own identifier, which records who asked;
// - without, a member that asked receives each retained topic once (RetainedSeen), others none.
import type { PublishPacket } from '../codec/types';
import type { SubscriptionTrie } from '../topic';
import type { BrokerSubscription, IdRecord, LeaseFilter, Member, SubscriptionStats } from './subscription-types';

export interface Routed<L> {
  /** Non-shared deliveries, at most one per lease. */
  members: Array<Member<L>>;
  /** Shared lease filters the copy is for: the caller hands it to one member of each. */
  shared: Array<LeaseFilter<L>>;
}

/** What routing reads from the subscription table. */
export interface RoutingState<L> {
  readonly entries: ReadonlyMap<string, LeaseFilter<L>>;
  readonly entryTrie: SubscriptionTrie<string, LeaseFilter<L>>;
  readonly broker: ReadonlyMap<string, BrokerSubscription>;
  readonly brokerTrie: SubscriptionTrie<string, BrokerSubscription>;
  readonly byId: ReadonlyMap<number, IdRecord<L>>;
  readonly stats: SubscriptionStats;
}

/** Retained topics remembered per member that asked (beyond this, a repeat may be delivered again). */
export const RETAINED_SEEN_LIMIT = 10_000;

/** Added to the rank of a subscription not acknowledged yet: acknowledged ones come first. */
const PENDING = 2 ** 40;
const byRank = (a: LeaseFilter<unknown>, b: LeaseFilter<unknown>): number => a.rank - b.rank;

export function routePublish<L>(state: RoutingState<L>, packet: PublishPacket, mode: { identifiers: boolean }): Routed<L> {
  const ids = packet.properties?.subscriptionIdentifiers;
  if (!mode.identifiers) return routeByTopic(state, packet, { retainedWindows: true });
  if (ids !== undefined && ids.length > 0) return routeByIdentifiers(state, packet, ids);
  // A copy without identifiers from a server that has them (a subscription made before they were in
  // use): nothing tells whom its RETAIN=1 is for, so it goes to every matching lease.
  return routeByTopic(state, packet, { retainedWindows: false });
}

function routeByIdentifiers<L>(state: RoutingState<L>, packet: PublishPacket, ids: number[]): Routed<L> {
  const hits: Array<IdRecord<L>> = [];
  for (const id of ids) {
    const record = state.byId.get(id);
    if (record) hits.push(record);
  }
  if (hits.length === 0) return unrequested(state);
  if (packet.retain && hits.every((h) => !h.retainAsPublished)) {
    const askers = retainedAskers(state, hits);
    const spared = hits.some((h) => [...(state.entries.get(h.sub.filter)?.members.values() ?? [])].some((m) => !askers.includes(m)));
    return retainedOnly(state, askers, { spared });
  }
  const shared: Array<LeaseFilter<L>> = [];
  for (const h of hits) {
    const entry = h.sub.shared ? state.entries.get(h.sub.filter) : undefined;
    if (entry) shared.push(entry);
  }
  const members: Array<Member<L>> = [];
  const decided = new Set<L>();
  for (const { entry, sub } of designationOrder(state, packet.topic)) {
    const isNamed = hits.some((h) => h.sub === sub);
    for (const m of entry.members.values()) {
      if (decided.has(m.lease)) continue;
      decided.add(m.lease);
      if (isNamed) members.push(m);
    }
  }
  if (members.length === 0 && shared.length === 0) {
    if (decided.size > 0) state.stats.duplicates++;
    else state.stats.unrequested++;
  }
  return { members, shared };
}

interface Candidate<L> {
  entry: LeaseFilter<L>;
  sub: BrokerSubscription;
  /** Rank, after every acknowledged subscription when not acknowledged. */
  key: number;
}

/**
 * The lease filters matching `topic` whose broker subscription has an identifier (only those can be named
 * by a copy), acknowledged ones first, then by rank: a lease's first filter in this order is its
 * designated subscription.
 */
function designationOrder<L>(state: RoutingState<L>, topic: string): Array<Candidate<L>> {
  const out: Array<Candidate<L>> = [];
  for (const { value: entry } of state.entryTrie.match(topic)) {
    const sub = entry.shared ? undefined : state.broker.get(entry.filter);
    if (!sub || sub.ids.length === 0) continue;
    out.push({ entry, sub, key: entry.rank + (sub.state === 'active' ? 0 : PENDING) });
  }
  if (out.length > 1) out.sort((a, b) => a.key - b.key);
  return out;
}

/** Members that asked for the retained messages of the SUBSCRIBEs a copy names, each lease once. */
function retainedAskers<L>(state: RoutingState<L>, hits: Array<IdRecord<L>>): Array<Member<L>> {
  const out: Array<Member<L>> = [];
  const seen = new Set<L>();
  for (const h of hits) {
    for (const m of h.askers) {
      if (seen.has(m.lease) || state.entries.get(m.filter)?.members.get(m.lease) !== m) continue;
      seen.add(m.lease);
      out.push(m);
    }
  }
  return out;
}

function routeByTopic<L>(state: RoutingState<L>, packet: PublishPacket, o: { retainedWindows: boolean }): Routed<L> {
  const matched = state.entryTrie.match(packet.topic).map((e) => e.value);
  if (matched.length === 0) return unrequested(state);
  matched.sort(byRank);
  const plain = matched.filter((e) => !e.shared);
  if (o.retainedWindows && packet.retain && isRetainedOnSubscribe(state, packet.topic)) {
    const members = retainedForAskers(plain, packet.topic);
    const spared = plain.some((e) => [...e.members.keys()].some((lease) => !members.some((m) => m.lease === lease)));
    return retainedOnly(state, members, { spared });
  }
  const members: Array<Member<L>> = [];
  const seen = new Set<L>();
  for (const entry of plain) {
    for (const m of entry.members.values()) {
      if (seen.has(m.lease)) continue;
      seen.add(m.lease);
      members.push(m);
    }
  }
  return { members, shared: matched.filter((e) => e.shared) };
}

/** RETAIN=1 marks a retained message sent on subscribe when no matching subscription has Retain As Published. */
function isRetainedOnSubscribe(state: RoutingState<unknown>, topic: string): boolean {
  let any = false;
  for (const { value: sub } of state.brokerTrie.match(topic)) {
    if (sub.shared || sub.retainAsPublished === undefined) continue;
    if (sub.retainAsPublished) return false;
    any = true;
  }
  return any;
}

/** Members that asked for retained messages and have not had this topic since, each lease once. */
function retainedForAskers<L>(plain: Array<LeaseFilter<L>>, topic: string): Array<Member<L>> {
  const out: Array<Member<L>> = [];
  const delivered = new Set<L>();
  for (const entry of plain) {
    for (const m of entry.members.values()) {
      const seen = m.retainedSeen;
      if (!seen || seen.has(topic)) continue;
      if (seen.size < RETAINED_SEEN_LIMIT) seen.add(topic);
      if (delivered.has(m.lease)) continue;
      delivered.add(m.lease);
      out.push(m);
    }
  }
  return out;
}

/** A retained message sent on subscribe goes to those who asked; `spared`: a matching lease did not get it. */
function retainedOnly<L>(state: RoutingState<L>, members: Array<Member<L>>, outcome: { spared: boolean }): Routed<L> {
  if (outcome.spared) state.stats.retainedRepeats++;
  return { members, shared: [] };
}

function unrequested<L>(state: RoutingState<L>): Routed<L> {
  state.stats.unrequested++;
  return { members: [], shared: [] };
}
