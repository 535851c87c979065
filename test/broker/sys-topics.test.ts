// $SYS/broker statistics: Mosquitto's topic names, retained, republished only on change, load averages.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import { SysTopics } from '../../src/broker';
import { closeBrokers, connected, makeBroker } from './helpers';

describe('broker $SYS topics', () => {
  afterEach(closeBrokers);

  it('publishes the statistics as retained messages under Mosquitto names', async () => {
    const broker = makeBroker();
    await broker.start();
    const client = await connected(broker, { clientId: 'watcher' });
    await client.subscribe('a/#', 0);
    const sys = new SysTopics(broker, { version: 'mqtt-kit 9.9.9', intervalSeconds: 3600 });
    sys.start();
    sys.stop();
    const value = (t: string) => broker.retained(`$SYS/broker/${t}`)?.payload.toString();
    assert.equal(value('version'), 'mqtt-kit 9.9.9');
    assert.match(value('uptime')!, /^\d+ seconds$/);
    assert.equal(value('clients/connected'), '1');
    assert.equal(value('clients/maximum'), '1');
    assert.equal(value('clients/total'), '1');
    assert.equal(value('subscriptions/count'), '1');
    assert.equal(value('retained messages/count'), '0');
    assert.ok(Number(value('bytes/received')) > 0);
    assert.ok(broker.retained('$SYS/broker/version')?.retain);
  });

  it('a client subscribed to $SYS/# gets the values; # alone does not match them [MQTT-4.7.2-1]', async () => {
    const broker = makeBroker();
    await broker.start();
    const sys = new SysTopics(broker, { version: 'v', intervalSeconds: 3600 });
    sys.update();
    const everything = await connected(broker, { clientId: 'all' });
    await everything.subscribe('#', 0);
    await everything.expectQuiet();
    const watcher = await connected(broker, { clientId: 'sys' });
    await watcher.subscribe('$SYS/broker/version', 0);
    const got = await watcher.next('publish');
    assert.deepEqual([got.topic, got.payload.toString(), got.retain], ['$SYS/broker/version', 'v', true]);
  });

  it('republishes only values that changed; counts rates and load averages per minute, without its own messages', async () => {
    const broker = makeBroker();
    await broker.start();
    const sys = new SysTopics(broker, { version: 'v', intervalSeconds: 10 });
    const published: string[] = [];
    broker.on('publish', (m) => published.push(m.topic));
    const t0 = Date.now();
    sys.update(t0);
    const first = published.length;
    sys.update(t0); // the retained count now includes the $SYS messages themselves
    assert.deepEqual(published.slice(first), ['$SYS/broker/retained messages/count']);
    published.length = 0;
    sys.update(t0);
    assert.deepEqual(published, [], 'nothing changed, nothing republished');
    for (let i = 0; i < 20; i++) await broker.publish({ topic: 'x', payload: 'y' });
    sys.update(t0 + 10_000);
    assert.ok(first > 10);
    const value = (t: string) => Number(broker.retained(`$SYS/broker/${t}`)?.payload.toString());
    assert.equal(value('publish/messages/received'), 20, 'the $SYS messages themselves are not counted');
    assert.equal(value('rate/publish/received'), 2, '20 messages in 10 s');
    // The first interval seeds the averages with the current per-minute rate.
    assert.equal(value('load/publish/received/1min'), 120);
    sys.update(t0 + 20_000);
    const decayed = value('load/publish/received/1min');
    assert.ok(decayed < 120 && decayed > 0, `decays towards 0 when idle (${decayed})`);
    assert.ok(value('load/publish/received/15min') > decayed, 'the longer window decays slower');
  });
});
