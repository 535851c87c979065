// Pool regression tests for overlapping subscriptions against a scripted broker that sends ONE COPY PER
// MATCHING SUBSCRIPTION (helpers/router-peer.ts), or one combined copy: every lease gets every publish
// exactly once, including two genuine identical publishes in a row (the old 1 s de-duplication window
// delivered those once), on 3.1.1, on v5 without Subscription Identifiers and on v5 with them.
import assert from 'node:assert/strict';
import { ConnectionPool } from '../../src/client/pool';
import type { ConnectionOptionsInput } from '../../src/client/options';
import type { Lease } from '../../src/client/lease';
import type { Delivery } from '../../src/client/types';
import { ScriptedBroker } from './helpers/peer';
import { RouterPeer, type RouterOptions } from './helpers/router-peer';
import { Arrivals, withTimeout } from './helpers/wait';

/** Deliveries of one lease as "filter:payload" (with "(r)" for RETAIN=1), waitable by count. */
class Inbox extends Arrivals<string> {
  constructor() {
    super('deliveries');
  }
  readonly handler = (d: Delivery): void => this.add(`${d.subscription}:${d.packet.payload.toString()}${d.packet.retain ? '(r)' : ''}`);
}

type Mode = { name: string; client: ConnectionOptionsInput; ids: boolean | undefined; style?: RouterOptions['style'] };

const MODES: Mode[] = [
  { name: 'MQTT 3.1.1', client: { protocolVersion: 4 }, ids: undefined },
  { name: 'MQTT 5 without Subscription Identifiers', client: { protocolVersion: 5 }, ids: false },
  { name: 'MQTT 5 with identifiers, one copy per subscription [v5 MQTT-3.3.4-5]', client: { protocolVersion: 5 }, ids: true, style: 'per-subscription' },
  { name: 'MQTT 5 with identifiers, one combined copy [v5 MQTT-3.3.4-4]', client: { protocolVersion: 5 }, ids: true, style: 'combined' },
];

