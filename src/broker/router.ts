// Routing: the subscription trie plus shared-subscription groups. route() turns one published topic into
// the list of deliveries (one per receiving client for ordinary subscriptions, one per matching shared
// group), applying No Local and merging overlapping subscriptions of one client into a single copy with
// the highest QoS and every subscription identifier [MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4].

import type { QoS, RetainHandling } from '../codec/types';
import { SubscriptionTrie, type TrieEntry } from '../topic/trie';

/** A subscription as the broker keeps it in a session (and persists it). */
export interface SubscriptionRecord {
  /** The filter exactly as subscribed, including any `$share/{group}/` prefix (the session's key). */
  readonly filter: string;
  /** The filter that topics are matched against (without the share prefix). */
  readonly topicFilter: string;
  /** ShareName when this is a shared subscription. */
  readonly group: string | undefined;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: RetainHandling;
  subscriptionId: number | undefined;
}

/** What the router needs to know about a subscriber (the broker session implements it). */
export interface RouteTarget {
  readonly clientId: string;
  /** True while a network connection is attached; shared groups prefer online members. */
  readonly online: boolean;
}

export interface Delivery<T extends RouteTarget> {
  target: T;
  /** Maximum QoS granted by the matching subscription(s); the sent QoS is min(this, message QoS). */
  qos: QoS;
  retainAsPublished: boolean;
  /** Subscription identifiers of every subscription this copy answers, or undefined. */
  subscriptionIds: number[] | undefined;
  /** Set when the copy was chosen through a shared subscription group. */
  shared: SharedGroup<T> | undefined;
}

interface Member<T> {
  target: T;
  record: SubscriptionRecord;
}

/** One `$share/{group}/{filter}`: its members and the round-robin cursor. */
export class SharedGroup<T extends RouteTarget> {
  readonly members: Array<Member<T>> = [];
  private cursor = 0;

  constructor(readonly group: string, readonly topicFilter: string) {}

  /**
   * Next member in round-robin order, preferring online ones; undefined when the group is empty or no
   * member `accepts` the copy (a member the ACL does not let read this message is passed over).
   */
  pick(accepts?: (target: T) => boolean): Member<T> | undefined {
    const n = this.members.length;
    let fallback: Member<T> | undefined;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const member = this.members[index]!;
      if (accepts && !accepts(member.target)) continue;
      if (member.target.online) {
        this.cursor = (index + 1) % n;
        return member;
      }
      fallback ??= member;
    }
    if (fallback) this.cursor = (this.members.indexOf(fallback) + 1) % n;
    return fallback;
  }

  /** Next online member other than `exclude` that `accepts` the copy (for a leaving member's messages). */
  pickOnline(exclude: T, accepts?: (target: T) => boolean): Member<T> | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const member = this.members[index]!;
      if (member.target !== exclude && member.target.online && (!accepts || accepts(member.target))) {
        this.cursor = (index + 1) % n;
        return member;
      }
    }
    return undefined;
  }
}

type RouteValue<T extends RouteTarget> =
  | { kind: 'direct'; target: T; record: SubscriptionRecord }
  | { kind: 'shared'; group: SharedGroup<T> };

/** Trie key of a shared group. Client ids cannot contain U+0000 [MQTT-1.5.4-2], so this never collides. */
const groupKey = (group: string): string => `\u0000share\u0000${group}`;

/** Topics whose trie matches are remembered until the subscriptions change (bounded). */
const MATCH_CACHE_SIZE = 4096;

export class Router<T extends RouteTarget> {
  private readonly trie = new SubscriptionTrie<string, RouteValue<T>>();
  // Most traffic repeats a limited set of topics: their matches are kept until the next subscribe or
  // unsubscribe. Cleared whole when full, so a stream of one-off topics costs one Map insert each.
  private readonly matches = new Map<string, ReadonlyArray<TrieEntry<string, RouteValue<T>>>>();

  /** Number of trie entries (direct subscriptions plus shared groups). */
  get size(): number {
    return this.trie.size;
  }

