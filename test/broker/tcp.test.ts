import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { TcpListener } from '../../src/broker';
import { TestClient, closeBrokers, makeBroker } from './helpers';

describe('broker over TCP (127.0.0.1, ephemeral port)', () => {
  afterEach(closeBrokers);

  it('[v5 MQTT-4.2.0-1] [3.1.1 MQTT-7.1.1-1] serves MQTT over TCP and closes its listener on close()', async () => {
    const broker = makeBroker();
    const listener = await broker.listen({ port: 0, host: '127.0.0.1' });
    const { port } = listener.address()!;
    assert.ok(port > 0);
    assert.deepEqual(broker.addresses(), [{ name: 'tcp', host: '127.0.0.1', port }]);
    const sub = await TestClient.tcp(port, 5);
    assert.equal((await sub.connect({ clientId: 'sub' })).reasonCode, 0);
    await sub.subscribe('t/#', 1);
    const pub = await TestClient.tcp(port, 4);
    assert.equal((await pub.connect({ clientId: 'pub' })).reasonCode, 0);
    pub.publish('t/1', 'over tcp', { qos: 1, packetId: 1 });
    await pub.next('puback');
    const got = await sub.next('publish');
    assert.equal(got.payload.toString(), 'over tcp');
    assert.equal(broker.clients()[0]!.remoteAddress.startsWith('127.0.0.1:'), true);
    await broker.close();
    await sub.expectClose({ allow: ['disconnect', 'publish'] });
    await pub.expectClose();
    await assert.rejects(TestClient.tcp(port, 5));
  });

  it('works with MQTT.js clients (v5 and 3.1.1) through a TcpListener', async () => {
    const broker = makeBroker();
    const listener = await broker.listen(new TcpListener({ port: 0 }));
    const url = `mqtt://127.0.0.1:${listener.address()!.port}`;
    const sub = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'js-sub', reconnectPeriod: 0 });
    const pub = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'js-pub', reconnectPeriod: 0 });
    try {
      await sub.subscribeAsync('js/+', { qos: 2 });
      const received = new Promise<[string, string]>((resolve) => sub.once('message', (t, p) => resolve([t, p.toString()])));
      await pub.publishAsync('js/x', 'hello from mqtt.js', { qos: 2 });
      assert.deepEqual(await received, ['js/x', 'hello from mqtt.js']);
    } finally {
      await sub.endAsync();
      await pub.endAsync();
    }
  });
});