describe('client pool: overlapping subscriptions, exact delivery', () => {
  let broker: ScriptedBroker;
  let pool: ConnectionPool;

  beforeEach(() => {
    broker = new ScriptedBroker();
    pool = new ConnectionPool();
  });
  afterEach(async () => {
    await pool.closeAll();
    broker.close();
  });

  async function start(mode: Mode, router: RouterOptions = {}): Promise<{ router: RouterPeer; lease: (id: string) => Lease }> {
    await pool.define('cfg', { url: broker.url, clientId: 'overlap', reconnect: false, ...mode.client });
    const first = pool.acquire('cfg', { id: 'first' });
    const properties = mode.ids === undefined ? undefined : { subscriptionIdentifiersAvailable: mode.ids };
    const peer = await broker.accept(properties ? { properties } : {});
    const routerPeer = new RouterPeer(peer, { ...router, ...(mode.style ? { style: mode.style } : {}) });
    const leases = new Map<string, Lease>([['first', first]]);
    return {
      router: routerPeer,
      lease: (id) => {
        if (!leases.has(id)) leases.set(id, pool.acquire('cfg', { id }));
        return leases.get(id)!;
      },
    };
  }

  for (const mode of MODES) {
    describe(mode.name, () => {
      it('delivers two genuine identical publishes within a second both, once per lease (also a lease with two overlapping filters)', async () => {
        const { router, lease } = await start(mode);
        const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
        await lease('first').subscribe('a/#', { qos: 1 }, a.handler);
        await lease('b').subscribe('a/b', { qos: 0 }, b.handler);
        await lease('c').subscribe('a/+', { qos: 0 }, c.handler);
        await lease('c').subscribe('a/b', { qos: 0 }, c.handler);
        const expected = mode.ids ? ['a/#', 'a/+', 'a/b'] : ['a/#'];
        await router.until(() => router.filters.join() === expected.join(), `broker subscriptions ${expected}`);
        const copies = router.publish('a/b', 'on') + router.publish('a/b', 'on');
        assert.equal(copies, mode.ids && mode.style !== 'combined' ? 6 : 2, 'copies the broker sent');
        router.publish('a/b', 'end');
        await Promise.all([a.wait(3), b.wait(3), c.wait(3)]);
        assert.deepEqual(a.got, ['a/#:on', 'a/#:on', 'a/#:end']);
        assert.deepEqual(b.got, ['a/b:on', 'a/b:on', 'a/b:end']);
        assert.deepEqual(c.got, ['a/b:on', 'a/b:on', 'a/b:end'], 'c once per message, naming its oldest matching filter (a/b: b had it first)');
        // Nothing more is on its way: a marker for a/# only, after which the counts must be unchanged.
        router.publish('a/zz/deep', 'marker');
        await a.wait(4);
        assert.deepEqual([b.got.length, c.got.length], [3, 3]);
      });
    });
  }

  it('3.1.1: a new covering filter is subscribed before the one it replaces is unsubscribed: no gap', async () => {
    const { router, lease } = await start(MODES[0]!, { holdSuback: (f) => f === 'a/#' });
    const a = new Inbox();
    const b = new Inbox();
    await lease('first').subscribe('a/b', { qos: 0 }, a.handler);
    router.publish('a/b', 'p1');
    await a.wait(1);
    const joining = lease('b').subscribe('a/#', { qos: 0 }, b.handler);
    await router.until(() => router.log.includes('+a/#'), 'SUBSCRIBE a/#');
    // Both held at the broker while the SUBACK of a/# is outstanding: the switch may duplicate, never lose.
    assert.equal(router.publish('a/b', 'p2'), 2);
    await a.wait(3);
    assert.ok(!router.log.includes('-a/b'), 'a/b is kept until a/# is acknowledged');
    router.release();
    await joining;
    await router.until(() => router.log.includes('-a/b'), 'UNSUBSCRIBE a/b');
    assert.deepEqual(router.log, ['+a/b', '+a/#', '-a/b']);
    assert.equal(router.publish('a/b', 'p3'), 1);
    await a.wait(4);
    await b.wait(3);
    assert.deepEqual(a.got, ['a/b:p1', 'a/b:p2', 'a/b:p2', 'a/b:p3'], 'the documented duplicate during the switch');
    assert.deepEqual(b.got, ['a/#:p2', 'a/#:p2', 'a/#:p3']);
  });

  it('3.1.1: retained messages re-sent for a new covering filter go only to the lease that asked', async () => {
    const { router, lease } = await start(MODES[0]!);
    router.retained.set('a/b', 'state-b');
    router.retained.set('a/c', 'state-c');
    const a = new Inbox();
    const b = new Inbox();
    await lease('first').subscribe('a/b', { qos: 0 }, a.handler);
    await a.wait(1);
    await lease('b').subscribe('a/#', { qos: 0 }, b.handler);
    await b.wait(2);
    router.publish('a/b', 'live');
    await b.wait(3);
    await a.wait(2);
    assert.deepEqual(a.got, ['a/b:state-b(r)', 'a/b:live']);
    assert.deepEqual(b.got.slice(0, 2).sort(), ['a/#:state-b(r)', 'a/#:state-c(r)']);
    assert.equal(pool.get('cfg')!.stats.retainedRepeats, 1, 'a/b\'s retained message kept from a');
  });

  it('v5 with identifiers: a lease joining a filter gets its retained messages, the lease already on it does not', async () => {
    const { router, lease } = await start(MODES[2]!);
    router.retained.set('r/1', 'state');
    const a = new Inbox();
    const b = new Inbox();
    await lease('first').subscribe('r/+', { qos: 0 }, a.handler);
    await a.wait(1);
    await lease('b').subscribe('r/+', { qos: 0 }, b.handler); // re-SUBSCRIBE of r/+ with a new identifier
    await b.wait(1);
    router.publish('r/1', 'live');
    await Promise.all([a.wait(2), b.wait(2)]);
    assert.deepEqual(a.got, ['r/+:state(r)', 'r/+:live']);
    assert.deepEqual(b.got, ['r/+:state(r)', 'r/+:live']);
  });

  it('3.1.1: a refused generalized cover falls back to the leases\' own filters; a refused lease filter fails only its lease', async () => {
    const refuse = new Set(['a/+/+', 'x/#']);
    const { router, lease } = await start(MODES[0]!, { grant: (f, q) => (refuse.has(f) ? 0x80 : q) });
    const [a, b] = [new Inbox(), new Inbox()];
    const results = await Promise.allSettled([
      lease('first').subscribe('a/+/c', { qos: 0 }, a.handler),
      lease('b').subscribe('a/b/+', { qos: 0 }, b.handler),
      lease('c').subscribe('x/#', { qos: 0 }, new Inbox().handler),
      lease('d').subscribe('x/y', { qos: 0 }, new Inbox().handler),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal((results[2] as PromiseRejectedResult).reason.name, 'SubscribeError');
    await router.until(() => router.filters.join() === 'a/+/c,a/b/+,x/y', 'the fallback subscriptions');
    assert.deepEqual(lease('c').subscriptions(), []);
    router.publish('a/q/c', 'only-a');
    await a.wait(1);
    assert.deepEqual([a.got, b.got], [['a/+/c:only-a'], []]);
  });

  it('counts and drops copies a covering filter brings that no lease asked for', async () => {
    const { router, lease } = await start(MODES[0]!);
    const [a, b] = [new Inbox(), new Inbox()];
    await lease('first').subscribe('a/+/c', { qos: 0 }, a.handler);
    await lease('b').subscribe('a/b/+', { qos: 0 }, b.handler);
    await router.until(() => router.filters.join() === 'a/+/+', 'the covering filter a/+/+');
    router.publish('a/x/y', 'nobody');
    router.publish('a/b/c', 'both');
    await Promise.all([a.wait(1), b.wait(1)]);
    assert.deepEqual([a.got, b.got], [['a/+/c:both'], ['a/b/+:both']]);
    assert.equal(pool.get('cfg')!.stats.unrequested, 1);
  });

  it('shared subscriptions are never merged; each copy for one goes to one lease, round-robin (3.1.1)', async () => {
    const { router, lease } = await start(MODES[0]!);
    const [w1, w2] = [new Inbox(), new Inbox()];
    await lease('first').subscribe('$share/g/jobs/+', { qos: 1 }, w1.handler);
    await lease('w2').subscribe('$share/g/jobs/+', { qos: 1 }, w2.handler);
    await lease('m').subscribe('$share/h/jobs/#', { qos: 0 }, new Inbox().handler);
    await router.until(() => router.filters.length === 2, 'both shared filters');
    assert.deepEqual(router.filters, ['$share/g/jobs/+', '$share/h/jobs/#'], 'overlapping, yet not merged');
    router.subscriptions.delete('$share/h/jobs/#'); // this test's broker gives group h's messages to another client
    for (const n of [1, 2, 3, 4]) router.publish(`jobs/${n}`, `j${n}`);
    await Promise.all([w1.wait(2), w2.wait(2)]);
    assert.deepEqual([w1.got, w2.got], [['$share/g/jobs/+:j1', '$share/g/jobs/+:j3'], ['$share/g/jobs/+:j2', '$share/g/jobs/+:j4']]);
  });

  it('v5 with identifiers: a shared subscription overlapping an ordinary one: each lease exactly as subscribed', async () => {
    const { router, lease } = await start(MODES[2]!);
    const [w1, w2, m] = [new Inbox(), new Inbox(), new Inbox()];
    await lease('first').subscribe('$share/g/jobs/+', { qos: 1 }, w1.handler);
    await lease('w2').subscribe('$share/g/jobs/+', { qos: 1 }, w2.handler);
    await lease('m').subscribe('jobs/#', { qos: 0 }, m.handler);
    for (const n of [1, 2, 3, 4]) assert.equal(router.publish(`jobs/${n}`, 'same'), 2);
    await Promise.all([w1.wait(2), w2.wait(2), m.wait(4)]);
    assert.deepEqual([w1.got.length, w2.got.length, m.got], [2, 2, ['jobs/#:same', 'jobs/#:same', 'jobs/#:same', 'jobs/#:same']]);
  });

  it('3.1.1 persistent session: an UNSUBSCRIBE owed while offline is sent on the resumed connection; a lost session re-subscribes only the covers', async () => {
    await pool.define('cfg', { url: broker.url, clientId: 'resume', clean: false, reconnect: { initialDelayMs: 10, maxDelayMs: 50, jitter: 0 } });
    const a = pool.acquire('cfg', { id: 'a' });
    const first = new RouterPeer(await broker.accept());
    await a.subscribe('k/#', { qos: 1 }, new Inbox().handler);
    await a.subscribe('k/1', { qos: 1 }, new Inbox().handler);
    await a.subscribe('gone', { qos: 1 }, new Inbox().handler);
    await first.until(() => first.filters.join() === 'gone,k/#', 'k/# and gone');
    first.peer.end();
    await withTimeout(new Promise((r) => a.once('status', r)), 3000, 'connection down');
    await a.unsubscribe('gone'); // offline: resolves now, owed to the broker
    const second = new RouterPeer(await broker.accept({ sessionPresent: true }));
    await second.until(() => second.log.join() === '-gone', 'UNSUBSCRIBE gone on the resumed session');
    second.peer.end();
    const third = new RouterPeer(await broker.accept({ sessionPresent: false }));
    await third.until(() => third.log.length === 1, 'the re-subscription');
    assert.deepEqual(third.log, ['+k/#'], 'one covering filter, nothing for the session that is gone');
  });
});
