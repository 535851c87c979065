// Broker state on disk (FilePersistence on the record log): what a restart brings back, what is stored
// how, and the durability point: acknowledgements wait for the commit of the state they confirm.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FilePersistence, LOG_FILE, type BrokerMessage, type BrokerPersistence, type RestoredState, type SessionSnapshot,
} from '../../src/broker';
import { RecordLog } from '../../src/store/log';
import { failNextAppend } from '../store/faults';
import { TestClient, ack, closeBrokers, connected, makeBroker } from './helpers';

const persistent = (clientId: string, expiry = 3600) => ({ clientId, clean: false, properties: { sessionExpiryInterval: expiry } });

describe('broker file persistence', () => {
  let dir: string;
  const opened: FilePersistence[] = [];
  const open = async (): Promise<FilePersistence> => {
    const p = await FilePersistence.open({ directory: dir, fsync: 'batch' });
    opened.push(p);
    return p;
  };
  /** Stops a broker and its persistence the way the node does on redeploy. */
  const stop = async (broker: { close(): Promise<void> }, p: FilePersistence) => {
    await broker.close();
    await p.close();
  };
  /** The log's live records, read after the persistence closed. */
  const records = async (): Promise<Map<string, Buffer>> => {
    const log = await RecordLog.open(join(dir, LOG_FILE));
    const out = new Map(log.entries());
    await log.close();
    return out;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mqttkit-broker-'));
  });
  afterEach(async () => {
    await closeBrokers();
    await Promise.all(opened.splice(0).map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores retained messages, persistent sessions, queued and in-flight messages and QoS 2 ids from disk', async () => {
    const p1 = await open();
    const first = makeBroker({ persistence: p1 });
    await first.start();
    const c = await connected(first, persistent('keeper'));
    await c.subscribe([{ topicFilter: 'q/#', qos: 2 }, { topicFilter: 'v/+', qos: 1 }], 0, 1, { subscriptionIdentifier: 7 });
    c.publish('q/self', 'unreleased', { qos: 2, packetId: 77 });
    const own = await c.next('publish'); // routed to its own subscription, left unacknowledged (in flight)
    await c.next('pubrec');
    await c.drop();
    await first.publish({ topic: 'q/queued', payload: 'while offline', qos: 1, properties: { correlationData: Buffer.from([1, 2, 3]), userProperties: [['k', 'v']] } });
    await first.publish({ topic: 'status', payload: 'kept', retain: true, properties: { contentType: 'text/plain' } });
    await stop(first, p1);

    const p2 = await open();
    const second = makeBroker({ persistence: p2 });
    await second.start();
    assert.equal(second.retained('status')?.payload.toString(), 'kept');
    assert.equal(second.retained('status')?.properties?.contentType, 'text/plain');
    const back = TestClient.inMemory(second);
    assert.equal((await back.connect(persistent('keeper'))).sessionPresent, true);
    const resent = await back.next('publish');
    assert.deepEqual([resent.packetId, resent.dup, resent.payload.toString(), resent.properties?.subscriptionIdentifiers], [own.packetId, true, 'unreleased', [7]]);
    const queued = await back.next('publish');
    assert.deepEqual([queued.payload.toString(), queued.properties?.correlationData, queued.properties?.userProperties], ['while offline', Buffer.from([1, 2, 3]), [['k', 'v']]]);
    back.send({ type: 'pubrel', packetId: 77, reasonCode: 0 });
    assert.deepEqual(await back.next('pubcomp'), { type: 'pubcomp', packetId: 77, reasonCode: 0 });
    await second.publish({ topic: 'v/1', payload: 'subscriptions restored', qos: 1 });
    const live = await back.next('publish');
    assert.deepEqual([live.payload.toString(), live.properties?.subscriptionIdentifiers], ['subscriptions restored', [7]]);
  });

  it('stores a message queued for many sessions once, and forgets it when every copy is delivered', async () => {
    const p1 = await open();
    const broker = makeBroker({ persistence: p1 });
    await broker.start();
    for (const id of ['s1', 's2', 's3']) {
      const c = await connected(broker, persistent(id));
      await c.subscribe('fan/#', 1);
      await c.drop();
    }
    await broker.publish({ topic: 'fan/out', payload: Buffer.alloc(1000, 7), qos: 1 });
    await p1.flush();
    const keys = [...(await snapshotKeys(p1))];
    assert.equal(keys.filter((k) => k.startsWith('m/')).length, 1);
    assert.equal(keys.filter((k) => k.startsWith('o/')).length, 3);
    for (const id of ['s1', 's2', 's3']) {
      const c = TestClient.inMemory(broker);
      await c.connect(persistent(id));
      await ack(c, await c.next('publish'));
      await c.expectQuiet();
      await c.disconnect();
    }
    await stop(broker, p1);
    const left = [...(await records()).keys()];
    assert.deepEqual(left.filter((k) => k.startsWith('m/') || k.startsWith('o/')), []);
    assert.deepEqual(left.filter((k) => k.startsWith('s/')).sort(), ['s/s1', 's/s2', 's/s3']);
  });

  it('keeps the absolute expiry of an offline session; one that expired while stopped is gone after restart', async () => {
    const p1 = await open();
    const broker = makeBroker({ persistence: p1 });
    await broker.start();
    const before = Date.now();
    const c = await connected(broker, persistent('brief', 1000));
    await c.subscribe('x', 1);
    await c.drop();
    await stop(broker, p1);
    const stored = JSON.parse((await records()).get('s/brief')!.toString()) as SessionSnapshot;
    assert.ok(stored.expiresAt! >= before + 1000 * 1000 && stored.expiresAt! <= Date.now() + 1000 * 1000);

    // Rewrite it as if the broker had been stopped past its expiry time.
    const log = await RecordLog.open(join(dir, LOG_FILE));
    await log.put('s/brief', Buffer.from(JSON.stringify({ ...stored, expiresAt: Date.now() - 1 })));
    await log.close();
    const p2 = await open();
    const again = makeBroker({ persistence: p2 });
    await again.start();
    assert.equal(again.session('brief'), undefined);
    const fresh = TestClient.inMemory(again);
    assert.equal((await fresh.connect(persistent('brief'))).sessionPresent, false);
  });

  it('after a write fails (disk full) the log repairs itself: the re-sent message is acknowledged and survives a restart', async () => {
    const errors: Error[] = [];
    const p1 = await FilePersistence.open({ directory: dir, fsync: 'batch', repairDelayMs: 0, onError: (e) => errors.push(e) });
    opened.push(p1);
    const first = makeBroker({ persistence: p1 });
    await first.start();
    const c = await connected(first, persistent('writer'));
    failNextAppend((p1 as unknown as { log: RecordLog }).log);
    c.publish('state', 'on', { qos: 1, retain: true, packetId: 1 });
    assert.equal((await c.next('disconnect')).reasonCode, 0x83, 'not acknowledged: the client keeps the message');
    assert.match(errors[0]?.message ?? '', /ENOSPC/);
    const again = await connected(first, persistent('writer'));
    again.publish('state', 'on', { qos: 1, retain: true, packetId: 1, dup: true });
    assert.equal((await again.next('puback')).packetId, 1);
    assert.equal(p1.stats.repairs, 1);
    await stop(first, p1);

    const second = makeBroker({ persistence: await open() });
    await second.start();
    assert.equal(second.retained('state')?.payload.toString(), 'on');
  });

  it('does not store $SYS retained messages (they are regenerated)', async () => {
    const p1 = await open();
    const broker = makeBroker({ persistence: p1 });
    await broker.start();
    await broker.publish({ topic: '$SYS/broker/uptime', payload: '5 seconds', retain: true });
    await broker.publish({ topic: 'app/state', payload: 'on', retain: true });
    await stop(broker, p1);
    assert.deepEqual([...(await records()).keys()], ['r/app/state']);
  });

  it('drops orphaned records (a copy without its session or message) on restore', async () => {
    const log = await RecordLog.open(join(dir, LOG_FILE));
    await log.write([
      { op: 'put', key: 'o/5', value: Buffer.from(JSON.stringify({ c: 'ghost', m: 9, q: 1, r: false, id: 0, st: 'queued' })) },
      { op: 'put', key: 'a/ghost', value: Buffer.from('[1,2]') },
      { op: 'put', key: 'x/unknown', value: Buffer.from('?') },
    ]);
    await log.close();
    const p = await open();
    const state = p.restore();
    assert.deepEqual(state, { retained: [], sessions: [] });
    await p.close();
    assert.deepEqual([...(await records()).keys()], []);
  });
});

