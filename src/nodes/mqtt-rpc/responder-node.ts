// mqtt-rpc in responder mode: serves a request topic. Every request leaves output 1 as a msg with
// msg.responseTopic, msg.correlationData and msg.replyTo (the route); an mqtt-rpc node in reply mode (or an
// mqtt-out with no topic, for MQTT 5) sends the answer.
import type { Lease } from '../../client/lease';
import { Responder, type IncomingRequest } from '../../rpc';
import { topicFilterProblem } from '../../topic/validate';
import { kitError, type Translate } from '../shared/errors';
import { toKitError } from '../shared/reasons';
import type { Node } from '../shared/red';
import type { StatusBinding } from '../shared/status-binding';
import type { RpcConfig } from './config';
import { requestToMsg } from './msg';
import { registerResponder, unregisterResponder, type ResponderEntry } from './registry';

export interface ResponderContext {
  node: Node;
  lease: Lease;
  cfg: RpcConfig;
  status: StatusBinding;
  t: Translate;
}

/** Starts serving; returns what close() must undo. */
export function startResponder(ctx: ResponderContext): ResponderEntry | undefined {
  const { node, cfg, t } = ctx;
  const problem = cfg.topic ? topicFilterProblem(cfg.topic) : 'empty';
  if (problem) {
    const err = kitError(t, 'INVALID_SUBSCRIPTION', { entry: JSON.stringify(cfg.topic), problem });
    ctx.status.setProblem(err.message);
    node.error(err);
    return undefined;
  }
  const emit = (r: IncomingRequest): void => {
    const { msg, error } = requestToMsg(r, { node: node.id, broker: cfg.broker, datatype: cfg.datatype, t });
    if (error) node.error(error, msg);
    else node.send(msg);
  };
  const responder = new Responder(ctx.lease, { topic: cfg.topic, qos: cfg.qos, onRequest: emit });
  const entry: ResponderEntry = { lease: ctx.lease, responder };
  registerResponder(node.id, entry);
  const refused = (err: unknown): void => {
    const e = toKitError(err, t, 'SUBSCRIBE_REFUSED');
    ctx.status.setProblem(e.message);
    node.error(e);
  };
  responder.start().catch(refused);
  ctx.lease.on('subscribeFailed', ({ filter, error }) => {
    if (filter === cfg.topic) refused(error);
  });
  return entry;
}

export function stopResponder(node: Node, entry: ResponderEntry | undefined): void {
  if (!entry) return;
  entry.responder.close();
  unregisterResponder(node.id, entry);
}
