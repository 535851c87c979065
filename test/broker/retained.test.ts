import assert from 'node:assert/strict';
import { RetainedStore } from '../../src/broker/retained';
import { makeMessage, type BrokerMessage } from '../../src/broker/message';
import { matchTopic } from '../../src/topic';

function msg(topic: string, payload = 'x', expirySeconds?: number, now = 0): BrokerMessage {
  return makeMessage({
    topic, payload: Buffer.from(payload), qos: 1, retain: true, publisherId: 'p', now,
    properties: expirySeconds === undefined ? undefined : { messageExpiryInterval: expirySeconds },
  });
}

const topics = (ms: BrokerMessage[]): string[] => ms.map((m) => m.topic).sort();

describe('broker/retained', () => {
  it('[v5 MQTT-3.3.1-5] [3.1.1 MQTT-3.3.1-5] [3.1.1 MQTT-3.3.1-7] stores one message per topic, replacing the previous one', () => {
    const store = new RetainedStore();
    store.set(msg('a/b', 'one'));
    store.set(msg('a/b', 'two'));
    assert.equal(store.size, 1);
    assert.equal(store.get('a/b')!.payload.toString(), 'two');
  });

  it('[v5 MQTT-3.3.1-6] [v5 MQTT-3.3.1-7] [3.1.1 MQTT-3.3.1-10] [3.1.1 MQTT-3.3.1-11] an empty payload deletes and is never stored', () => {
    const store = new RetainedStore();
    store.set(msg('a/b'));
    store.set(msg('a/b', ''));
    assert.equal(store.size, 0);
    assert.equal(store.get('a/b'), undefined);
    store.set(msg('c', ''));
    assert.equal(store.size, 0);
  });

  it('answers filters with +, # and parent-level matches', () => {
    const store = new RetainedStore();
    for (const t of ['a', 'a/b', 'a/b/c', 'a/c', 'b', '/x', '$SYS/y']) store.set(msg(t));
    assert.deepEqual(topics(store.match('a/#', 0)), ['a', 'a/b', 'a/b/c', 'a/c']);
    assert.deepEqual(topics(store.match('a/+', 0)), ['a/b', 'a/c']);
    assert.deepEqual(topics(store.match('+/x', 0)), ['/x']);
    assert.deepEqual(topics(store.match('b', 0)), ['b']);
  });

  it('[MQTT-4.7.2-1] does not match $ topics with a first-level wildcard', () => {
    const store = new RetainedStore();
    store.set(msg('$SYS/y'));
    store.set(msg('x'));
    assert.deepEqual(topics(store.match('#', 0)), ['x']);
    assert.deepEqual(topics(store.match('+/y', 0)), []);
    assert.deepEqual(topics(store.match('$SYS/#', 0)), ['$SYS/y']);
  });

  it('[v5 MQTT-3.3.2-5] drops expired retained messages', () => {
    const store = new RetainedStore();
    store.set(msg('a', 'x', 10, 1000));
    store.set(msg('b', 'x'));
    assert.deepEqual(topics(store.match('#', 5000)), ['a', 'b']);
    assert.deepEqual(topics(store.match('#', 11_000)), ['b']);
    assert.equal(store.size, 1);
  });

  it('prunes the tree on delete and agrees with matchTopic on random data', () => {
    const store = new RetainedStore();
    const words = ['a', 'b', '', '$s'];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const all = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const t = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => words[Math.floor(rnd() * 4)]).join('/');
      store.set(msg(t));
      all.add(t);
    }
    for (const f of ['#', '+', 'a/#', '+/+', '+/b/#', '/#', '$s/#', 'a/+/b', '+/+/+']) {
      assert.deepEqual(topics(store.match(f, 0)), [...all].filter((t) => matchTopic(f, t)).sort(), f);
    }
    for (const t of all) assert.equal(store.delete(t), true);
    assert.equal(store.size, 0);
    assert.equal((store as unknown as { root: { children?: Map<string, unknown> } }).root.children?.size ?? 0, 0);
  });
});
