// SUBSCRIBE and UNSUBSCRIBE. Each topic filter of a SUBSCRIBE is decided on its own (validation, broker
// capabilities, the authorizeSubscribe hook) and then applied in order, answered with one SUBACK that has
// one code per filter [MQTT-3.8.4-5] [MQTT-3.8.4-6] [MQTT-3.9.3-1], followed by retained messages.

import { MqttError, ProtocolError } from '../codec';
import type { QoS, SubscribePacket, Subscription, UnsubscribePacket } from '../codec/types';
import { hasWildcard, isSharedFilter, parseSharedFilter, topicFilterProblem } from '../topic/validate';
import type { Connection } from './connection';
import type { BrokerCore } from './core';
import { snapshotOf } from './lifecycle';
import { deliver } from './outbound';
import type { SubscriptionRecord } from './router';
import type { BrokerSession } from './session';

/** A SUBACK code for one filter: granted QoS 0-2, or a failure (>= 0x80). */
type Code = number;

export function handleSubscribe(conn: Connection, packet: SubscribePacket): void | Promise<void> {
  const options = conn.core.options;
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  if (subscriptionId !== undefined && !options.subscriptionIdentifiers) {
    throw new MqttError('Subscription Identifiers are not supported', 0xa1);
  }
  for (const sub of packet.subscriptions) {
    // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
    if (sub.noLocal && isSharedFilter(sub.topicFilter) && conn.version === 5) {
      throw new ProtocolError('No Local set on a shared subscription', 'MQTT-3.8.3-4');
    }
  }
  const codes = packet.subscriptions.map((sub) => decide(conn, sub));
  if (codes.some((c) => c instanceof Promise)) {
    return Promise.all(codes).then((resolved) => apply(conn, packet, resolved));
  }
  apply(conn, packet, codes as Code[]);
}

function decide(conn: Connection, sub: Subscription): Code | Promise<Code> {
  const { options, hooks } = conn.core;
  const fail = (code: number): Code => (conn.version === 5 ? code : 0x80); // 3.1.1 knows only 0x80 [3.1.1 MQTT-3.9.3-2]
  const shared = isSharedFilter(sub.topicFilter);
  if (shared && !options.sharedSubscriptions) return fail(0x9e);
  if (topicFilterProblem(sub.topicFilter, { maxBytes: options.maxTopicLength, maxLevels: options.maxTopicLevels })) {
    return fail(0x8f);
  }
  const inner = shared ? parseSharedFilter(sub.topicFilter)!.filter : sub.topicFilter;
  if (!options.wildcardSubscriptions && hasWildcard(inner)) return fail(0xa2); // [3.1.1 MQTT-3.8.3-2]
  // Any requested QoS is accepted and granted at most the broker's Maximum QoS [MQTT-3.2.2-10].
  const cap = (q: QoS): Code => Math.min(q, sub.qos, options.maximumQoS);
  const hook = hooks.authorizeSubscribe;
  if (!hook) return cap(sub.qos);
  const verdict = hook(conn.info!, {
    topicFilter: sub.topicFilter, qos: sub.qos, noLocal: sub.noLocal ?? false,
    retainAsPublished: sub.retainAsPublished ?? false, retainHandling: sub.retainHandling ?? 0,
  });
  const judge = (v: QoS | false): Code => (v === false ? fail(0x87) : cap(v));
  return verdict instanceof Promise ? verdict.then(judge) : judge(verdict);
}

