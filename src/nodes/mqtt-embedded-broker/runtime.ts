// mqtt-embedded-broker: an MQTT 3.1/3.1.1/5.0 broker inside Node-RED. The constructor reads the saved
// settings and starts an EmbeddedBrokerInstance; input publishes or runs an action; close stops it before
// the next deploy starts a new one (so its ports are free). Config nodes in this runtime reach it as
// memory://<node id> without a socket.
import type { MqttKitError, Translate } from '../shared/errors';
import type { DoneFn, Node, NodeAPI, NodeMessage, SendFn } from '../shared/red';
import { runAction } from './actions';
import { brokerSettings, type EmbeddedBrokerDef } from './config';
import { EmbeddedBrokerInstance } from './instance';
import { registerHashEndpoint } from './users';

export function registerEmbeddedBroker(RED: NodeAPI): void {
  const t: Translate = (key, subs) => RED._(key, subs);
  registerHashEndpoint(RED);

  RED.nodes.registerType('mqtt-embedded-broker', function (this: Node, def: EmbeddedBrokerDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    let instance: EmbeddedBrokerInstance | undefined;
    try {
      const settings = brokerSettings(def);
      instance = new EmbeddedBrokerInstance({ RED, node, settings, publishOutput: (def.wires?.[1]?.length ?? 0) > 0, t });
    } catch (err) {
      node.error(t('mqtt-embedded-broker.errors.config', { detail: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: t('mqtt-embedded-broker.status.config') });
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const running = instance;
      if (!running) {
        done(new Error(t('mqtt-embedded-broker.errors.not-running')));
        return;
      }
      // Messages that arrive while the broker restores its state wait for it.
      running.ready.then(() => {
        if (!running.broker) throw new Error(t('mqtt-embedded-broker.errors.not-running'));
        return runAction(running.broker, msg, t);
      }).then((reply) => {
        if (reply) send([reply, null]);
        done();
      }, (err: MqttKitError) => done(err));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (!instance) {
        done();
        return;
      }
      instance.close().then(done, (err: Error) => {
        node.warn(err.message);
        done();
      });
    });
  }, { credentials: { users: { type: 'text' } } });
}
