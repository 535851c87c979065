import assert from 'node:assert/strict';
import type { Will } from '../../src/codec/types';
import { TestClient, closeBrokers, connected, elapse, makeBroker } from './helpers';

const will = (extra: Partial<Will> = {}): Will => ({ topic: 'will/c', payload: Buffer.from('gone'), qos: 1, retain: false, ...extra });

async function watcher(broker: ReturnType<typeof makeBroker>): Promise<TestClient> {
  const w = await connected(broker, { clientId: 'watcher' });
  await w.subscribe('will/#', 1);
  return w;
}

describe('broker: wills', () => {
  afterEach(closeBrokers);

  it('[v5 MQTT-3.1.2-7] [v5 MQTT-3.1.2-14] [3.1.1 MQTT-3.1.2-8] [3.1.1 MQTT-3.1.2-16] publishes the Will, not retained, when the connection drops', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `c${version}`, version, will: will() });
      await c.drop();
      const got = await w.next('publish');
      assert.equal(got.topic, 'will/c');
      assert.equal(got.payload.toString(), 'gone');
      assert.equal(got.qos, 1);
      w.send({ type: 'puback', packetId: got.packetId!, reasonCode: 0 });
    }
    assert.equal(broker.retained('will/c'), undefined);
  });

  it('[v5 MQTT-3.1.2-15] [3.1.1 MQTT-3.1.2-17] publishes a Will with Will Retain as a retained message', async () => {
    const broker = makeBroker();
    const c = await connected(broker, { clientId: 'c', version: 4, will: will({ retain: true }) });
    await c.drop();
    const late = await connected(broker, { clientId: 'late' });
    await late.subscribe('will/#', 1);
    const got = await late.next('publish');
    assert.equal(got.retain, true);
    assert.equal(got.payload.toString(), 'gone');
  });

  it('[v5 MQTT-3.1.2-10] [v5 MQTT-3.14.4-3] [3.1.1 MQTT-3.14.4-3] [3.1.1 MQTT-3.1.2-10] a normal DISCONNECT deletes the Will', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `c${version}`, version, will: will() });
      await c.disconnect();
    }
    await w.expectQuiet();
  });

  it('[3.1.1 MQTT-3.1.2-12] publishes nothing for a connection without a Will', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const c = await connected(broker, { clientId: 'c', version: 4 });
    await c.drop();
    await w.expectQuiet();
  });

  it('DISCONNECT 0x04 (Disconnect with Will Message) publishes the Will', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const c = await connected(broker, { clientId: 'c', will: will() });
    await c.disconnect(0x04);
    assert.equal((await w.next('publish')).payload.toString(), 'gone');
  });

  it('[v5 MQTT-3.1.3-10] forwards the Will\'s properties with user properties in order', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const properties = {
      contentType: 'text/plain', responseTopic: 'r', correlationData: Buffer.from('id'), payloadFormatIndicator: true,
      userProperties: [['b', '1'], ['a', '2'], ['b', '3']] as Array<[string, string]>,
    };
    const c = await connected(broker, { clientId: 'c', will: will({ properties }) });
    await c.drop();
    assert.deepEqual((await w.next('publish')).properties, properties);
  });

  it('[v5 MQTT-3.1.2-8] waits for the Will Delay Interval before publishing', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const c = await connected(broker, {
      clientId: 'c', clean: false, properties: { sessionExpiryInterval: 60 }, will: will({ properties: { willDelayInterval: 1 } }),
    });
    const dropped = Date.now();
    await c.drop();
    await w.expectQuiet();
    await w.next('publish', 3000);
    assert.ok(Date.now() - dropped >= 900, 'not before the Will Delay Interval');
  });

  it('[v5 MQTT-3.1.3-9] does not publish the Will when the session reconnects within the Will Delay Interval', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const fields = { clientId: 'c', clean: false, properties: { sessionExpiryInterval: 60 }, will: will({ properties: { willDelayInterval: 1 } }) };
    const c = await connected(broker, fields);
    await c.drop();
    const back = await connected(broker, { ...fields, will: undefined });
    await elapse(1300);
    await w.expectQuiet();
    await back.disconnect();
  });

  it('[v5 MQTT-3.1.2-8] publishes a delayed Will when the session ends first', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const c = await connected(broker, {
      clientId: 'c', clean: false, properties: { sessionExpiryInterval: 1 }, will: will({ properties: { willDelayInterval: 60 } }),
    });
    await c.drop();
    await w.next('publish', 3000);
    assert.equal(broker.stats.sessions, 1); // only the watcher's session is left
  });

  it('publishes the Will of a client dropped for keep alive and of a 3.1.1 client taken over', async () => {
    const broker = makeBroker();
    const w = await watcher(broker);
    const silent = await connected(broker, { clientId: 'silent', keepalive: 1, will: will({ topic: 'will/ka' }) });
    assert.equal((await w.next('publish', 4000)).topic, 'will/ka');
    await silent.expectClose({ allow: ['disconnect'] });
    await connected(broker, { clientId: 'dup', version: 4, will: will({ topic: 'will/dup' }) });
    await connected(broker, { clientId: 'dup', version: 4 });
    assert.equal((await w.next('publish')).topic, 'will/dup');
  });

  it('asks authorizePublish before publishing a Will', async () => {
    const broker = makeBroker({}, { authorizePublish: (_c, m) => m.topic !== 'will/denied' });
    const w = await watcher(broker);
    const denied = await connected(broker, { clientId: 'd', will: will({ topic: 'will/denied' }) });
    await denied.drop();
    const allowed = await connected(broker, { clientId: 'a', will: will({ topic: 'will/allowed' }) });
    await allowed.drop();
    assert.equal((await w.next('publish')).topic, 'will/allowed');
  });
});