function apply(conn: Connection, packet: SubscribePacket, codes: Code[]): void {
  if (conn.state !== 'ready') return;
  const core = conn.core;
  const session = conn.session!;
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  const retainedFor: SubscriptionRecord[] = [];
  packet.subscriptions.forEach((sub, i) => {
    const code = codes[i]!;
    if (code >= 0x80) return;
    const record = recordOf(sub, code as QoS, subscriptionId);
    const existed = session.subscriptions.has(record.filter);
    // The same filter replaces the existing subscription [MQTT-3.8.4-3].
    session.subscriptions.set(record.filter, record);
    core.router.add(session, record);
    if (wantsRetained(record, existed)) retainedFor.push(record);
  });
  core.stats.subscriptions = core.router.size;
  // SUBACK with the SUBSCRIBE's packet id [MQTT-3.8.4-1] [MQTT-3.8.4-2] [MQTT-2.2.1-6].
  conn.send({ type: 'suback', packetId: packet.packetId, reasonCodes: codes });
  for (const record of retainedFor) sendRetained(core, session, record);
  if (session.expiryInterval > 0) core.persistence?.sessionChanged(snapshotOf(session));
  core.emit('subscribe', conn.info, packet.subscriptions.map((s, i) => ({ topicFilter: s.topicFilter, reasonCode: codes[i] })));
}

function recordOf(sub: Subscription, qos: QoS, subscriptionId: number | undefined): SubscriptionRecord {
  const shared = parseSharedFilter(sub.topicFilter);
  return {
    filter: sub.topicFilter, topicFilter: shared ? shared.filter : sub.topicFilter, group: shared?.group, qos,
    noLocal: sub.noLocal ?? false, retainAsPublished: sub.retainAsPublished ?? false,
    retainHandling: sub.retainHandling ?? 0, subscriptionId,
  };
}

/**
 * Retain Handling 0: send retained messages [MQTT-3.3.1-9], also when replacing a subscription
 * [MQTT-3.8.4-4] [3.1.1 MQTT-3.8.4-3]; 1: only for a new subscription [MQTT-3.3.1-10]; 2: never
 * [MQTT-3.3.1-11]. Shared subscriptions get no retained messages.
 */
function wantsRetained(record: SubscriptionRecord, existed: boolean): boolean {
  if (record.group !== undefined) return false;
  if (record.retainHandling === 2) return false;
  return record.retainHandling === 0 || !existed;
}

/** Retained messages of a new subscription go with RETAIN=1 [3.1.1 MQTT-3.3.1-6] [3.1.1 MQTT-3.3.1-8]. */
function sendRetained(core: BrokerCore, session: BrokerSession, record: SubscriptionRecord): void {
  const messages = core.retained.match(record.topicFilter, core.now());
  core.stats.retained = core.retained.size;
  const subscriptionIds = record.subscriptionId === undefined ? undefined : [record.subscriptionId];
  for (const message of messages) {
    deliver(core, session, message, { qos: record.qos, retain: true, subscriptionIds, shared: undefined }, undefined);
  }
}

/**
 * UNSUBSCRIBE: filters compared character by character with the session's [MQTT-3.10.4-1]; no new
 * messages for removed ones [MQTT-3.10.4-2], deliveries under way complete [MQTT-3.10.4-3]; one UNSUBACK
 * with the same packet id [MQTT-3.10.4-4] [MQTT-3.10.4-5] [MQTT-3.10.4-6], v5 codes in filter order
 * [MQTT-3.11.3-1] [MQTT-3.11.3-2].
 */
export function handleUnsubscribe(conn: Connection, packet: UnsubscribePacket): void {
  const core = conn.core;
  const session = conn.session!;
  const reasonCodes = packet.topicFilters.map((filter) => {
    const record = session.subscriptions.get(filter);
    if (!record) return topicFilterProblem(filter) ? 0x8f : 0x11;
    session.subscriptions.delete(filter);
    core.router.remove(session, record);
    return 0;
  });
  core.stats.subscriptions = core.router.size;
  conn.send(conn.version === 5
    ? { type: 'unsuback', packetId: packet.packetId, reasonCodes }
    : { type: 'unsuback', packetId: packet.packetId });
  if (session.expiryInterval > 0) core.persistence?.sessionChanged(snapshotOf(session));
  core.emit('unsubscribe', conn.info, packet.topicFilters);
}
