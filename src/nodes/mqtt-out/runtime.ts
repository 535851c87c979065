// mqtt-out: msg -> lease.publish, done() when the message is complete for its QoS (written, PUBACK,
// PUBCOMP), done(err) with a coded, catchable error for everything else. msg.action connect/disconnect
// go to the shared connection.
import type { Lease } from '../../client/lease';
import { actionOf, OUT_ACTIONS } from '../shared/actions';
import { acquireLease } from '../shared/broker-node';
import { kitError, type Translate } from '../shared/errors';
import { msgToPublish, parseQos, parseRetain, type PublishDefaults } from '../shared/publish-msg';
import { toKitError } from '../shared/reasons';
import type { DoneFn, Node, NodeAPI, NodeMessage } from '../shared/red';
import { StatusBinding } from '../shared/status-binding';
import { parseUserPropsJson } from '../shared/user-properties';

export interface MqttOutDef {
  id: string;
  name?: string;
  broker: string;
  topic?: string;
  qos?: string | number;
  retain?: string | boolean;
  respTopic?: string;
  correl?: string;
  contentType?: string;
  expiry?: string | number;
  userProps?: string;
}

/** The editor's values, normalized once: blank means "from the msg". */
export function publishDefaults(def: MqttOutDef): PublishDefaults {
  const qos = parseQos(def.qos);
  const expiry = def.expiry === undefined || def.expiry === '' ? undefined : Number(def.expiry);
  return {
    topic: def.topic?.trim() || undefined,
    qos: qos === 'invalid' ? undefined : qos,
    retain: parseRetain(def.retain),
    responseTopic: def.respTopic?.trim() || undefined,
    correlationData: def.correl ? Buffer.from(def.correl, 'utf8') : undefined,
    contentType: def.contentType?.trim() || undefined,
    messageExpiryInterval: Number.isInteger(expiry) ? expiry : undefined,
    userProperties: parseUserPropsJson(def.userProps, 'userProps'),
  };
}

async function handle(lease: Lease, msg: NodeMessage, defaults: PublishDefaults, t: Translate): Promise<void> {
  const action = actionOf(msg, OUT_ACTIONS, t);
  if (action === 'connect') return lease.connect(msg.broker as Parameters<Lease['connect']>[0]);
  if (action === 'disconnect') return lease.disconnect();
  const result = await lease.publish(msgToPublish(msg, defaults, { v5: lease.protocolVersion === 5, t }));
  // QoS 0 while offline with the "drop" policy: the client resolves; for the flow it is a failure.
  if (result.dropped) throw kitError(t, 'OFFLINE_DROPPED');
}

export function registerMqttOut(RED: NodeAPI): void {
  const t: Translate = (key, subs) => RED._(key, subs);

  RED.nodes.registerType('mqtt-out', function (this: Node, def: MqttOutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    let defaults: PublishDefaults;
    try {
      defaults = publishDefaults(def);
    } catch (err) {
      node.status({ fill: 'red', shape: 'dot', text: (err as Error).message });
      node.on('input', (_msg: NodeMessage, _send: unknown, done: DoneFn) => done(err as Error));
      return;
    }
    const got = acquireLease(RED, node, def.broker, t);
    if (!got.ok) {
      node.status({ fill: 'red', shape: 'ring', text: got.error.message });
      node.on('input', (_msg: NodeMessage, _send: unknown, done: DoneFn) => done(got.error));
      return;
    }
    const lease = got.lease;
    const status = new StatusBinding(node, lease, t);
    node.on('input', (msg: NodeMessage, _send: unknown, done: DoneFn) => {
      handle(lease, msg, defaults, t).then(() => done(), (err: unknown) => done(toKitError(err, t)));
    });
    node.on('close', (removed: boolean, done: () => void) => {
      status.dispose();
      lease.release({ removed }).then(done, done);
    });
  });
}
