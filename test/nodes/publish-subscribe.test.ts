// mqtt-out -> broker -> mqtt-in through the built bundle in Node-RED: payload types, core's msg properties,
// msg.mqtt metadata, MQTT 5 properties and precedence, output types, retained messages, 3.1.1.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import { brokerConfig, catchAll, completeOf, flowSuite, helper, mqttIn, mqttKit, mqttOut, nextInput, sink, statusOf, TAB } from './flow-helpers';

describe('nodes: mqtt-out -> broker -> mqtt-in', function () {
  const b = flowSuite({ broker: {} }).broker;

  async function load(inExtra: Record<string, unknown> = {}, outExtra: Record<string, unknown> = {}, cfgExtra: Record<string, unknown> = {}) {
    await helper.load(mqttKit(), [
      TAB,
      brokerConfig('cfg', b.port, cfgExtra),
      mqttIn('in', 'cfg', 'test/#', ['got'], inExtra),
      mqttOut('out', 'cfg', outExtra),
      completeOf('done', ['out'], ['ok']),
      sink('ok'),
      sink('got'),
      catchAll('catch', ['err']),
      sink('err'),
    ]);
    await statusOf(helper.getNode('in'), (s) => s.fill === 'green');
    await b.subscribed(String(inExtra.topic ?? 'test/#'));
  }

  it('delivers a string, with core\'s top-level properties and msg.mqtt metadata', async () => {
    await load();
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/a', payload: 'hello', qos: 1 });
    const msg = await got;
    assert.equal(msg.topic, 'test/a');
    assert.equal(msg.payload, 'hello');
    assert.equal(msg.qos, 1);
    assert.equal(msg.retain, false);
    assert.equal(msg.mqtt.subscription, 'test/#');
    assert.equal(msg.mqtt.broker, 'cfg');
    assert.equal(msg.mqtt.dup, false);
    assert.equal(typeof msg.mqtt.messageId, 'number');
  });

  it('sends objects as JSON and auto-detect parses them again; numbers and booleans as text', async () => {
    await load();
    const node = helper.getNode('got');
    let got = nextInput(node);
    helper.getNode('out').receive({ topic: 'test/obj', payload: { a: [1, 2], b: 'x' } });
    assert.deepEqual((await got).payload, { a: [1, 2], b: 'x' });
    got = nextInput(node);
    helper.getNode('out').receive({ topic: 'test/num', payload: 42 });
    assert.equal((await got).payload, 42);
    got = nextInput(node);
    helper.getNode('out').receive({ topic: 'test/null', payload: null });
    assert.equal((await got).payload, '');
  });

  it('passes binary payloads through as Buffers', async () => {
    await load();
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/bin', payload: Buffer.from([0, 255, 1, 254]) });
    assert.deepEqual((await got).payload, Buffer.from([0, 255, 1, 254]));
  });

  it('honours the output type: utf8 keeps JSON text as a string, base64 encodes', async () => {
    await load({ datatype: 'utf8' });
    let got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/j', payload: '{"a":1}' });
    assert.equal((await got).payload, '{"a":1}');
    await helper.unload();
    await load({ datatype: 'base64' });
    got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/b', payload: Buffer.from([1, 2, 3]) });
    assert.equal((await got).payload, 'AQID');
  });

  it('[v5 MQTT-3.3.2-15] [v5 MQTT-3.3.2-16] [v5 MQTT-3.3.2-17] [v5 MQTT-3.3.2-18] carries MQTT 5 properties end to end; user properties keep order and repeats', async () => {
    await load();
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({
      topic: 'test/p', payload: 'x', responseTopic: 'reply/1', correlationData: Buffer.from('c1'), contentType: 'text/plain',
      messageExpiryInterval: 60, userProperties: { a: '1', k: ['x', 'y'] },
    });
    const msg = await got;
    assert.equal(msg.responseTopic, 'reply/1');
    assert.deepEqual(msg.correlationData, Buffer.from('c1'));
    assert.equal(msg.contentType, 'text/plain');
    assert.ok(msg.messageExpiryInterval <= 60 && msg.messageExpiryInterval >= 59);
    assert.deepEqual(msg.userProperties, { a: '1', k: ['x', 'y'] });
  });

  it('node settings win over the msg; user properties merge with the node winning on a name', async () => {
    await load({}, {
      topic: 'test/fixed', qos: '1', contentType: 'application/json', userProps: '{"site":"node","line":"7"}',
      respTopic: 'node/reply', correl: 'node-corr', expiry: '120',
    });
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({
      topic: 'test/ignored', payload: { v: 1 }, qos: 0, contentType: 'text/plain', userProperties: { site: 'msg', extra: 'kept' },
      responseTopic: 'msg/reply', correlationData: 'msg-corr', messageExpiryInterval: 5,
    });
    const msg = await got;
    assert.equal(msg.topic, 'test/fixed');
    assert.equal(msg.qos, 1);
    assert.equal(msg.contentType, 'application/json');
    assert.equal(msg.responseTopic, 'node/reply');
    assert.deepEqual(msg.correlationData, Buffer.from('node-corr'));
    assert.ok(msg.messageExpiryInterval > 100);
    assert.deepEqual(msg.payload, { v: 1 });
    assert.deepEqual(msg.userProperties, { site: 'node', extra: 'kept', line: '7' });
  });

  it('replies to msg.responseTopic with the correlation data when no topic is set', async () => {
    await load();
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ payload: 'answer', responseTopic: 'test/reply', correlationData: Buffer.from([7, 7]) });
    const msg = await got;
    assert.equal(msg.topic, 'test/reply');
    assert.deepEqual(msg.correlationData, Buffer.from([7, 7]));
    assert.equal(msg.responseTopic, undefined);
  });

  it('[MQTT-3.3.1-5] retained messages reach a later subscriber with retain set', async () => {
    await load();
    const first = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/state', payload: 'on', retain: true, qos: 1 });
    await first;
    await helper.unload();
    await load({ topic: 'test/state' });
    const msg = await nextInput(helper.getNode('got'), (m) => m.topic === 'test/state');
    assert.equal(msg.retain, true);
    assert.equal(msg.payload, 'on');
    await b.broker.publish({ topic: 'test/state', payload: '', retain: true }); // clear it for other tests
  });

  it('a payload that is not JSON for output "json" goes to Catch as INVALID_JSON with the raw payload', async () => {
    await load({ datatype: 'json' });
    const err = nextInput(helper.getNode('err'));
    helper.getNode('out').receive({ topic: 'test/bad', payload: '{not json' });
    const msg = await err;
    assert.equal(msg.error.code, 'INVALID_JSON');
    assert.deepEqual(msg.payload, Buffer.from('{not json'));
  });

  it('mqtt-in QoS: a QoS 1 message arrives at the subscription\'s QoS 0 [v5 MQTT-3.8.4-8]', async () => {
    await load({ qos: '0' });
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/q', payload: 'x', qos: 1 });
    assert.equal((await got).qos, 0);
  });

  it('[v5 MQTT-3.3.1-11] Retain Handling 2: no retained message on subscribe', async () => {
    await b.broker.publish({ topic: 'test/rh', payload: 'old', retain: true });
    try {
      await load({ topic: 'test/rh', rh: 2 });
      const seen: string[] = [];
      helper.getNode('got').on('input', (m: any) => seen.push(m.payload));
      const marker = nextInput(helper.getNode('got'), (m) => m.payload === 'live');
      await b.broker.publish({ topic: 'test/rh', payload: 'live', qos: 1 });
      await marker;
      assert.deepEqual(seen, ['live']);
    } finally {
      await b.broker.publish({ topic: 'test/rh', payload: '', retain: true });
    }
  });

  it('[v5 MQTT-3.8.3-3] No Local: the node does not receive what its own connection publishes', async () => {
    await load({ nl: true });
    const seen: string[] = [];
    helper.getNode('got').on('input', (m: any) => seen.push(m.payload));
    const marker = nextInput(helper.getNode('got'), (m) => m.payload === 'from elsewhere');
    helper.getNode('out').receive({ topic: 'test/nl', payload: 'from this connection', qos: 1 });
    await nextInput(helper.getNode('ok'));
    await b.broker.publish({ topic: 'test/nl', payload: 'from elsewhere', qos: 1 });
    await marker;
    assert.deepEqual(seen, ['from elsewhere']);
  });

  for (const rap of [true, false]) {
    it(`[v5 MQTT-3.3.1-12] Retain As Published ${rap}: a live retained message arrives with retain ${rap}`, async () => {
      await load({ rap });
      try {
        const got = nextInput(helper.getNode('got'));
        helper.getNode('out').receive({ topic: 'test/rap', payload: 'r', retain: true, qos: 1 });
        assert.equal((await got).retain, rap);
      } finally {
        await b.broker.publish({ topic: 'test/rap', payload: '', retain: true });
      }
    });
  }

  it('works on MQTT 3.1.1: properties are left out, the rest is the same', async () => {
    await load({}, {}, { protocolVersion: 4 });
    const got = nextInput(helper.getNode('got'));
    helper.getNode('out').receive({ topic: 'test/v4', payload: { ok: true }, contentType: 'application/json', userProperties: { a: '1' } });
    const msg = await got;
    assert.deepEqual(msg.payload, { ok: true });
    assert.equal(msg.contentType, undefined);
    assert.equal(msg.userProperties, undefined);
  });
});
