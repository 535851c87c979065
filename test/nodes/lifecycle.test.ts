// Connection sharing and lifecycle: one connection per config node, redeploys keep it and its
// subscriptions, removing the last node disconnects, overlapping subscriptions deliver once per node,
// and every node shows the same status from the one status table.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import {
  brokerConfig, clientCount, completeOf, flowSuite, helper, mqttIn, mqttKit, mqttOut, nextInput, sink, startBroker, statusOf, TAB,
  type FlowNode,
} from './flow-helpers';

let configs = 0;

describe('nodes: connection lifecycle', function () {
  const b = flowSuite({ broker: {} }).broker;
  let connects = 0;
  let unsubscribes = 0;

  before(() => {
    b.broker.on('clientConnect', () => connects++);
    b.broker.on('unsubscribe', () => unsubscribes++);
  });

  /** Publishes `marker` after `topic` and resolves once `node` got the marker: anything sent before it has arrived. */
  async function drained(node: string, markerTopic: string): Promise<void> {
    const seen = nextInput(helper.getNode(node), (m) => m.topic === markerTopic);
    await b.broker.publish({ topic: markerTopic, payload: 'marker', qos: 1 });
    await seen;
  }

  it('nodes on one config share one connection and show the same status', async () => {
    const cfg = `cfg${++configs}`;
    await helper.load(mqttKit(), [TAB, brokerConfig(cfg, b.port), mqttIn('in1', cfg, 'a/#', ['s']), mqttIn('in2', cfg, 'b/#', ['s']), mqttOut('out', cfg), sink('s')]);
    for (const id of ['in1', 'in2', 'out']) {
      assert.deepEqual(await statusOf(helper.getNode(id), (s) => s.fill === 'green'), { fill: 'green', shape: 'dot', text: 'mqtt-kit.status.connected' });
    }
    await clientCount(b, 1);
  });

  it('a modified-nodes redeploy keeps the connection and the subscription; nothing is unsubscribed', async () => {
    const cfg = `cfg${++configs}`;
    const flow: FlowNode[] = [TAB, brokerConfig(cfg, b.port), mqttIn('in', cfg, 'keep/#', ['s']), sink('s')];
    await helper.load(mqttKit(), flow);
    await b.subscribed('keep/#');
    await drained('s', 'keep/first');
    const before = { connects, unsubscribes };
    const changed = flow.map((n) => (n.id === 'in' ? { ...n, name: 'renamed' } : n));
    await helper.setFlows(changed, 'nodes');
    await statusOf(helper.getNode('in'), (s) => s.fill === 'green');
    await drained('s', 'keep/after');
    assert.equal(connects, before.connects, 'no new connection');
    assert.equal(unsubscribes, before.unsubscribes, 'no UNSUBSCRIBE');
  });

  it('removing the last node that uses a config disconnects it', async () => {
    const cfg = `cfg${++configs}`;
    const flow: FlowNode[] = [TAB, brokerConfig(cfg, b.port), mqttIn('in', cfg, 'gone/#', ['s']), sink('s')];
    await helper.load(mqttKit(), flow);
    await clientCount(b, 1);
    await helper.setFlows(flow.filter((n) => n.id !== 'in'), 'nodes');
    await clientCount(b, 0);
  });

  for (const version of [5, 4] as const) {
    it(`overlapping subscriptions deliver each message once per node (${version === 5 ? 'v5 identifiers' : '3.1.1'}; core #4385)`, async () => {
      const cfg = `cfg${++configs}`;
      await helper.load(mqttKit(), [
        TAB, brokerConfig(cfg, b.port, { protocolVersion: version }),
        mqttIn('wide', cfg, 'o/#', ['s1']), mqttIn('narrow', cfg, 'o/+/x', ['s2']), mqttIn('dyn', cfg, '', ['s3'], { inputs: 1 }),
        sink('s1'), sink('s2'), sink('s3'), completeOf('c', ['dyn'], ['done']), sink('done'),
      ]);
      await statusOf(helper.getNode('dyn'), (s) => s.fill === 'green');
      // The dynamic node itself has two overlapping filters; its action completes after the SUBACKs.
      const confirmed = nextInput(helper.getNode('done'));
      helper.getNode('dyn').receive({ action: 'subscribe', topic: ['o/#', 'o/+/x'] });
      assert.equal((await confirmed).subscriptions.length, 2);
      const got = { s1: [] as string[], s2: [] as string[], s3: [] as string[] };
      for (const k of ['s1', 's2', 's3'] as const) helper.getNode(k).on('input', (m: any) => got[k].push(m.topic));
      await b.broker.publish({ topic: 'o/a/x', payload: '1', qos: 1 });
      // A marker every node receives: duplicates of the first message would have arrived before it.
      await Promise.all(['s1', 's2', 's3'].map((s) => nextInput(helper.getNode(s), (m) => m.topic === 'o/m/x')).concat(
        [b.broker.publish({ topic: 'o/m/x', payload: 'marker', qos: 1 }).then(() => undefined)]));
      assert.deepEqual(got, { s1: ['o/a/x', 'o/m/x'], s2: ['o/a/x', 'o/m/x'], s3: ['o/a/x', 'o/m/x'] });
    });
  }

  it('status says why the link is down and counts down to the next attempt, then recovers', async () => {
    const own = await startBroker();
    const cfg = `cfg${++configs}`;
    try {
      await helper.load(mqttKit(), [TAB, brokerConfig(cfg, own.port, { reconnectMin: 1, reconnectMax: 2 }), mqttOut('out', cfg)]);
      const out = helper.getNode('out');
      await statusOf(out, (s) => s.fill === 'yellow' || s.fill === 'green');
      await statusOf(out, (s) => s.fill === 'green');
      const port = own.port;
      await own.close();
      const down = await statusOf(out, (s) => /mqtt-kit\.status\.retry-in/.test(s.text ?? ''));
      assert.equal(down.fill, 'red');
      assert.match(down.text ?? '', /^mqtt-kit\.status\.disconnected: /);
      const again = await startBroker({}, {}, port);
      try {
        await statusOf(out, (s) => s.fill === 'green', 8000);
      } finally {
        await helper.unload();
        await again.close();
      }
    } finally {
      await own.close();
    }
  });

  it('status names a refusal: not authorised', async () => {
    const strict = await startBroker({}, { authenticate: () => false });
    const cfg = `cfg${++configs}`;
    try {
      await helper.load(mqttKit(), [TAB, brokerConfig(cfg, strict.port), mqttOut('out', cfg)]);
      const s = await statusOf(helper.getNode('out'), (st) => /mqtt-kit\.reason\.0x87/.test(st.text ?? ''));
      assert.equal(s.fill, 'red');
    } finally {
      await helper.unload();
      await strict.close();
    }
  });
});
