// What mqtt-out tells the flow: done() when the message is complete for its QoS, done(err) with a coded,
// catchable error otherwise. Nothing is dropped silently (core: P1, Q1).
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerMessage } from '../../src/broker';
import {
  brokerConfig, catchAll, completeOf, flowSuite, helper, mqttKit, mqttOut, nextEvent, nextInput, sink, startBroker, statusOf, TAB,
} from './flow-helpers';
import { freePort } from '../free-port';

// The pool keeps a memory-store queue per config id across redeploys (as it should): a fresh id per test
// keeps one test's queued messages out of the next.
let configs = 0;

function flow(port: number, cfg: Record<string, unknown> = {}, out: Record<string, unknown> = {}) {
  const id = `cfg${++configs}`;
  return [
    TAB, brokerConfig(id, port, cfg), mqttOut('out', id, out),
    completeOf('done', ['out'], ['ok']), sink('ok'),
    catchAll('catch', ['err']), sink('err'),
  ];
}

describe('nodes: mqtt-out outcomes', function () {
  const b = flowSuite({
    broker: { options: { maxPacketSize: 2048 }, hooks: { authorizePublish: (_c, m) => !m.topic.startsWith('deny/') } },
  }).broker;
  const received: BrokerMessage[] = [];

  before(() => {
    b.broker.on('publish', (m) => received.push(m));
  });

  async function connected(): Promise<void> {
    await statusOf(helper.getNode('out'), (s) => s.fill === 'green');
  }

  for (const qos of [0, 1, 2] as const) {
    it(`QoS ${qos}: done() after the broker has the message`, async () => {
      await helper.load(mqttKit(), flow(b.port));
      await connected();
      const routed = nextEvent(b.broker, 'publish', 'the broker to route it', (m: BrokerMessage) => m.topic === `done/q${qos}`);
      const order: string[] = [];
      void routed.then(() => order.push('broker'));
      const ok = nextInput(helper.getNode('ok')).then((m) => (order.push('done'), m));
      helper.getNode('out').receive({ topic: `done/q${qos}`, payload: 'x', qos });
      const msg = await ok;
      await routed;
      assert.equal(msg.topic, `done/q${qos}`);
      // QoS 1/2 complete only after the broker's acknowledgement, so the broker has routed it by then.
      if (qos > 0) assert.deepEqual(order, ['broker', 'done']);
    });
  }

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['no payload property', { topic: 't' }, 'MISSING_PAYLOAD'],
    ['no topic anywhere', { payload: 1 }, 'MISSING_TOPIC'],
    ['a wildcard in the topic [MQTT-3.3.2-2]', { topic: 'a/+', payload: 1 }, 'INVALID_TOPIC'],
    ['QoS 3', { topic: 't', payload: 1, qos: 3 }, 'INVALID_QOS'],
    ['user properties that are not an object', { topic: 't', payload: 1, userProperties: 'x' }, 'INVALID_PROPERTY'],
    ['an unknown msg.action', { action: 'subscribe', topic: 't' }, 'INVALID_ACTION'],
  ];
  for (const [what, msg, code] of invalid) {
    it(`${what}: Catch gets ${code} and nothing is published`, async () => {
      await helper.load(mqttKit(), flow(b.port));
      await connected();
      const before = received.length;
      const err = nextInput(helper.getNode('err'));
      helper.getNode('out').receive(msg);
      const e = await err;
      assert.equal(e.error.code, code);
      assert.equal(e.error.source.id, 'out');
      assert.equal(received.length, before);
    });
  }

  it('a v5 PUBACK refusal (0x87 not authorised) is PUBLISH_REFUSED', async () => {
    await helper.load(mqttKit(), flow(b.port));
    await connected();
    const err = nextInput(helper.getNode('err'));
    helper.getNode('out').receive({ topic: 'deny/x', payload: 'no', qos: 1 });
    assert.equal((await err).error.code, 'PUBLISH_REFUSED');
  });

  it('[v5 MQTT-3.2.2-15] a message over the broker\'s Maximum Packet Size is PACKET_TOO_LARGE', async () => {
    await helper.load(mqttKit(), flow(b.port));
    await connected();
    const err = nextInput(helper.getNode('err'));
    helper.getNode('out').receive({ topic: 'big', payload: Buffer.alloc(4096), qos: 1 });
    assert.equal((await err).error.code, 'PACKET_TOO_LARGE');
  });

  it('while disconnected, a full offline queue is QUEUE_FULL and the status counts what waits', async () => {
    const port = await freePort(); // nothing listens there
    await helper.load(mqttKit(), flow(port, { queueMaxMessages: 2 }));
    const out = helper.getNode('out');
    const err = nextInput(helper.getNode('err'));
    for (let i = 0; i < 3; i++) out.receive({ topic: 'q', payload: i, qos: 1 });
    const e = await err;
    assert.equal(e.error.code, 'QUEUE_FULL');
    assert.equal(e.payload, 2);
    const s = await statusOf(out, (st) => /mqtt-kit\.status\.queued/.test(st.text ?? ''));
    assert.equal(s.fill, 'red');
  });

  it('QoS 0 with the "drop" policy while disconnected is OFFLINE_DROPPED', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), flow(port, { qos0Offline: 'drop' }));
    const err = nextInput(helper.getNode('err'));
    helper.getNode('out').receive({ topic: 'q', payload: 'x', qos: 0 });
    assert.equal((await err).error.code, 'OFFLINE_DROPPED');
  });

  it('messages published before the broker is up wait and go out in order once it is (core P1)', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), flow(port));
    const out = helper.getNode('out');
    const dones = new Promise<any[]>((resolve) => {
      const got: any[] = [];
      helper.getNode('ok').on('input', (m: any) => got.push(m) === 3 && resolve(got));
    });
    for (let i = 1; i <= 3; i++) out.receive({ topic: 'late/x', payload: i, qos: 1 });
    await statusOf(out, (s) => /mqtt-kit\.status\.queued/.test(s.text ?? ''));
    const late = await startBroker({}, {}, port);
    try {
      const routed: number[] = [];
      late.broker.on('publish', (m) => routed.push(Number(m.payload.toString())));
      const msgs = await dones;
      assert.deepEqual(msgs.map((m) => m.payload), [1, 2, 3]);
      assert.deepEqual(routed, [1, 2, 3]);
    } finally {
      await helper.unload();
      await late.close();
    }
  });

  it('msg.action disconnect and connect control the shared connection; publishes wait meanwhile', async () => {
    await helper.load(mqttKit(), flow(b.port, { autoConnect: false }));
    const out = helper.getNode('out');
    await statusOf(out, (s) => s.fill === 'grey' && s.text === 'mqtt-kit.status.idle');
    out.receive({ topic: 'ctl/x', payload: 'queued', qos: 1 });
    const ok = nextInput(helper.getNode('ok'), (m) => m.topic === 'ctl/x');
    out.receive({ action: 'connect' });
    await statusOf(out, (s) => s.fill === 'green');
    await ok;
    out.receive({ action: 'disconnect' });
    await statusOf(out, (s) => s.fill === 'red' && /disconnected/.test(s.text ?? ''));
  });
});

describe('nodes: mqtt-out when the session store cannot write', function () {
  const suite = flowSuite({ userDir: 'mqtt-kit-store-' });

  before(() => {
    writeFileSync(join(suite.userDir, 'mqtt-kit'), 'a file where the store directory should be'); // every write fails
  });

  it('a QoS 1 message the file store cannot write is STORE_FAILED (not sent), and the status shows the store error', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), flow(port, { store: 'file' }));
    const out = helper.getNode('out');
    const err = nextInput(helper.getNode('err'));
    out.receive({ topic: 'kept/x', payload: 'x', qos: 1 });
    const e = await err;
    assert.equal(e.error.code, 'STORE_FAILED');
    assert.equal(e.error.source.id, 'out');
    await statusOf(out, (s) => /mqtt-kit\.reason\.store/.test(s.text ?? ''));
  });
});
