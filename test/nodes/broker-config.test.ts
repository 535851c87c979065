// mqtt-broker-config at runtime: credentials with ${ENV} references, refusal to connect with an unset one,
// birth / close / will messages, CONNECT user properties, the file store in the user directory, and a
// persistent session that keeps receiving across a restart of the flows.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerMessage, Credentials } from '../../src/broker';
import {
  brokerConfig, catchAll, clientCount, flowSuite, helper, mqttIn, mqttKit, mqttOut, nextEvent, nextInput, sink, statusOf, TAB,
} from './flow-helpers';

let configs = 0;

describe('nodes: mqtt-broker-config', function () {
  let lastCredentials: Credentials | undefined;
  const b = flowSuite({
    broker: {
      hooks: {
        authenticate: (_c, cred) => {
          lastCredentials = cred;
          return cred.username === undefined || (cred.username.startsWith('alice') && cred.password?.toString() === 's3cret');
        },
      },
    },
  }).broker;
  after(() => {
    delete process.env.MQTT_KIT_TEST_USER;
    delete process.env.MQTT_KIT_TEST_PASS;
  });

  it('uses ${ENV} references in credentials, whole or inside text', async () => {
    process.env.MQTT_KIT_TEST_USER = 'alice';
    process.env.MQTT_KIT_TEST_PASS = 's3cret';
    const cfg = `cfg${++configs}`;
    await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port), mqttOut('out', cfg)],
      { [cfg]: { user: '${MQTT_KIT_TEST_USER}-${MQTT_KIT_TEST_USER}', password: '${MQTT_KIT_TEST_PASS}' } });
    await statusOf(helper.getNode('out'), (s) => s.fill === 'green');
    assert.equal(lastCredentials?.username, 'alice-alice');
  });

  it('an unset ${ENV} stops the connection with INVALID_BROKER instead of sending the literal', async () => {
    const cfg = `cfg${++configs}`;
    await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port), mqttOut('out', cfg), catchAll('c', ['err']), sink('err')],
      { [cfg]: { user: 'alice', password: '${MQTT_KIT_TEST_NOT_SET}' } });
    const s = await statusOf(helper.getNode('out'), (st) => st.fill === 'red');
    assert.equal(s.text, 'mqtt-kit.errors.invalid-broker');
    const err = nextInput(helper.getNode('err'));
    helper.getNode('out').receive({ topic: 't', payload: 1 });
    assert.equal((await err).error.code, 'INVALID_BROKER');
    assert.equal(b.broker.clients().length, 0);
  });

  it('[v5 MQTT-3.1.2-7] [v5 MQTT-3.1.2-8] publishes the birth message on connect, the close message before a disconnect, and registers the will', async () => {
    const cfg = `cfg${++configs}`;
    const seen: BrokerMessage[] = [];
    const onPublish = (m: BrokerMessage) => seen.push(m);
    b.broker.on('publish', onPublish);
    try {
      const birth = nextEvent(b.broker, 'publish', 'the birth message', (m: BrokerMessage) => m.topic === 'nr/birth');
      await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port, {
        birthTopic: 'nr/birth', birthPayload: 'online', birthQos: '1', birthRetain: 'true', birthMsg: { contentType: 'text/plain' },
        closeTopic: 'nr/close', closePayload: 'bye',
        willTopic: 'nr/will', willPayload: 'lost', willQos: '1', willMsg: { userProps: '{"why":"gone"}' },
      }), mqttOut('out', cfg)]);
      const m = await birth;
      assert.equal(m.payload.toString(), 'online');
      assert.equal(m.retain, true);
      assert.equal(m.properties?.contentType, 'text/plain');
      const closeMsg = nextEvent(b.broker, 'publish', 'the close message', (x: BrokerMessage) => x.topic === 'nr/close');
      helper.getNode('out').receive({ action: 'disconnect' });
      assert.equal((await closeMsg).payload.toString(), 'bye');
      await clientCount(b, 0);
      await statusOf(helper.getNode('out'), (s) => s.fill === 'red');
      // The will: connect again and have the broker drop the connection.
      helper.getNode('out').receive({ action: 'connect' });
      await statusOf(helper.getNode('out'), (s) => s.fill === 'green');
      await clientCount(b, 1);
      const will = nextEvent(b.broker, 'publish', 'the will', (x: BrokerMessage) => x.topic === 'nr/will');
      b.broker.disconnectClient(b.broker.clients()[0]!.clientId);
      const w = await will;
      assert.equal(w.payload.toString(), 'lost');
      assert.deepEqual(w.properties?.userProperties, [['why', 'gone']]);
    } finally {
      b.broker.off('publish', onPublish);
      await b.broker.publish({ topic: 'nr/birth', payload: '', retain: true });
    }
  });

  it('sends the CONNECT user properties of the config', async () => {
    const cfg = `cfg${++configs}`;
    await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port, { userProps: '{"site":"north","line":"7"}' }), mqttOut('out', cfg)]);
    await statusOf(helper.getNode('out'), (s) => s.fill === 'green');
    assert.deepEqual(lastCredentials?.userProperties, [['site', 'north'], ['line', '7']]);
  });

  it('keeps a file store under <userDir>/mqtt-kit/<config id>', async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'mqtt-kit-userdir-'));
    const cfg = `cfg${++configs}`;
    try {
      helper.settings({ userDir });
      await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port, { store: 'file', clientid: 'file-store-client' }), mqttOut('out', cfg), catchAll('c', ['e']), sink('e')]);
      await statusOf(helper.getNode('out'), (s) => s.fill === 'green');
      const routed = nextEvent(b.broker, 'publish', 'the message', (m: BrokerMessage) => m.topic === 'fs/x');
      helper.getNode('out').receive({ topic: 'fs/x', payload: 'kept on disk first', qos: 1 });
      await routed;
      const dir = join(userDir, 'mqtt-kit', cfg);
      assert.ok(existsSync(dir), `${dir} exists`);
      assert.ok(readdirSync(dir).length > 0, 'the store wrote its file');
    } finally {
      await helper.unload();
      helper.settings({});
      rmSync(userDir, { recursive: true, force: true });
    }
  });

  it('[v5 MQTT-3.1.2-5] a persistent session keeps receiving while the flows are stopped (redeploys never unsubscribe)', async () => {
    const cfg = `cfg${++configs}`;
    const flow = [TAB, brokerConfig(cfg, b.port, { clientid: 'persistent-node', cleansession: false, sessionExpiry: 3600 }), mqttIn('in', cfg, 'ps/#', ['s'], { qos: '1' }), sink('s')];
    await helper.load(mqttKit(), flow);
    await b.subscribed('ps/#');
    await helper.unload();
    await clientCount(b, 0);
    await b.broker.publish({ topic: 'ps/while-away', payload: 'queued by the broker', qos: 1 });
    await helper.load(mqttKit(), flow);
    const msg = await nextInput(helper.getNode('s'), (m) => m.topic === 'ps/while-away');
    assert.equal(msg.payload, 'queued by the broker');
  });
});
