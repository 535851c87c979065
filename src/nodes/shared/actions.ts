// msg.action for mqtt-in (dynamic mode) and mqtt-out, accepted exactly as core accepts them:
//   connect (optional msg.broker), disconnect, subscribe / unsubscribe (msg.topic: a string, an object
//   {topic, qos, nl, rap, rh, datatype}, or an array of either; unsubscribe also takes `true` for all),
//   getSubscriptions.
// What we add: a `context` per subscription (or msg.context for all of them) that is copied to every
// message the subscription delivers as msg.mqtt.context (core #4269), and errors that name the entry.
import type { QoS, RetainHandling } from '../../codec/types';
import { topicFilterProblem } from '../../topic/validate';
import { kitError, type Translate } from './errors';
import { isDatatype, type Datatype } from './payload';
import type { NodeMessage } from './red';

export type Action = 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe' | 'getSubscriptions';
export const IN_ACTIONS: readonly Action[] = ['connect', 'disconnect', 'subscribe', 'unsubscribe', 'getSubscriptions'];
export const OUT_ACTIONS: readonly Action[] = ['connect', 'disconnect'];

/** One subscription of a node: filter, options and the output type of what it delivers. */
export interface SubscriptionSpec {
  topic: string;
  qos: QoS;
  nl: boolean;
  rap: boolean;
  rh: RetainHandling;
  datatype: Datatype;
  context?: unknown;
}

/** The action a msg asks for, or undefined for none; INVALID_ACTION for a name this node does not take. */
export function actionOf(msg: NodeMessage, allowed: readonly Action[], t: Translate): Action | undefined {
  const action = msg.action;
  if (action === undefined || action === null || action === '') return undefined;
  if (typeof action === 'string' && (allowed as readonly string[]).includes(action)) return action as Action;
  throw kitError(t, 'INVALID_ACTION', { action: String(action), allowed: allowed.join(', ') });
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

function intIn(value: unknown, max: number, fallback: number): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

/** Entries of msg.topic as a list, or INVALID_SUBSCRIPTION when it has no usable shape. */
function entries(topic: unknown, t: Translate): unknown[] {
  if (Array.isArray(topic)) return topic;
  if (typeof topic === 'string' || (typeof topic === 'object' && topic !== null)) return [topic];
  throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: JSON.stringify(topic) ?? String(topic), problem: 'msg.topic must be a string, an object or an array' });
}

function entryTopic(entry: unknown, t: Translate): string {
  const topic = typeof entry === 'string' ? entry : (entry as { topic?: unknown } | null)?.topic;
  const shown = JSON.stringify(entry) ?? String(entry);
  if (typeof topic !== 'string' || topic === '') throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: shown, problem: 'no topic' });
  const problem = topicFilterProblem(topic);
  if (problem) throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: shown, problem });
  return topic;
}

/** Defaults of a dynamic subscription: core's (QoS 2, rap true, nl false, rh 0) and the node's datatype. */
export interface SubscribeDefaults {
  qos: QoS;
  datatype: Datatype;
}

function spec(entry: unknown, defaults: SubscribeDefaults, sharedContext: unknown, t: Translate): SubscriptionSpec {
  const topic = entryTopic(entry, t);
  const o = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const shown = JSON.stringify(entry);
  const qos = intIn(o.qos, 2, defaults.qos);
  const rh = intIn(o.rh, 2, 0);
  if (qos === undefined) throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: shown, problem: 'qos must be 0, 1 or 2' });
  if (rh === undefined) throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: shown, problem: 'rh must be 0, 1 or 2' });
  if (o.datatype !== undefined && !isDatatype(o.datatype)) {
    throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: shown, problem: `datatype must be one of auto-detect, utf8, buffer, json, base64` });
  }
  const out: SubscriptionSpec = {
    topic, qos: qos as QoS, rh: rh as RetainHandling, nl: flag(o.nl, false), rap: flag(o.rap, true),
    datatype: (o.datatype as Datatype | undefined) ?? defaults.datatype,
  };
  const context = 'context' in o ? o.context : sharedContext;
  if (context !== undefined) out.context = context;
  return out;
}

/** The subscriptions a subscribe msg asks for; every entry is checked before any is used. */
export function parseSubscribe(msg: NodeMessage, defaults: SubscribeDefaults, t: Translate): SubscriptionSpec[] {
  return entries(msg.topic, t).map((e) => spec(e, defaults, msg.context, t));
}

/** The filters an unsubscribe msg names, or 'all' for msg.topic === true. */
export function parseUnsubscribe(msg: NodeMessage, t: Translate): string[] | 'all' {
  if (msg.topic === true) return 'all';
  return entries(msg.topic, t).map((e) => entryTopic(e, t));
}

/** A subscription as core lists it in msg.subscriptions / getSubscriptions (context left out: it may be big). */
export function describeSubscription(s: SubscriptionSpec): Record<string, unknown> {
  return { topic: s.topic, qos: s.qos, nl: s.nl, rap: s.rap, rh: s.rh, datatype: s.datatype };
}
