// mqtt-in in dynamic mode: msg.action subscribe / unsubscribe / getSubscriptions / connect / disconnect as
// core accepts them, completing when the broker has confirmed, with coded errors, the triggering msg kept
// for getSubscriptions and a subscription context on delivered messages (core #4269).
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import {
  brokerConfig, catchAll, completeOf, flowSuite, helper, mqttIn, mqttKit, nextInput, sink, startBroker, statusOf, TAB,
} from './flow-helpers';

let configs = 0;

describe('nodes: mqtt-in dynamic subscriptions', function () {
  const b = flowSuite({
    broker: { hooks: { authorizeSubscribe: (_c, s) => (s.topicFilter.startsWith('forbidden/') ? false : s.qos) } },
  }).broker;

  async function load(port = b.port, cfgExtra: Record<string, unknown> = {}): Promise<void> {
    const cfg = `cfg${++configs}`;
    await helper.load(mqttKit(), [
      TAB, brokerConfig(cfg, port, cfgExtra), mqttIn('dyn', cfg, '', ['out'], { inputs: 1, datatype: 'auto-detect' }),
      sink('out'), completeOf('c', ['dyn'], ['done']), sink('done'), catchAll('k', ['err']), sink('err'),
    ]);
    await statusOf(helper.getNode('dyn'), (s) => s.fill === 'green');
  }

  /** Sends an action and resolves with the msg the Complete node gets (or rejects with the Catch's error). */
  function act(msg: Record<string, unknown>, ms = 5000): Promise<any> {
    const done = helper.getNode('done');
    const err = helper.getNode('err');
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        done.removeListener('input', onDone);
        err.removeListener('input', onErr);
      };
      const onDone = (m: unknown) => (finish(), resolve(m));
      const onErr = (e: any) => (finish(), reject(Object.assign(new Error(e.error.message), { code: e.error.code })));
      const timer = setTimeout(() => (finish(), reject(new Error(`action ${String(msg.action)} neither completed nor failed in ${ms} ms`))), ms);
      done.on('input', onDone);
      err.on('input', onErr);
      helper.getNode('dyn').receive(msg);
    });
  }

  it('subscribes to nothing until told; subscribe completes after SUBACK and lists msg.subscriptions', async () => {
    await load();
    const done = await act({ action: 'subscribe', topic: ['d/a', { topic: 'd/b/+', qos: 1, datatype: 'utf8', rh: 2 }] });
    assert.deepEqual(done.subscriptions, [
      { topic: 'd/a', qos: 2, nl: false, rap: true, rh: 0, datatype: 'auto-detect' },
      { topic: 'd/b/+', qos: 1, nl: false, rap: true, rh: 2, datatype: 'utf8' },
    ]);
    const got = nextInput(helper.getNode('out'));
    await b.broker.publish({ topic: 'd/b/c', payload: '{"x":1}', qos: 1 });
    const msg = await got;
    assert.equal(msg.payload, '{"x":1}', 'per-subscription datatype');
    assert.equal(msg.mqtt.subscription, 'd/b/+');
  });

  it('copies msg.context of the subscribe request to every delivered message as msg.mqtt.context', async () => {
    await load();
    await act({ action: 'subscribe', topic: 'ctx/#', context: { requestedBy: 'flow-7' } });
    const got = nextInput(helper.getNode('out'));
    await b.broker.publish({ topic: 'ctx/1', payload: 'v', qos: 0 });
    assert.deepEqual((await got).mqtt.context, { requestedBy: 'flow-7' });
  });

  it('getSubscriptions sends the triggering msg on, with its own properties kept (core #4269)', async () => {
    await load();
    await act({ action: 'subscribe', topic: 'g/1' });
    const out = nextInput(helper.getNode('out'));
    helper.getNode('dyn').receive({ action: 'getSubscriptions', requestId: 'r-42' });
    const msg = await out;
    assert.equal(msg.topic, 'subscriptions');
    assert.equal(msg.requestId, 'r-42');
    assert.deepEqual(msg.payload.map((s: { topic: string }) => s.topic), ['g/1']);
  });

  it('unsubscribe stops delivery of that filter only; topic true removes all', async () => {
    await load();
    await act({ action: 'subscribe', topic: ['u/a', 'u/b'] });
    const after = await act({ action: 'unsubscribe', topic: 'u/a' });
    assert.deepEqual(after.subscriptions.map((s: { topic: string }) => s.topic), ['u/b']);
    const seen: string[] = [];
    helper.getNode('out').on('input', (m: any) => seen.push(m.topic));
    const marker = nextInput(helper.getNode('out'), (m) => m.topic === 'u/b');
    await b.broker.publish({ topic: 'u/a', payload: '1', qos: 1 });
    await b.broker.publish({ topic: 'u/b', payload: '2', qos: 1 });
    await marker;
    assert.deepEqual(seen, ['u/b']);
    const none = await act({ action: 'unsubscribe', topic: true });
    assert.deepEqual(none.subscriptions, []);
  });

  it('a malformed filter is INVALID_SUBSCRIPTION, and no entry of that request is subscribed', async () => {
    await load();
    await assert.rejects(act({ action: 'subscribe', topic: ['ok/1', 'bad/#/x'] }), { code: 'INVALID_SUBSCRIPTION' });
    const list = nextInput(helper.getNode('out'));
    helper.getNode('dyn').receive({ action: 'getSubscriptions' });
    assert.deepEqual((await list).payload, []);
  });

  it('a msg without a valid action is INVALID_ACTION', async () => {
    await load();
    await assert.rejects(act({ topic: 'x' }), { code: 'INVALID_ACTION' });
    await assert.rejects(act({ action: 'publish', topic: 'x' }), { code: 'INVALID_ACTION' });
  });

  it('a subscription the broker refuses is SUBSCRIBE_REFUSED (core ignores SUBACK failures)', async () => {
    await load();
    await assert.rejects(act({ action: 'subscribe', topic: 'forbidden/x' }), { code: 'SUBSCRIBE_REFUSED' });
  });

  it('connect while connected needs force (ALREADY_CONNECTED); disconnect and connect again', async () => {
    await load();
    await assert.rejects(act({ action: 'connect' }), { code: 'ALREADY_CONNECTED' });
    await act({ action: 'disconnect' });
    await statusOf(helper.getNode('dyn'), (s) => s.fill === 'red');
    await act({ action: 'connect' });
    await statusOf(helper.getNode('dyn'), (s) => s.fill === 'green');
  });

  it('connect with msg.broker moves the connection to another broker, keeping the subscriptions', async () => {
    const other = await startBroker();
    try {
      await load();
      await act({ action: 'subscribe', topic: 'mv/#' });
      await act({ action: 'connect', broker: { port: other.port, force: true } });
      await other.subscribed('mv/#');
      const got = nextInput(helper.getNode('out'));
      await other.broker.publish({ topic: 'mv/1', payload: 'there', qos: 1 });
      assert.equal((await got).payload, 'there');
    } finally {
      await helper.unload();
      await other.close();
    }
  });

  it('invalid msg.broker settings are INVALID_BROKER and the connection stays as it was', async () => {
    await load();
    await assert.rejects(act({ action: 'connect', broker: { port: 'x', force: true } }), { code: 'INVALID_BROKER' });
    await assert.rejects(act({ action: 'connect', broker: { colour: 'blue', force: true } }), { code: 'INVALID_BROKER' });
    await statusOf(helper.getNode('dyn'), (s) => s.fill === 'green');
  });
});
