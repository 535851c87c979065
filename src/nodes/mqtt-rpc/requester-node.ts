// mqtt-rpc in requester mode: msg -> request -> the reply laid over the same msg on output 1. A failed
// request goes to done(err) (Catch) or to output 2, with msg.rpc = { timedOut, delivered, errorCode, error }.
import type { Lease } from '../../client/lease';
import { ReplyRouteError, Requester, RpcError, type Reply } from '../../rpc';
import { actionOf, OUT_ACTIONS } from '../shared/actions';
import type { Translate } from '../shared/errors';
import { toKitError } from '../shared/reasons';
import type { DoneFn, Node, NodeMessage, SendFn } from '../shared/red';
import type { RpcConfig } from './config';
import { describeFailure, failureInfo, RpcNodeError } from './errors';
import { applyReply, requestOf } from './msg';

export interface RequesterContext {
  node: Node;
  lease: Lease;
  cfg: RpcConfig;
  t: Translate;
}

export function createRequester(ctx: RequesterContext): Requester {
  const { cfg } = ctx;
  return new Requester(ctx.lease, {
    id: ctx.node.id,
    ...(cfg.responseTopic ? { responseTopic: cfg.responseTopic } : {}),
    protocol: cfg.protocol,
    replyQos: cfg.qos,
    maxInFlight: cfg.maxInFlight,
    noResponder: cfg.noResponder,
  });
}

/** The input handler of a requester node. */
export function onRequestInput(ctx: RequesterContext, requester: Requester) {
  return (msg: NodeMessage, send: SendFn, done: DoneFn): void => {
    handle(ctx, requester, msg, send).then(() => done(), (err: unknown) => done(asNodeError(err, ctx.t)));
  };
}

async function handle(ctx: RequesterContext, requester: Requester, msg: NodeMessage, send: SendFn): Promise<void> {
  if (msg.action === 'stats') {
    msg.payload = { ...requester.stats, inFlight: requester.inFlight, responseTopic: requester.responseTopic ?? null };
    send([msg, null]);
    return;
  }
  const action = actionOf(msg, OUT_ACTIONS, ctx.t);
  if (action === 'connect') return ctx.lease.connect(msg.broker as Parameters<Lease['connect']>[0]);
  if (action === 'disconnect') return ctx.lease.disconnect();
  const input = requestOf(msg, ctx.cfg, ctx.t);
  if (ctx.cfg.expect === 'none') {
    try {
      await requester.send(input);
    } catch (err) {
      return failed(ctx, msg, send, err, input.timeoutMs / 1000);
    }
    msg.rpc = { timedOut: false, delivered: true };
    send([msg, null]);
    return;
  }
  let reply: Reply;
  try {
    reply = await requester.request(input);
  } catch (err) {
    return failed(ctx, msg, send, err, input.timeoutMs / 1000);
  }
  const payloadError = applyReply(msg, reply, ctx.cfg.datatype, ctx.t);
  msg.rpc = { rtt: Math.round(reply.rttMs * 1000) / 1000, requestTopic: reply.requestTopic, timedOut: false, delivered: true };
  if (payloadError) throw payloadError;
  send([msg, null]);
}

/** A request that ended without a reply: msg.rpc says how; then output 2 or done(err). */
function failed(ctx: RequesterContext, msg: NodeMessage, send: SendFn, err: unknown, timeoutS: number): void {
  if (!(err instanceof RpcError)) throw err;
  const topic = String(ctx.cfg.topic || msg.topic);
  const text = describeFailure(err, { topic, timeoutS }, ctx.t);
  if (err.reply) applyReply(msg, err.reply, ctx.cfg.datatype, ctx.t); // the error reply's payload and properties
  msg.rpc = failureInfo(err, text);
  if (ctx.cfg.failures === 'output') {
    send([null, msg]);
    return;
  }
  throw new RpcNodeError(err.code, text, { cause: err });
}

/** Our errors as they are; client-layer errors (connect/disconnect actions) as coded MqttKitErrors. */
export function asNodeError(err: unknown, t: Translate): Error {
  return err instanceof RpcNodeError || err instanceof ReplyRouteError ? err : toKitError(err, t);
}