/** Keys the persistence has written so far (through its restore view of the live log). */
async function snapshotKeys(p: FilePersistence): Promise<string[]> {
  return [...(p as unknown as { entries(): IterableIterator<[string, Buffer]> }).entries()].map(([k]) => k);
}

/** A persistence whose commits are released by the test. */
class GatedPersistence implements BrokerPersistence {
  private gate: { promise: Promise<void>; open: () => void; fail: (e: Error) => void } | undefined;
  pending = 0;

  restore(): RestoredState {
    return { retained: [], sessions: [] };
  }
  private touch(): void {
    if (this.gate) return;
    let open!: () => void;
    let fail!: (e: Error) => void;
    const promise = new Promise<void>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
    this.gate = { promise, open, fail };
  }
  retainedChanged(_topic: string, _m: BrokerMessage | undefined): void {
    this.touch();
  }
  sessionChanged(): void {}
  sessionDeleted(): void {}
  outboundChanged(): void {
    this.touch();
  }
  outboundRemoved(): void {}
  awaitingReleaseChanged(): void {
    this.touch();
  }
  async flush(): Promise<void> {}
  whenDurable(): Promise<void> | undefined {
    return this.gate?.promise;
  }
  commit(): void {
    this.gate?.open();
    this.gate = undefined;
  }
  failCommit(): void {
    this.gate?.fail(new Error('disk full'));
    this.gate = undefined;
  }
}

