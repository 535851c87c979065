// mqtt-rpc: request/response over MQTT in one node type with three modes. `request` sends msg as a request
// and outputs the reply; `respond` serves a request topic and outputs each request with its route;
// `reply` sends msg back along that route (an error reply when msg.error is set). The engines are in
// src/rpc; this file maps msg to them, sets status from the shared status table and releases the lease.
import type { Lease } from '../../client/lease';
import { acquireLease } from '../shared/broker-node';
import type { Translate } from '../shared/errors';
import type { DoneFn, Node, NodeAPI, NodeMessage } from '../shared/red';
import { StatusBinding } from '../shared/status-binding';
import { rpcConfig, type MqttRpcDef, type RpcConfig } from './config';
import { InflightStatus } from './inflight-status';
import { onReplyInput } from './reply-node';
import { createRequester, onRequestInput } from './requester-node';
import { startResponder, stopResponder } from './responder-node';

type Closer = () => void;

function startRequest(node: Node, lease: Lease, cfg: RpcConfig, t: Translate): Closer {
  const shown = new InflightStatus(node, t);
  const status = new StatusBinding(shown.sink, lease, t);
  const requester = createRequester({ node, lease, cfg, t });
  requester.on('inflight', (count) => shown.setCount(count));
  node.on('input', onRequestInput({ node, lease, cfg, t }, requester));
  return () => {
    requester.close();
    status.dispose();
    shown.dispose();
  };
}

function startRespond(node: Node, lease: Lease, cfg: RpcConfig, t: Translate): Closer {
  const status = new StatusBinding(node, lease, t);
  const entry = startResponder({ node, lease, cfg, status, t });
  return () => {
    stopResponder(node, entry);
    status.dispose();
  };
}

function startReply(node: Node, lease: Lease | undefined, t: Translate): Closer {
  const status = lease ? new StatusBinding(node, lease, t) : undefined;
  node.on('input', onReplyInput({ node, lease, t }));
  return () => status?.dispose();
}

export function registerMqttRpc(RED: NodeAPI): void {
  const t: Translate = (key, subs) => RED._(key, subs);

  RED.nodes.registerType('mqtt-rpc', function (this: Node, def: MqttRpcDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const cfg = rpcConfig(def);
    let lease: Lease | undefined;
    // A reply node needs no broker of its own: it answers through the responder's connection.
    if (cfg.broker || cfg.mode !== 'reply') {
      const got = acquireLease(RED, node, cfg.broker, t);
      if (!got.ok) {
        node.status({ fill: 'red', shape: 'ring', text: got.error.message });
        if (cfg.mode === 'respond') node.error(got.error);
        else node.on('input', (_msg: NodeMessage, _send: unknown, done: DoneFn) => done(got.error));
        return;
      }
      lease = got.lease;
    }
    const close =
      cfg.mode === 'request' ? startRequest(node, lease!, cfg, t)
        : cfg.mode === 'respond' ? startRespond(node, lease!, cfg, t)
          : startReply(node, lease, t);
    node.on('close', (removed: boolean, done: () => void) => {
      close();
      if (!lease) return done();
      lease.release({ removed }).then(done, done);
    });
  });
}
