// mqtt-rpc in reply mode: sends msg back to the requester of the request it answers. The route is
// msg.replyTo (from an mqtt-rpc responder), or msg.responseTopic + msg.correlationData (an MQTT 5 request
// received by mqtt-in) when this node has a broker. A msg with msg.error (a Catch node wired here) becomes
// an error reply.
import type { Lease } from '../../client/lease';
import { errorReplyTo, replyTo as sendReply, type ReplyResult, type ReplyRoute } from '../../rpc';
import { topicNameProblem } from '../../topic/validate';
import type { Translate } from '../shared/errors';
import { payloadBytes } from '../shared/payload';
import { parseQos } from '../shared/publish-msg';
import type { DoneFn, Node, NodeMessage } from '../shared/red';
import { RpcNodeError } from './errors';
import { errorOf, replyMeta, replyToOf, routeOf, type ReplyToOnMsg } from './msg';
import { responderFor } from './registry';
import { asNodeError } from './requester-node';

export interface ReplyContext {
  node: Node;
  /** This node's own connection, if it has a broker configured. */
  lease: Lease | undefined;
  t: Translate;
}

export function onReplyInput(ctx: ReplyContext) {
  return (msg: NodeMessage, _send: unknown, done: DoneFn): void => {
    answer(ctx, msg).then((r) => {
      if (!r.sent) ctx.node.warn(ctx.t('mqtt-rpc.warn.expired', { topic: String((msg.replyTo as ReplyToOnMsg | undefined)?.responseTopic ?? msg.responseTopic) }));
      done();
    }, (err: unknown) => done(asNodeError(err, ctx.t)));
  };
}

async function answer(ctx: ReplyContext, msg: NodeMessage): Promise<ReplyResult> {
  const replyTo = replyToOf(msg);
  const { route, via } = replyTo ? fromResponder(ctx, replyTo) : fromMsg(ctx, msg);
  const entry = replyTo ? responderFor(replyTo.responder) : undefined;
  if (msg.error !== undefined && msg.error !== null && msg.error !== false) {
    const error = errorOf(msg.error);
    return entry?.lease === via ? entry.responder.replyError(route, error) : errorReplyTo(via, route, error);
  }
  const reply = { payload: payloadBytes(msg.payload), ...replyMeta(msg, replyTo) };
  return entry?.lease === via ? entry.responder.reply(route, reply) : sendReply(via, route, reply);
}

/** Through the responder's own connection while it runs; otherwise this node's, if it has one. */
function fromResponder(ctx: ReplyContext, replyTo: ReplyToOnMsg): { route: ReplyRoute; via: Lease } {
  const via = responderFor(replyTo.responder)?.lease ?? ctx.lease;
  if (!via) throw new RpcNodeError('RPC_NO_ROUTE', ctx.t('mqtt-rpc.errors.responder-gone'));
  return { route: routeOf(replyTo), via };
}

/** A request received by mqtt-in (MQTT 5): msg.responseTopic and msg.correlationData. */
function fromMsg(ctx: ReplyContext, msg: NodeMessage): { route: ReplyRoute; via: Lease } {
  const topic = msg.responseTopic;
  if (typeof topic !== 'string' || topic === '' || topicNameProblem(topic)) throw new RpcNodeError('RPC_NO_ROUTE', ctx.t('mqtt-rpc.errors.no-route'));
  if (!ctx.lease) throw new RpcNodeError('RPC_NO_ROUTE', ctx.t('mqtt-rpc.errors.no-broker'));
  const qos = parseQos(msg.qos);
  const route: ReplyRoute = { responseTopic: topic, protocol: 'v5', qos: qos === 'invalid' || qos === undefined ? 1 : qos };
  const c = msg.correlationData;
  if (Buffer.isBuffer(c)) route.correlationData = c;
  else if (typeof c === 'string' && c) route.correlationData = Buffer.from(c, 'utf8');
  return { route, via: ctx.lease };
}
