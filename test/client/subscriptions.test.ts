// The pool's subscription table, pure: merging, the broker subscriptions it plans (covering filters
// without identifiers, one per filter with them), the order of SUBSCRIBE and UNSUBSCRIBE, and routing
// each copy once per lease in both server styles, with retained messages only for those who asked.
import assert from 'node:assert/strict';
import type { PublishPacket } from '../../src/codec/types';
import { SubscriptionTable, type SubscribeRequest } from '../../src/client/subscriptions';

function publish(topic: string, payload = 'x', extra: { ids?: number[]; retain?: boolean } = {}): PublishPacket {
  const p: PublishPacket = { type: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: extra.retain ?? false, dup: false };
  if (extra.ids) p.properties = { subscriptionIdentifiers: extra.ids };
  return p;
}

/** Leases a copy goes to (shared filters: the filter, for the caller's round-robin), sorted. */
function routed(t: SubscriptionTable<string>, p: PublishPacket): string[] {
  const r = t.route(p);
  return [...r.members.map((m) => `${m.lease}:${m.filter}`), ...r.shared.map((e) => `share:${e.filter}`)].sort();
}

/**
 * Plays the broker: sends what is due, acknowledges it (code per filter: granted QoS by default), until
 * nothing is due. Returns the log of "+filter" / "-filter" and the requests made.
 */
function sync(t: SubscriptionTable<string>, grant: (filter: string) => number = () => -1): { log: string[]; requests: Array<SubscribeRequest<string>> } {
  const log: string[] = [];
  const requests: Array<SubscribeRequest<string>> = [];
  for (let round = 0; round < 20; round++) {
    const { subscribe, unsubscribe } = t.due();
    if (subscribe.length === 0 && unsubscribe.length === 0) return { log, requests };
    for (const sub of subscribe) {
      const r = t.request(sub, V5);
      requests.push(r);
      log.push(`+${sub.filter}`);
      const code = grant(sub.filter);
      t.subscribed(r, code >= 0 ? code : r.subscription.qos);
    }
    for (const sub of unsubscribe) {
      log.push(`-${sub.filter}`);
      t.unsubscribing(sub);
      t.unsubscribed(sub, { lost: false });
    }
  }
  throw new Error('sync did not settle');
}

const V5 = { maximumQoS: 2, protocolVersion: 5 } as const;
const heldFilters = (t: SubscriptionTable<string>): string[] => [...t.broker.keys()].sort();
const idOf = (t: SubscriptionTable<string>, filter: string): number => t.broker.get(filter)!.ids.at(-1)!;

