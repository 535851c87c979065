import assert from 'node:assert/strict';
import { closeBrokers, connected, makeBroker } from './helpers';

describe('broker smoke', () => {
  afterEach(closeBrokers);

  it('routes a QoS 1 publish between two v5 clients', async () => {
    const broker = makeBroker();
    const sub = await connected(broker, { clientId: 'sub' });
    const pub = await connected(broker, { clientId: 'pub' });
    const suback = await sub.subscribe('a/+', 1);
    assert.deepEqual(suback.reasonCodes, [1]);
    pub.publish('a/b', 'hello', { qos: 1, packetId: 5 });
    const ack = await pub.next('puback');
    assert.equal(ack.packetId, 5);
    const got = await sub.next('publish');
    assert.equal(got.topic, 'a/b');
    assert.equal(got.payload.toString(), 'hello');
    assert.equal(got.qos, 1);
    sub.send({ type: 'puback', packetId: got.packetId!, reasonCode: 0 });
    await sub.disconnect();
    await pub.disconnect();
  });
});
