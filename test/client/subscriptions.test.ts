import assert from 'node:assert/strict';
import type { PublishPacket } from '../../src/codec/types';
import { DUPLICATE_WINDOW_MS, SubscriptionTable } from '../../src/client/subscriptions';

function publish(topic: string, payload = 'x', ids?: number[]): PublishPacket {
  const p: PublishPacket = { type: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false };
  if (ids) p.properties = { subscriptionIdentifiers: ids };
  return p;
}

const leasesOf = (members: Array<{ lease: string }>): string[] => members.map((m) => m.lease).sort();

describe('client subscription table', () => {
  it('merges leases on one filter into one broker subscription with the strongest options', () => {
    const t = new SubscriptionTable<string>();
    const a = t.add('A', 'a/+', { qos: 0, noLocal: true, retainHandling: 2 });
    assert.equal(a.kind, 'subscribe');
    assert.deepEqual(t.request(t.get('a/+')!), { topicFilter: 'a/+', qos: 0, noLocal: true, retainAsPublished: false, retainHandling: 2 });
    const b = t.add('B', 'a/+', { qos: 2, retainAsPublished: true, retainHandling: 1 });
    assert.equal(b.kind, 'subscribe', 'merged options changed: re-subscribe');
    assert.deepEqual(t.request(t.get('a/+')!), { topicFilter: 'a/+', qos: 2, noLocal: false, retainAsPublished: true, retainHandling: 1 });
    assert.equal(t.size, 1);
    assert.equal(t.add('C', 'a/+', { qos: 1, retainHandling: 1 }).kind, 'none', 'nothing new for the broker');
  });

  it('unsubscribes at the broker only when the last lease leaves, re-subscribing with weaker options', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 's', { qos: 1, retainHandling: 2 });
    t.add('B', 's', { qos: 2, retainHandling: 2 });
    t.request(t.get('s')!);
    const afterB = t.remove('B', 's');
    assert.equal(afterB.kind, 'subscribe');
    assert.equal(t.request(t.get('s')!).qos, 1);
    assert.deepEqual(t.remove('A', 's'), { kind: 'unsubscribe', filter: 's' });
    assert.equal(t.size, 0);
    assert.equal(t.remove('A', 's').kind, 'none');
  });

  it('removes all subscriptions of a lease, keeping the others', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'x', { qos: 0 });
    t.add('A', 'y', { qos: 0 });
    t.add('B', 'y', { qos: 0 });
    for (const s of t.all()) t.request(s);
    const actions = t.removeLease('A');
    assert.deepEqual(actions, [{ kind: 'unsubscribe', filter: 'x' }]);
    assert.deepEqual(t.filtersOf('B'), ['y']);
  });

  it('routes a message once per lease even when a lease has overlapping filters (3.1.1, one copy)', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'a/#', { qos: 0 });
    t.add('A', 'a/b', { qos: 0 });
    t.add('B', 'a/+', { qos: 0 });
    assert.deepEqual(leasesOf(t.route(publish('a/b'), 0)), ['A', 'B']);
    assert.deepEqual(leasesOf(t.route(publish('a/c'), 10_000)), ['A', 'B']);
    assert.deepEqual(leasesOf(t.route(publish('z'), 20_000)), []);
  });

  it('drops the extra identical copies a 3.1.1 broker sends for overlapping subscriptions', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'a/#', { qos: 0 });
    t.add('B', 'a/b', { qos: 0 });
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'm1'), 0)), ['A', 'B']);
    assert.deepEqual(t.route(publish('a/b', 'm1'), 1), [], 'second copy of the same publish');
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'm1'), 2)), ['A', 'B'], 'a new identical publish after the copies');
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'm2'), 3)), ['A', 'B'], 'a different payload is a new message');
    assert.deepEqual(t.route(publish('a/b', 'm2'), 4), []);
  });

  it('forgets expected copies after the duplicate window', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'a/#', { qos: 0 });
    t.add('B', 'a/b', { qos: 0 });
    t.route(publish('a/b', 'same'), 0);
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'same'), DUPLICATE_WINDOW_MS + 1)), ['A', 'B']);
  });

  it('uses v5 subscription identifiers to route each copy to exactly the leases it is for', () => {
    const t = new SubscriptionTable<string>();
    t.setIdentifiers(true);
    t.add('A', 'a/#', { qos: 0 });
    t.add('B', 'a/b', { qos: 0 });
    t.add('A', 'a/+', { qos: 0 });
    const ids = Object.fromEntries(t.all().map((s) => [s.filter, t.request(s) && s.id!]));
    assert.equal(new Set(Object.values(ids)).size, 3, 'distinct identifiers');
    // Broker sends one copy per subscription, each with its own identifier.
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'p', [ids['a/#']!]), 0)), ['A']);
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'p', [ids['a/b']!]), 1)), ['B']);
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'p', [ids['a/+']!]), 2)), [], 'A already has it');
    // One copy carrying every identifier reaches each lease once.
    assert.deepEqual(leasesOf(t.route(publish('a/b', 'q', [ids['a/#']!, ids['a/b']!, ids['a/+']!]), 3)), ['A', 'B']);
  });

  it('routes shared subscriptions by their inner filter', () => {
    const t = new SubscriptionTable<string>();
    t.add('W', '$share/workers/jobs/+', { qos: 1 });
    assert.equal(t.get('$share/workers/jobs/+')?.matchFilter, 'jobs/+');
    assert.deepEqual(leasesOf(t.route(publish('jobs/1'), 0)), ['W']);
  });

  it('rejects invalid filters with a typed error [v5 MQTT-4.7.1-1]', () => {
    const t = new SubscriptionTable<string>();
    assert.throws(() => t.add('A', 'a/#/b', { qos: 0 }), { name: 'TopicError', reasonCode: 0x8f });
  });
});