describe('client subscription table', () => {
  it('merges leases on one filter: QoS the highest, No Local only if all, Retain As Published if any', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'a/+', { qos: 0, noLocal: true, retainHandling: 2 });
    const first = sync(t).requests;
    assert.deepEqual(first.map((r) => r.subscription), [{ topicFilter: 'a/+', qos: 0, noLocal: true, retainAsPublished: false, retainHandling: 2 }]);
    t.add('B', 'a/+', { qos: 2, retainAsPublished: true, retainHandling: 1 });
    assert.ok(!t.isSatisfied('a/+'), 'merged options changed: re-subscribe');
    assert.deepEqual(sync(t).requests.map((r) => r.subscription), [{ topicFilter: 'a/+', qos: 2, noLocal: false, retainAsPublished: true, retainHandling: 2 }]);
    t.add('C', 'a/+', { qos: 1, retainHandling: 1 });
    assert.ok(t.isSatisfied('a/+'), 'nothing new for the broker');
    assert.deepEqual(t.resultOf('a/+'), { qos: 2, reasonCode: 2, downgraded: false });
  });

  it('unsubscribes at the broker only when no lease needs the filter, re-subscribing with weaker options before', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 's', { qos: 1, retainHandling: 2 });
    t.add('B', 's', { qos: 2, retainHandling: 2 });
    sync(t);
    t.remove('B', 's');
    assert.deepEqual(sync(t).requests.map((r) => r.subscription.qos), [1]);
    t.remove('A', 's');
    assert.deepEqual(sync(t).log, ['-s']);
    assert.equal(t.size, 0);
    assert.equal(t.remove('A', 's'), false);
  });

  it('caps the request at the server Maximum QoS and reports the downgrade', () => {
    const t = new SubscriptionTable<string>();
    t.add('A', 'q', { qos: 2 });
    const [sub] = t.due().subscribe;
    const r = t.request(sub!, { maximumQoS: 1, protocolVersion: 5 });
    assert.equal(r.subscription.qos, 1);
    t.subscribed(r, 1);
    assert.deepEqual(t.resultOf('q'), { qos: 1, reasonCode: 1, downgraded: true });
    assert.ok(t.isSatisfied('q'), 'no re-subscribe loop for a capped QoS');
  });

  describe('without Subscription Identifiers (3.1.1, or a v5 server without them)', () => {
    it('holds one covering subscription per group of overlapping filters, subscribing it before unsubscribing', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/b', { qos: 0 });
      assert.deepEqual(sync(t).log, ['+a/b']);
      t.add('B', 'a/#', { qos: 1 });
      assert.deepEqual(sync(t).log, ['+a/#', '-a/b']);
      t.add('C', 'a/+/c', { qos: 0, retainHandling: 2 });
      assert.ok(t.isSatisfied('a/+/c'), 'covered by a/#: nothing to send');
      t.add('D', 'a/+/c', { qos: 0 }); // Retain Handling 0: only a SUBSCRIBE brings retained messages
      assert.deepEqual(sync(t).log, ['+a/#']);
      t.remove('D', 'a/+/c');
      t.remove('B', 'a/#'); // a/b and a/+/c do not overlap: two subscriptions again
      assert.deepEqual(sync(t).log, ['+a/b', '+a/+/c', '-a/#']);
      assert.deepEqual(heldFilters(t), ['a/+/c', 'a/b']);
    });

    it('does not unsubscribe what a new cover replaces until that cover is acknowledged', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/b', { qos: 0 });
      sync(t);
      t.add('B', 'a/#', { qos: 0 });
      const step = t.due();
      assert.deepEqual([step.subscribe.map((s) => s.filter), step.unsubscribe.map((s) => s.filter)], [['a/#'], []]);
      const r = t.request(step.subscribe[0]!, V5);
      assert.deepEqual(t.due().unsubscribe, [], 'SUBACK not here yet: a/b stays');
      t.subscribed(r, 0);
      assert.deepEqual(t.due().unsubscribe.map((s) => s.filter), ['a/b']);
    });

    it('routes the one copy to every lease once, naming each lease its own first matching filter', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/#', { qos: 0 });
      t.add('A', 'a/b', { qos: 0 });
      t.add('B', 'a/+', { qos: 0 });
      sync(t);
      assert.deepEqual(heldFilters(t), ['a/#']);
      assert.deepEqual(routed(t, publish('a/b')), ['A:a/#', 'B:a/+']);
      assert.deepEqual(routed(t, publish('a/b')), ['A:a/#', 'B:a/+'], 'a genuine identical repeat is delivered again');
      assert.deepEqual(routed(t, publish('a/c/d')), ['A:a/#']);
    });

    it('drops copies the covering filter brings that no lease asked for, and counts them', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/+/c', { qos: 0 });
      t.add('B', 'a/b/+', { qos: 0 });
      sync(t);
      assert.deepEqual(heldFilters(t), ['a/+/+']);
      assert.deepEqual(routed(t, publish('a/x/y')), []);
      assert.equal(t.stats.unrequested, 1);
      assert.deepEqual(routed(t, publish('a/b/c')), ['A:a/+/c', 'B:a/b/+']);
    });

    it('groups a filter with "#" on its parent level, and never a wildcard first level with a "$" filter [MQTT-4.7.2-1]', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a', { qos: 0 });
      t.add('B', 'a/#', { qos: 0 });
      t.add('C', '#', { qos: 0 });
      t.add('D', '$SYS/x', { qos: 0 });
      t.add('E', '+/x', { qos: 0 });
      sync(t);
      assert.deepEqual(heldFilters(t), ['#', '$SYS/x'], '"#" absorbs a, a/# and +/x; "$SYS/x" is out of its reach');
      t.remove('C', '#');
      sync(t);
      assert.deepEqual(heldFilters(t), ['$SYS/x', '+/#'], 'a, a/# and +/x generalize to +/#, which does not reach $SYS/x');
      assert.deepEqual(routed(t, publish('a')), ['A:a', 'B:a/#']);
      assert.deepEqual(routed(t, publish('$SYS/x')), ['D:$SYS/x']);
      assert.deepEqual(routed(t, publish('a/x')), ['B:a/#', 'E:+/x']);
      t.remove('E', '+/x');
      sync(t);
      assert.deepEqual(heldFilters(t), ['$SYS/x', 'a/#'], '"a/#" matches "a" itself: one group, not a/+ or two');
      assert.deepEqual(routed(t, publish('a')), ['A:a', 'B:a/#']);
    });

    it('keeps a refused generalized cover from forming again and subscribes the filters on their own', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/+/c', { qos: 0 });
      t.add('B', 'a/b/+', { qos: 0 });
      const { log } = sync(t, (f) => (f === 'a/+/+' ? 0x80 : -1));
      assert.deepEqual(log, ['+a/+/+', '+a/+/c', '+a/b/+']);
      assert.ok(t.isSatisfied('a/+/c') && t.isSatisfied('a/b/+'), 'both leases keep their subscriptions');
    });

    it('removes a refused lease filter and keeps the ones it covered', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/#', { qos: 0 });
      t.add('B', 'a/b', { qos: 0 });
      const [sub] = t.due().subscribe;
      const refused = t.subscribed(t.request(sub!, V5), 0x87);
      assert.deepEqual(refused.map((e) => [e.filter, [...e.members.keys()]]), [['a/#', ['A']]]);
      assert.deepEqual(sync(t).log, ['+a/b']);
      assert.deepEqual(t.filtersOf('A'), []);
    });

    it('never merges shared subscriptions, and hands each copy of one to the caller for round-robin', () => {
      const t = new SubscriptionTable<string>();
      t.add('W1', '$share/g/jobs/+', { qos: 1 });
      t.add('W2', '$share/g/jobs/+', { qos: 1 });
      t.add('M', 'jobs/#', { qos: 0 });
      sync(t);
      assert.deepEqual(heldFilters(t), ['$share/g/jobs/+', 'jobs/#']);
      assert.deepEqual(routed(t, publish('jobs/1')), ['M:jobs/#', 'share:$share/g/jobs/+']);
    });

    it('sends retained messages only to the lease that asked, not to leases subscribed already', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/b', { qos: 0 }); // Retain Handling 0: asks
      const first = sync(t).requests;
      assert.equal(first[0]!.subscription.retainHandling, 0);
      assert.deepEqual(routed(t, publish('a/b', 'state', { retain: true })), ['A:a/b'], 'A gets its retained message');
      t.add('B', 'a/#', { qos: 0 });
      const second = sync(t).requests;
      assert.equal(second[0]!.subscription.retainHandling, 0, 'B asked: the new cover asks the broker');
      // The broker sends the retained messages of a/# again: a/b's to B only, a/c's to B only.
      assert.deepEqual(routed(t, publish('a/b', 'state', { retain: true })), ['B:a/#']);
      assert.deepEqual(routed(t, publish('a/c', 'other', { retain: true })), ['B:a/#']);
      assert.equal(t.stats.retainedRepeats, 1, 'a/b\'s kept from A');
      // A later SUBSCRIBE by another lease repeats them: neither A nor B gets a topic twice.
      t.add('C', 'a/c', { qos: 0 });
      sync(t);
      assert.deepEqual(routed(t, publish('a/b', 'state', { retain: true })), []);
      assert.deepEqual(routed(t, publish('a/c', 'other', { retain: true })), ['C:a/c']);
      assert.equal(t.stats.retainedRepeats, 3);
      // Live messages carry RETAIN=0 and reach everyone.
      assert.deepEqual(routed(t, publish('a/c', 'live')), ['B:a/#', 'C:a/c']);
      assert.deepEqual(routed(t, publish('a/b', 'live')), ['A:a/b', 'B:a/#']);
    });

    it('asks for retained messages with Retain Handling 2 when no member asked (v5 request)', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'r', { qos: 0, retainHandling: 2 });
      assert.equal(sync(t).requests[0]!.subscription.retainHandling, 2);
      t.add('B', 'r', { qos: 0, retainHandling: 1 });
      assert.ok(t.isSatisfied('r'), 'Retain Handling 1 on an existing subscription: nothing to ask');
    });

    it('treats RETAIN=1 as a forwarded message when the subscription has Retain As Published', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'p', { qos: 0, retainAsPublished: true, retainHandling: 2 });
      sync(t);
      assert.deepEqual(routed(t, publish('p', 'x', { retain: true })), ['A:p']);
    });

    it('on 3.1.1 RETAIN=1 always marks a retained message sent on subscribe: Retain As Published is v5 only [3.1.1 MQTT-3.3.1-9]', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'p', { qos: 0, retainAsPublished: true, retainHandling: 2 }); // the mqtt-in default
      const [sub] = t.due().subscribe;
      t.subscribed(t.request(sub!, { maximumQoS: 2, protocolVersion: 4 }), 0);
      assert.deepEqual(routed(t, publish('p', 'x', { retain: true })), [], 'A did not ask for retained messages');
      assert.ok(t.isSatisfied('p'), 'no re-subscribe loop over an option 3.1.1 does not have');
    });

    it('after a session loss sends everything again and re-arms retained requests (Retain Handling 0/1)', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/#', { qos: 1 });
      t.add('B', 'b', { qos: 0, retainHandling: 2 });
      sync(t);
      t.sessionLost();
      const again = sync(t).requests.map((r) => `${r.subscription.topicFilter}:${r.subscription.retainHandling}`);
      assert.deepEqual(again.sort(), ['a/#:0', 'b:2']);
    });
  });

  describe('with Subscription Identifiers (v5)', () => {
    function withIds(): SubscriptionTable<string> {
      const t = new SubscriptionTable<string>();
      t.setIdentifiers(true);
      t.add('A', 'a/#', { qos: 0 });
      t.add('B', 'a/b', { qos: 0 });
      t.add('A', 'a/+', { qos: 0 });
      sync(t);
      return t;
    }

    it('holds one subscription per filter, each SUBSCRIBE with a new identifier', () => {
      const t = withIds();
      assert.deepEqual(heldFilters(t), ['a/#', 'a/+', 'a/b']);
      const ids = ['a/#', 'a/b', 'a/+'].map((f) => idOf(t, f));
      assert.equal(new Set(ids).size, 3);
      t.add('C', 'a/b', { qos: 0 }); // asks for retained messages: a new SUBSCRIBE of a/b
      sync(t);
      assert.notEqual(idOf(t, 'a/b'), ids[1]);
    });

    it('one copy per subscription [v5 MQTT-3.3.4-5]: each lease takes the copy naming its designated subscription', () => {
      const t = withIds();
      // A has a/# (rank 1) and a/+; B has a/b. Three copies of one publish to a/b:
      const copies = ['a/#', 'a/b', 'a/+'].map((f) => routed(t, publish('a/b', 'p', { ids: [idOf(t, f)] })));
      assert.deepEqual(copies, [['A:a/#'], ['B:a/b'], []]);
      assert.equal(t.stats.duplicates, 1);
      // A genuine repeat: the same three copies again, delivered again, once per lease.
      const repeat = ['a/+', 'a/b', 'a/#'].map((f) => routed(t, publish('a/b', 'p', { ids: [idOf(t, f)] })));
      assert.deepEqual(repeat, [[], ['B:a/b'], ['A:a/#']]);
    });

    it('one copy naming every matching subscription [v5 MQTT-3.3.4-4]: each lease once', () => {
      const t = withIds();
      const all = ['a/#', 'a/b', 'a/+'].map((f) => idOf(t, f));
      assert.deepEqual(routed(t, publish('a/b', 'q', { ids: all })), ['A:a/#', 'B:a/b']);
      assert.deepEqual(routed(t, publish('a/b', 'q', { ids: all })), ['A:a/#', 'B:a/b'], 'a genuine repeat');
      assert.deepEqual(routed(t, publish('a/x/y', 'q', { ids: [idOf(t, 'a/#')] })), ['A:a/#']);
    });

    it('accepts copies still carrying the identifier of an earlier SUBSCRIBE of the same filter', () => {
      const t = withIds();
      const old = idOf(t, 'a/#');
      t.add('A', 'a/#', { qos: 1 }); // options change: re-SUBSCRIBE with a new identifier
      sync(t);
      assert.notEqual(idOf(t, 'a/#'), old);
      assert.deepEqual(routed(t, publish('a/z/z', 'late', { ids: [old] })), ['A:a/#']);
    });

    it('prefers an acknowledged subscription as designated while a new one is on its way', () => {
      const t = new SubscriptionTable<string>();
      t.setIdentifiers(true);
      t.add('A', 'a/b', { qos: 0 });
      const [first] = t.due().subscribe;
      const r1 = t.request(first!, V5); // in flight, not acknowledged
      t.add('A', 'a/#', { qos: 0 });
      const [second] = t.due().subscribe;
      const r2 = t.request(second!, V5);
      t.subscribed(r2, 0); // a/# acknowledged first (a/b's SUBACK is late)
      // The broker processed both: per-subscription copies name each; A takes exactly one.
      assert.deepEqual(routed(t, publish('a/b', 'm', { ids: [r1.identifier!] })), []);
      assert.deepEqual(routed(t, publish('a/b', 'm', { ids: [r2.identifier!] })), ['A:a/#']);
      t.subscribed(r1, 0);
      assert.deepEqual(routed(t, publish('a/b', 'n', { ids: [r1.identifier!] })), ['A:a/b'], 'both acknowledged: the lower rank');
    });

    it('gives the retained messages of a SUBSCRIBE only to the members that asked in it', () => {
      const t = withIds();
      const before = idOf(t, 'a/b');
      t.add('C', 'a/b', { qos: 0 }); // C asks: a/b is subscribed again; B must not get the retained again
      sync(t);
      const retained = routed(t, publish('a/b', 'state', { retain: true, ids: [idOf(t, 'a/b')] }));
      assert.deepEqual(retained, ['C:a/b']);
      assert.deepEqual(routed(t, publish('a/b', 'state', { retain: true, ids: [before] })), ['B:a/b'], 'the earlier SUBSCRIBE was B\'s');
    });

    it('routes a copy without identifiers by topic, retained or not (nothing says whom RETAIN=1 is for)', () => {
      const t = withIds();
      assert.deepEqual(routed(t, publish('a/b', 'x')), ['A:a/#', 'B:a/b']);
      assert.deepEqual(routed(t, publish('a/b', 'x', { retain: true })), ['A:a/#', 'B:a/b']);
    });

    it('drops copies naming only unknown identifiers, and counts them', () => {
      const t = withIds();
      assert.deepEqual(routed(t, publish('a/b', 'x', { ids: [999_999] })), []);
      assert.equal(t.stats.unrequested, 1);
    });

    it('moves from covering filters to one subscription per filter when identifiers appear, subscribing first', () => {
      const t = new SubscriptionTable<string>();
      t.add('A', 'a/#', { qos: 0 });
      t.add('B', 'a/+/c', { qos: 0 });
      t.add('C', 'a/b/+', { qos: 0 });
      sync(t);
      assert.deepEqual(heldFilters(t), ['a/#']);
      t.setIdentifiers(true);
      const { log } = sync(t);
      assert.deepEqual(log, ['+a/#', '+a/+/c', '+a/b/+'], 'a/# gets an identifier; nothing to unsubscribe');
      t.setIdentifiers(false);
      assert.deepEqual(sync(t).log, ['-a/+/c', '-a/b/+']);
    });

    it('rejects invalid filters with a typed error before anything changes [v5 MQTT-4.7.1-1]', () => {
      const t = new SubscriptionTable<string>();
      assert.throws(() => t.add('A', 'a/#/b', { qos: 0 }), { name: 'TopicError', reasonCode: 0x8f });
      assert.equal(t.size, 0);
    });
  });
});
