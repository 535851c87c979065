// Types of the pool's subscription table (subscriptions.ts) and routing (routing.ts).
import type { QoS, RetainHandling, Subscription } from '../codec/types';
import type { SubscribeResult } from './types';

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
  /** Asked for retained messages that no SUBSCRIBE has asked the broker for yet. */
  wantsRetained: boolean;
  /**
   * Without identifiers: the retained topics this member received since it last asked for retained
   * messages (undefined when it never asked): each is delivered to it once (routing.ts).
   */
  retainedSeen: Set<string> | undefined;
}

/** A filter some lease subscribes to, with every lease on it. */
export interface LeaseFilter<L> {
  /** As the lease gave it (may be `$share/group/filter`). */
  readonly filter: string;
  /** What topics are matched against (the filter without the share prefix). */
  readonly matchFilter: string;
  readonly shared: boolean;
  /** Order of creation: a lease's lowest-ranked matching filter is the one its deliveries name. */
  readonly rank: number;
  readonly members: Map<L, Member<L>>;
}

/** One subscription as the broker holds it (or is being asked for). */
export interface BrokerSubscription {
  readonly filter: string;
  readonly matchFilter: string;
  readonly shared: boolean;
  /** Lowest rank of its lease filters when created: SUBSCRIBEs go out in this order. */
  readonly rank: number;
  /**
   * 'new': never acknowledged; 'maybe': a SUBSCRIBE or a refused re-SUBSCRIBE left it unknown (the
   * connection was lost before SUBACK, a resumed session may hold it); 'active': acknowledged.
   */
  state: 'new' | 'maybe' | 'active';
  busy: 'subscribe' | 'unsubscribe' | undefined;
  /** Merged options of the last SUBSCRIBE, before any cap at the server's Maximum QoS. */
  requested: Subscription | undefined;
  /**
   * Retain As Published in force at the broker since the last SUBSCRIBE (only MQTT 5 has the option: a
   * 3.1.1 broker always forwards with RETAIN=0 [3.1.1 MQTT-3.3.1-9]); undefined before the first.
   */
  retainAsPublished: boolean | undefined;
  result: SubscribeResult | undefined;
  /** Subscription Identifiers it was subscribed with, oldest first (the last is current). */
  ids: number[];
}

/** One SUBSCRIBE entry to send, as returned by request(). */
export interface SubscribeRequest<L> {
  readonly sub: BrokerSubscription;
  /** What to send: QoS capped at the server's Maximum QoS, Retain Handling 0 only when someone asked. */
  readonly subscription: Subscription;
  readonly identifier: number | undefined;
  /** Highest QoS a member asked for. */
  readonly wanted: QoS;
  /** Members whose request for retained messages this SUBSCRIBE carries. */
  readonly askers: Array<Member<L>>;
}

/** What a Subscription Identifier stands for: one SUBSCRIBE of one broker subscription. */
export interface IdRecord<L> {
  readonly sub: BrokerSubscription;
  readonly askers: Array<Member<L>>;
  /** Retain As Published of that SUBSCRIBE: with it, RETAIN=1 no longer marks a retained message. */
  readonly retainAsPublished: boolean;
}

export interface SubscriptionStats {
  /** Copies no lease filter wants (brought by a covering filter, or for a subscription already gone). */
  unrequested: number;
  /** Copies every lease they matched had received in another copy (one copy per subscription). */
  duplicates: number;
  /** Retained messages (sent on a SUBSCRIBE) kept from at least one matching lease that did not ask for them. */
  retainedRepeats: number;
}