  /** Adds or replaces a subscription of target. Returns true when (target, filter) is new. */
  add(target: T, record: SubscriptionRecord): boolean {
    this.matches.clear();
    if (record.group === undefined) {
      return this.trie.insert(record.topicFilter, target.clientId, { kind: 'direct', target, record });
    }
    const key = groupKey(record.group);
    let entry = this.trie.get(record.topicFilter, key);
    if (!entry) {
      this.trie.insert(record.topicFilter, key, { kind: 'shared', group: new SharedGroup(record.group, record.topicFilter) });
      entry = this.trie.get(record.topicFilter, key)!;
    }
    const group = (entry.value as { group: SharedGroup<T> }).group;
    const existing = group.members.find((m) => m.target.clientId === target.clientId);
    if (existing) {
      existing.target = target;
      existing.record = record;
      return false;
    }
    group.members.push({ target, record });
    return true;
  }

  /** Removes target's subscription; returns true when it existed. */
  remove(target: T, record: Pick<SubscriptionRecord, 'topicFilter' | 'group'>): boolean {
    this.matches.clear();
    if (record.group === undefined) {
      const entry = this.trie.get(record.topicFilter, target.clientId);
      if (entry?.value.kind !== 'direct' || entry.value.target !== target) return false;
      return this.trie.remove(record.topicFilter, target.clientId);
    }
    const key = groupKey(record.group);
    const entry = this.trie.get(record.topicFilter, key);
    if (entry?.value.kind !== 'shared') return false;
    const members = entry.value.group.members;
    const index = members.findIndex((m) => m.target === target);
    if (index < 0) return false;
    members.splice(index, 1);
    if (members.length === 0) this.trie.remove(record.topicFilter, key);
    return true;
  }

  /** The shared group for ($share group, topic filter), if any. */
  sharedGroup(group: string, topicFilter: string): SharedGroup<T> | undefined {
    const value = this.trie.get(topicFilter, groupKey(group))?.value;
    return value?.kind === 'shared' ? value.group : undefined;
  }

  /**
   * Deliveries for a message published on topic by publisherId (null: broker-injected). No Local
   * subscriptions of the publisher are skipped [MQTT-3.8.3-3]; a client's overlapping ordinary
   * subscriptions merge into one copy; each matching shared group contributes one copy to one member,
   * chosen among those that `accepts` it (the ACL's read check; ordinary subscriptions are checked on
   * delivery).
   */
  route(topic: string, publisherId: string | null, accepts?: (target: T) => boolean): Array<Delivery<T>> {
    let entries = this.matches.get(topic);
    if (!entries) {
      entries = this.trie.match(topic);
      if (this.matches.size >= MATCH_CACHE_SIZE) this.matches.clear();
      this.matches.set(topic, entries);
    }
    const out: Array<Delivery<T>> = [];
    // Index of a client's delivery in out; only allocated when a client may appear twice.
    let byClient: Map<string, Delivery<T>> | undefined;
    for (let i = 0; i < entries.length; i++) {
      const value = entries[i]!.value;
      if (value.kind === 'shared') {
        const member = value.group.pick(accepts);
        if (member) out.push(deliveryOf(member.target, member.record, value.group));
        continue;
      }
      const { target, record } = value;
      if (record.noLocal && target.clientId === publisherId) continue;
      if (entries.length > 1) {
        byClient ??= new Map();
        const existing = byClient.get(target.clientId);
        if (existing) {
          mergeInto(existing, record);
          continue;
        }
        const delivery = deliveryOf(target, record, undefined);
        byClient.set(target.clientId, delivery);
        out.push(delivery);
      } else {
        out.push(deliveryOf(target, record, undefined));
      }
    }
    return out;
  }
}

function deliveryOf<T extends RouteTarget>(target: T, record: SubscriptionRecord, shared: SharedGroup<T> | undefined): Delivery<T> {
  return {
    target, qos: record.qos, retainAsPublished: record.retainAsPublished, shared,
    subscriptionIds: record.subscriptionId === undefined ? undefined : [record.subscriptionId],
  };
}

function mergeInto<T extends RouteTarget>(delivery: Delivery<T>, record: SubscriptionRecord): void {
  if (record.qos > delivery.qos) delivery.qos = record.qos;
  // One copy answers several subscriptions: keep RETAIN if any of them asked for it as published.
  if (record.retainAsPublished) delivery.retainAsPublished = true;
  if (record.subscriptionId !== undefined) (delivery.subscriptionIds ??= []).push(record.subscriptionId);
}