describe('broker durability point: acknowledgements wait for the commit', () => {
  afterEach(closeBrokers);

  it('PUBACK of a retained QoS 1 message waits for the commit; later acknowledgements keep their order [MQTT-4.6.0-2]', async () => {
    const gated = new GatedPersistence();
    const broker = makeBroker({ persistence: gated });
    await broker.start();
    const c = await connected(broker);
    c.publish('state', 'on', { qos: 1, retain: true, packetId: 1 });
    c.publish('plain', 'x', { qos: 1, packetId: 2 }); // needs no storage, but must not overtake packet 1
    await c.expectQuiet();
    gated.commit();
    assert.equal((await c.next('puback')).packetId, 1);
    assert.equal((await c.next('puback')).packetId, 2);
  });

  it('PUBREC and PUBCOMP of QoS 2 wait for the commit of the packet id state', async () => {
    const gated = new GatedPersistence();
    const broker = makeBroker({ persistence: gated });
    await broker.start();
    const c = await connected(broker, persistent('q2'));
    c.publish('t', 'x', { qos: 2, packetId: 9 });
    await c.expectQuiet();
    gated.commit();
    assert.equal((await c.next('pubrec')).packetId, 9);
    c.send({ type: 'pubrel', packetId: 9, reasonCode: 0 });
    await c.expectQuiet();
    gated.commit();
    assert.equal((await c.next('pubcomp')).packetId, 9);
  });

  it('a failed commit closes the connection instead of acknowledging (v5 DISCONNECT 0x83)', async () => {
    const gated = new GatedPersistence();
    const broker = makeBroker({ persistence: gated });
    await broker.start();
    const c = await connected(broker);
    c.publish('state', 'on', { qos: 1, retain: true, packetId: 1 });
    await c.expectQuiet();
    gated.failCommit();
    assert.equal((await c.next('disconnect')).reasonCode, 0x83);
  });

  it('without storage to wait for, acknowledgements go out at once (no persistence or nothing stored)', async () => {
    const gated = new GatedPersistence();
    const broker = makeBroker({ persistence: gated });
    await broker.start();
    const c = await connected(broker);
    c.publish('plain', 'x', { qos: 1, packetId: 4 });
    assert.equal((await c.next('puback')).packetId, 4);
  });
});
