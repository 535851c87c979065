import assert from 'node:assert/strict';
import { AlreadyConnectedError, InvalidOptionsError } from '../../src/client/errors';
import type { Lease } from '../../src/client/lease';
import { ConnectionPool } from '../../src/client/pool';
import type { ConnectionOptionsInput } from '../../src/client/options';
import type { Delivery } from '../../src/client/types';
import type { Packet, PublishPacket } from '../../src/codec/types';
import { ScriptedBroker, type PeerConnection } from './helpers/peer';
import { RouterPeer } from './helpers/router-peer';
import { Arrivals, withTimeout } from './helpers/wait';

function pub(topic: string, payload: string, extra: Partial<PublishPacket> = {}): PublishPacket {
  return { type: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false, ...extra };
}

/** Collects deliveries of one lease subscription as "filter:payload". */
class Inbox extends Arrivals<string> {
  constructor() {
    super('deliveries');
  }
  readonly handler = (d: Delivery): void => this.add(`${d.subscription}:${d.packet.payload.toString()}`);
}

describe('client pool and leases', () => {
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

  async function define(over: ConnectionOptionsInput = {}): Promise<void> {
    await pool.define('cfg', { url: broker.url, clientId: 'pooled', reconnect: { initialDelayMs: 10, maxDelayMs: 50, jitter: 0 }, ...over });
  }

  /** Answers SUBSCRIBEs with the given code per filter (default: granted QoS as asked). */
  function autoSuback(peer: PeerConnection, code?: (filter: string, qos: number) => number): void {
    peer.on('packet', (p: Packet) => {
      if (p.type !== 'subscribe') return;
      peer.send({ type: 'suback', packetId: p.packetId, reasonCodes: p.subscriptions.map((s) => code?.(s.topicFilter, s.qos) ?? s.qos) });
    });
  }

  it('shares one connection between leases and connects on the first lease', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const b = pool.acquire('cfg', { id: 'b' });
    const peer = await broker.accept();
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    assert.equal(broker.connections.length, 1);
    assert.equal(b.status.phase, 'connected');
    void peer;
  });

  it('does not connect on lease when auto-connect is off, until a lease asks', async () => {
    await define({ autoConnect: false });
    const a = pool.acquire('cfg', { id: 'a' });
    assert.equal(a.status.phase, 'idle');
    await a.connect();
    await broker.accept();
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    await assert.rejects(a.connect(), AlreadyConnectedError);
  });

  it('merges leases on one filter and holds one covering subscription for overlapping ones (3.1.1)', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const b = pool.acquire('cfg', { id: 'b' });
    const router = new RouterPeer(await broker.accept());
    const ia = new Inbox();
    const ib = new Inbox();
    assert.deepEqual(await a.subscribe('s/+', { qos: 1 }, ia.handler), { qos: 1, reasonCode: 1, downgraded: false });
    await b.subscribe('s/+', { qos: 0, retainHandling: 1 }, ib.handler);
    assert.deepEqual(router.log, ['+s/+'], 'b joining s/+ at a lower QoS needs no SUBSCRIBE');
    await b.subscribe('s/#', { qos: 0, retainHandling: 1 }, ib.handler);
    await router.until(() => router.log.length === 3, 'the switch to s/#');
    assert.deepEqual(router.log, ['+s/+', '+s/#', '-s/+'], 'the covering filter first, then the one it replaces');
    assert.equal(router.subscriptions.get('s/#')?.qos, 1, 'merged QoS: the highest of the group');
    // One broker subscription: one copy per publish, and a genuine repeat is delivered again.
    for (const [topic, payload] of [['s/1', 'm'], ['s/1', 'm'], ['s/2', 'n'], ['s/3/x', 'deep']] as const) {
      assert.equal(router.publish(topic, payload), 1);
    }
    await ia.wait(3);
    await ib.wait(4);
    assert.deepEqual(ia.got, ['s/+:m', 's/+:m', 's/+:n']);
    assert.deepEqual(ib.got, ['s/+:m', 's/+:m', 's/+:n', 's/#:deep'], 'b once per message, naming its first matching filter');
  });

  it('keeps the other leases subscribed when one unsubscribes, and unsubscribes at the broker after the last', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const b = pool.acquire('cfg', { id: 'b' });
    const peer = await broker.accept();
    autoSuback(peer);
    const ib = new Inbox();
    await a.subscribe('x', { qos: 0 }, new Inbox().handler);
    await b.subscribe('x', { qos: 0, retainHandling: 2 }, ib.handler);
    await a.unsubscribe('x');
    assert.ok(!peer.received.some((p) => p.type === 'unsubscribe'));
    peer.send(pub('x', 'still'));
    await ib.wait(1);
    const unsub = b.unsubscribe('x');
    const packet = await peer.nextOf('unsubscribe');
    assert.deepEqual(packet.topicFilters, ['x']);
    peer.send({ type: 'unsuback', packetId: packet.packetId });
    await unsub;
  });

  it('reports a SUBACK failure to the lease that asked', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const peer = await broker.accept();
    autoSuback(peer, (f, q) => (f === 'forbidden' ? 0x80 : q));
    await assert.rejects(a.subscribe('forbidden', { qos: 1 }, new Inbox().handler), {
      name: 'SubscribeError',
      reasonCode: 0x80,
      message: 'subscribe to "forbidden" refused: Failure (0x80)',
    });
    assert.deepEqual(a.subscriptions(), []);
    assert.deepEqual(await a.subscribe('ok', { qos: 1 }, new Inbox().handler), { qos: 1, reasonCode: 1, downgraded: false });
  });

  it('re-subscribes everything after a reconnect that did not resume the session', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const first = await broker.accept();
    autoSuback(first);
    await a.subscribe('r/1', { qos: 1 }, new Inbox().handler);
    await a.subscribe('r/2', { qos: 0 }, new Inbox().handler);
    first.end();
    const second = await broker.accept({ sessionPresent: false });
    const sub = await second.next('subscribe');
    assert.deepEqual(sub.subscriptions.map((s) => s.topicFilter).sort(), ['r/1', 'r/2']);
  });

  it('does not re-subscribe when the session was resumed', async () => {
    await define({ clean: false });
    const a = pool.acquire('cfg', { id: 'a' });
    const first = await broker.accept();
    autoSuback(first);
    const ia = new Inbox();
    await a.subscribe('keep', { qos: 1 }, ia.handler);
    first.end();
    const second = await broker.accept({ sessionPresent: true });
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    second.send(pub('keep', 'resumed'));
    await ia.wait(1);
    assert.ok(!second.received.some((p) => p.type === 'subscribe'));
  });

  it('uses v5 subscription identifiers when the server has them, one per SUBSCRIBE', async () => {
    await define({ protocolVersion: 5 });
    const a = pool.acquire('cfg', { id: 'a' });
    const b = pool.acquire('cfg', { id: 'b' });
    const peer = await broker.accept();
    autoSuback(peer);
    const ia = new Inbox();
    const ib = new Inbox();
    await a.subscribe('v/#', { qos: 0 }, ia.handler);
    await b.subscribe('v/1', { qos: 0 }, ib.handler);
    const ids = peer.received.flatMap((p) => (p.type === 'subscribe' ? [p.properties?.subscriptionIdentifier] : []));
    assert.equal(ids.length, 2);
    assert.ok(ids.every((id) => typeof id === 'number' && id > 0));
    peer.send(pub('v/1', 'z', { properties: { subscriptionIdentifiers: [ids[1]!] } }));
    await ib.wait(1);
    peer.send(pub('v/1', 'z', { properties: { subscriptionIdentifiers: [ids[0]!] } }));
    await ia.wait(1);
    assert.deepEqual([ia.got, ib.got], [['v/#:z'], ['v/1:z']]);
  });

  it('downgrades subscriptions to the server Maximum QoS and says so', async () => {
    await define({ protocolVersion: 5 });
    const a = pool.acquire('cfg', { id: 'a' });
    const peer = await broker.accept({ properties: { maximumQoS: 0 } });
    autoSuback(peer);
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    const r = await a.subscribe('d', { qos: 2 }, new Inbox().handler);
    assert.deepEqual(r, { qos: 0, reasonCode: 0, downgraded: true });
  });

  it('disconnects when the last lease is released because its node was removed, not on redeploy', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const peer = await broker.accept();
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    await a.release({ removed: false });
    assert.equal(pool.get('cfg')!.status.phase, 'connected');
    const a2 = pool.acquire('cfg', { id: 'a' });
    await a2.release({ removed: true });
    await peer.next('disconnect');
    assert.equal(pool.get('cfg')!.status.phase, 'disconnected');
  });

  it('keeps a redeployed node subscription for its next instance: no UNSUBSCRIBE/SUBSCRIBE churn', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'node1' });
    const peer = await broker.accept();
    autoSuback(peer);
    await a.subscribe('kept', { qos: 1, retainHandling: 2 }, new Inbox().handler);
    await a.release({ removed: false });
    const next = pool.acquire('cfg', { id: 'node1' });
    const inb = new Inbox();
    await next.subscribe('kept', { qos: 1, retainHandling: 2 }, inb.handler);
    peer.send(pub('kept', 'after'));
    await inb.wait(1);
    assert.equal(peer.received.filter((p) => p.type === 'subscribe').length, 1);
    assert.ok(!peer.received.some((p) => p.type === 'unsubscribe'));
  });

  it('reconnects with msg.broker overrides only when forced, and rejects invalid ones clearly', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const first = await broker.accept();
    autoSuback(first);
    await a.subscribe('dyn', { qos: 0 }, new Inbox().handler);
    await assert.rejects(a.connect({ clientid: 'other' }), AlreadyConnectedError);
    await assert.rejects(a.connect({ port: 'abc', keepalive: -5 } as never), (err: unknown) => {
      assert.ok(err instanceof InvalidOptionsError);
      assert.match(err.message, /keepalive: must be an integer from 0 to 65535 \(got -5\)/);
      return true;
    });
    await assert.rejects(a.connect({ colour: 'blue' } as never), /broker\.colour: unknown key/);
    const switching = a.connect({ clientid: 'other', force: true });
    await first.nextOf('disconnect');
    await switching;
    const second = await broker.nextConnection();
    assert.equal((await second.next('connect')).clientId, 'other');
    second.connack();
    assert.deepEqual((await second.next('subscribe')).subscriptions.map((s) => s.topicFilter), ['dyn']);
  });

  it('closes within the bound on config close even when the server is stuck', async () => {
    await define();
    const a = pool.acquire('cfg', { id: 'a' });
    const peer = await broker.accept();
    await withTimeout(new Promise((r) => a.once('connected', r)), 3000, 'connected');
    peer.socket.pause();
    const started = process.hrtime.bigint();
    await withTimeout(pool.close('cfg'), 4000, 'pool close');
    assert.ok(process.hrtime.bigint() - started < 3_500_000_000n);
    await assert.rejects(a.publish({ topic: 't', payload: 'x' }), { name: 'ClientClosedError' });
  });

  it('fans status out to every lease', async () => {
    await define();
    const leases: Lease[] = [pool.acquire('cfg', { id: 'a' }), pool.acquire('cfg', { id: 'b' })];
    const phases = leases.map(() => [] as string[]);
    leases.forEach((l, i) => l.on('status', (s) => phases[i]!.push(s.phase)));
    const peer = await broker.accept();
    await withTimeout(new Promise((r) => leases[1]!.once('connected', r)), 3000, 'connected');
    peer.end();
    await withTimeout(new Promise((r) => leases[0]!.once('status', r)), 3000, 'status');
    assert.deepEqual(phases[0], phases[1]);
    assert.ok(phases[0]!.includes('connected') && phases[0]!.includes('reconnecting'));
  });
});
