// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import type { QoS } from '../../src/codec/types';
import { Router, type RouteTarget, type SubscriptionRecord } from '../../src/broker/router';

class Target implements RouteTarget {
  online = true;
  constructor(readonly clientId: string) {}
}

function sub(filter: string, qos: QoS, extra: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  const shared = /^\$share\/([^/]+)\/(.*)$/.exec(filter);
  return {
    filter, topicFilter: shared ? shared[2]! : filter, group: shared ? shared[1] : undefined, qos,
    noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: undefined, ...extra,
  };
}

describe('broker/router', () => {
  it('[MQTT-4.5.0-1] routes a topic to every client with a matching subscription', () => {
    const router = new Router<Target>();
    const a = new Target('a');
    const b = new Target('b');
    router.add(a, sub('x/+', 1));
    router.add(b, sub('x/#', 0));
    router.add(b, sub('y', 0));
    const got = router.route('x/1', null).map((d) => d.target.clientId).sort();
    assert.deepEqual(got, ['a', 'b']);
    assert.deepEqual(router.route('z', null), []);
  });

  it('[MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4] [3.1.1 MQTT-3.3.5-1] merges overlapping subscriptions into one copy with max QoS and all ids', () => {
    const router = new Router<Target>();
    const a = new Target('a');
    router.add(a, sub('x/+', 0, { subscriptionId: 1 }));
    router.add(a, sub('x/#', 2, { subscriptionId: 7 }));
    router.add(a, sub('#', 1));
    const [delivery, ...rest] = router.route('x/1', null);
    assert.equal(rest.length, 0);
    assert.equal(delivery!.qos, 2);
    assert.deepEqual(delivery!.subscriptionIds!.sort(), [1, 7]);
  });

  it('[MQTT-3.8.3-3] skips No Local subscriptions of the publishing client', () => {
    const router = new Router<Target>();
    const a = new Target('a');
    const b = new Target('b');
    router.add(a, sub('x', 1, { noLocal: true }));
    router.add(b, sub('x', 1, { noLocal: true }));
    assert.deepEqual(router.route('x', 'a').map((d) => d.target.clientId), ['b']);
    assert.equal(router.route('x', null).length, 2);
  });

  it('sees subscription changes made after a topic was routed (match cache invalidation)', () => {
    const router = new Router<Target>();
    const a = new Target('a');
    assert.equal(router.route('x/1', null).length, 0);
    router.add(a, sub('x/+', 0));
    assert.equal(router.route('x/1', null).length, 1);
    router.add(new Target('b'), sub('$share/g/x/#', 0));
    assert.equal(router.route('x/1', null).length, 2);
    router.remove(a, sub('x/+', 0));
    assert.deepEqual(router.route('x/1', null).map((d) => d.target.clientId), ['b']);
  });

  it('replaces a subscription with the same filter and removes exactly', () => {
    const router = new Router<Target>();
    const a = new Target('a');
    assert.equal(router.add(a, sub('x', 0)), true);
    assert.equal(router.add(a, sub('x', 2)), false);
    assert.equal(router.route('x', null)[0]!.qos, 2);
    assert.equal(router.remove(a, sub('x/+', 0)), false);
    assert.equal(router.remove(a, sub('x', 0)), true);
    assert.equal(router.size, 0);
  });

  it('does not remove a subscription that belongs to another session object with the same client id', () => {
    const router = new Router<Target>();
    const old = new Target('a');
    const fresh = new Target('a');
    router.add(fresh, sub('x', 0));
    assert.equal(router.remove(old, sub('x', 0)), false);
    assert.equal(router.route('x', null)[0]!.target, fresh);
  });

  describe('shared subscriptions', () => {
    it('delivers each message to one member, round-robin [MQTT-4.8.2-3]', () => {
      const router = new Router<Target>();
      const members = ['a', 'b', 'c'].map((id) => new Target(id));
      for (const m of members) router.add(m, sub('$share/g/x/+', 1));
      const picked = Array.from({ length: 6 }, () => {
        const ds = router.route('x/1', null);
        assert.equal(ds.length, 1);
        assert.equal(ds[0]!.shared?.group, 'g');
        return ds[0]!.target.clientId;
      });
      assert.deepEqual(picked, ['a', 'b', 'c', 'a', 'b', 'c']);
    });

    it('skips offline members while an online one exists, and falls back to an offline one', () => {
      const router = new Router<Target>();
      const [a, b] = [new Target('a'), new Target('b')];
      router.add(a, sub('$share/g/x', 1));
      router.add(b, sub('$share/g/x', 1));
      a.online = false;
      assert.deepEqual([1, 2, 3].map(() => router.route('x', null)[0]!.target.clientId), ['b', 'b', 'b']);
      assert.equal(router.sharedGroup('g', 'x')!.pickOnline(b), undefined);
      b.online = false;
      assert.equal(router.route('x', null).length, 1);
      a.online = true;
      assert.equal(router.sharedGroup('g', 'x')!.pickOnline(b)!.target, a);
    });

    it('passes over members that do not accept the copy (ACL), online or not, also when handing over', () => {
      const router = new Router<Target>();
      const [a, b, c] = [new Target('a'), new Target('b'), new Target('c')];
      for (const m of [a, b, c]) router.add(m, sub('$share/g/x', 1));
      const notB = (t: Target) => t !== b;
      assert.deepEqual([1, 2, 3, 4].map(() => router.route('x', null, notB)[0]!.target.clientId), ['a', 'c', 'a', 'c']);
      c.online = false;
      a.online = false;
      assert.notEqual(router.route('x', null, notB)[0]!.target.clientId, 'b', 'an offline member that accepts, not b');
      assert.deepEqual(router.route('x', null, () => false), [], 'nobody may read it: no copy');
      a.online = true;
      assert.equal(router.sharedGroup('g', 'x')!.pickOnline(c, notB)!.target, a);
      assert.equal(router.sharedGroup('g', 'x')!.pickOnline(a, notB), undefined, 'b is online but may not read it');
      assert.equal(router.sharedGroup('g', 'x')!.pickOnline(a)!.target, b);
    });

    it('gives separate copies to different groups and to a non-shared subscription of the same client', () => {
      const router = new Router<Target>();
      const a = new Target('a');
      router.add(a, sub('$share/g1/x', 1, { subscriptionId: 1 }));
      router.add(a, sub('$share/g2/x', 1, { subscriptionId: 2 }));
      router.add(a, sub('x', 0, { subscriptionId: 3 }));
      const ds = router.route('x', null);
      assert.equal(ds.length, 3);
      assert.deepEqual(ds.map((d) => d.subscriptionIds![0]).sort(), [1, 2, 3]);
    });

    it('removes a member, and the group when it is empty', () => {
      const router = new Router<Target>();
      const [a, b] = [new Target('a'), new Target('b')];
      router.add(a, sub('$share/g/x', 1));
      router.add(b, sub('$share/g/x', 1));
      assert.equal(router.remove(a, sub('$share/g/x', 1)), true);
      assert.equal(router.sharedGroup('g', 'x')!.members.length, 1);
      assert.equal(router.remove(b, sub('$share/g/x', 1)), true);
      assert.equal(router.sharedGroup('g', 'x'), undefined);
      assert.equal(router.size, 0);
    });
  });
});
