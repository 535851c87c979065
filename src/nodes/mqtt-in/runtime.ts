// mqtt-in: subscriptions on a lease -> one msg per delivered message. Static mode subscribes to the
// configured filter at start; dynamic mode takes msg.action (subscribe, unsubscribe, getSubscriptions,
// connect, disconnect) and completes each action when the broker has confirmed it.
import type { Lease } from '../../client/lease';
import type { Delivery } from '../../client/types';
import type { QoS, RetainHandling } from '../../codec/types';
import { topicFilterProblem } from '../../topic/validate';
import { actionOf, describeSubscription, IN_ACTIONS, parseSubscribe, parseUnsubscribe, type SubscriptionSpec } from '../shared/actions';
import { acquireLease } from '../shared/broker-node';
import { kitError, type Translate } from '../shared/errors';
import { isDatatype, type Datatype } from '../shared/payload';
import { toKitError } from '../shared/reasons';
import { publishToMsg } from '../shared/receive-msg';
import type { DoneFn, Node, NodeAPI, NodeMessage, SendFn } from '../shared/red';
import { StatusBinding } from '../shared/status-binding';

export interface MqttInDef {
  id: string;
  name?: string;
  broker: string;
  topic?: string;
  qos?: string | number;
  datatype?: string;
  nl?: boolean | string;
  rap?: boolean | string;
  rh?: number | string;
  inputs?: number | string;
}

interface InContext {
  node: Node;
  lease: Lease;
  status: StatusBinding;
  brokerId: string;
  t: Translate;
  /** This node's subscriptions by filter (dynamic mode; one entry in static mode). */
  subs: Map<string, SubscriptionSpec>;
}

/** The static subscription from the editor's fields, normalized once. */
export function staticSpec(def: MqttInDef): SubscriptionSpec {
  const qos = Number(def.qos ?? 2);
  const rh = Number(def.rh ?? 0);
  return {
    topic: def.topic ?? '',
    qos: (qos === 0 || qos === 1 ? qos : 2) as QoS,
    nl: def.nl === true || def.nl === 'true',
    rap: !(def.rap === false || def.rap === 'false'),
    rh: (rh === 1 || rh === 2 ? rh : 0) as RetainHandling,
    datatype: isDatatype(def.datatype) ? def.datatype : 'utf8', // core's fallback for flows saved before datatype
  };
}

function deliver(ctx: InContext, spec: SubscriptionSpec, d: Delivery): void {
  const r = publishToMsg(d.packet, { datatype: spec.datatype, subscription: d.subscription, broker: ctx.brokerId, t: ctx.t, context: spec.context });
  if (r.ok) ctx.node.send(r.msg);
  else ctx.node.error(r.error, r.msg);
}

async function subscribe(ctx: InContext, spec: SubscriptionSpec): Promise<void> {
  try {
    await ctx.lease.subscribe(spec.topic, { qos: spec.qos, noLocal: spec.nl, retainAsPublished: spec.rap, retainHandling: spec.rh },
      (d) => deliver(ctx, spec, d));
    ctx.subs.set(spec.topic, spec);
  } catch (err) {
    ctx.subs.delete(spec.topic);
    throw toKitError(err, ctx.t, 'SUBSCRIBE_REFUSED');
  }
}

function listSubscriptions(ctx: InContext): Array<Record<string, unknown>> {
  return [...ctx.subs.values()].map(describeSubscription);
}

async function runAction(ctx: InContext, msg: NodeMessage, send: SendFn, datatype: Datatype): Promise<void> {
  const action = actionOf(msg, IN_ACTIONS, ctx.t);
  switch (action) {
    case undefined:
      throw kitError(ctx.t, 'INVALID_ACTION', { action: '', allowed: IN_ACTIONS.join(', ') });
    case 'connect':
      return ctx.lease.connect(msg.broker as Parameters<Lease['connect']>[0]);
    case 'disconnect':
      return ctx.lease.disconnect();
    case 'subscribe': {
      const specs = parseSubscribe(msg, { qos: 2, datatype }, ctx.t); // every entry checked before any is used
      const results = await Promise.allSettled(specs.map((s) => subscribe(ctx, s)));
      msg.subscriptions = listSubscriptions(ctx);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return;
    }
    case 'unsubscribe': {
      const which = parseUnsubscribe(msg, ctx.t);
      const filters = which === 'all' ? [...ctx.subs.keys()] : which;
      await Promise.all(filters.map((f) => ctx.lease.unsubscribe(f).then(() => ctx.subs.delete(f))));
      msg.subscriptions = listSubscriptions(ctx);
      return;
    }
    case 'getSubscriptions':
      // The triggering msg goes on with its other properties (core #4269 builds a new one).
      msg.topic = 'subscriptions';
      msg.payload = listSubscriptions(ctx);
      send(msg);
  }
}

function startStatic(ctx: InContext, spec: SubscriptionSpec): void {
  const problem = topicFilterProblem(spec.topic);
  if (problem) {
    const err = kitError(ctx.t, 'INVALID_SUBSCRIPTION', { entry: JSON.stringify(spec.topic), problem });
    ctx.status.setProblem(err.message);
    ctx.node.error(err);
    return;
  }
  subscribe(ctx, spec).catch((err: Error) => {
    ctx.status.setProblem(err.message);
    ctx.node.error(err);
  });
}

export function registerMqttIn(RED: NodeAPI): void {
  const t: Translate = (key, subs) => RED._(key, subs);

  RED.nodes.registerType('mqtt-in', function (this: Node, def: MqttInDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const dynamic = Number(def.inputs) === 1;
    const got = acquireLease(RED, node, def.broker, t);
    if (!got.ok) {
      node.status({ fill: 'red', shape: 'ring', text: got.error.message });
      if (dynamic) node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(got.error));
      else node.error(got.error);
      return;
    }
    const ctx: InContext = { node, lease: got.lease, status: new StatusBinding(node, got.lease, t), brokerId: def.broker, t, subs: new Map() };
    // A subscription the broker refused when it was renewed after a reconnect.
    got.lease.on('subscribeFailed', ({ filter, error }) => {
      ctx.subs.delete(filter);
      const err = toKitError(error, t, 'SUBSCRIBE_REFUSED');
      if (!dynamic) ctx.status.setProblem(err.message);
      node.error(err);
    });
    const spec = staticSpec(def);
    if (dynamic) {
      node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
        runAction(ctx, msg, send, spec.datatype).then(() => done(), (err: unknown) => done(toKitError(err, t)));
      });
    } else {
      startStatic(ctx, spec);
    }
    node.on('close', (removed: boolean, done: () => void) => {
      ctx.status.dispose();
      got.lease.release({ removed }).then(done, done);
    });
  });
}
