// A failed store write is never silent (docs/session.md, "Store write failures"): the driver against a
// scripted broker, with a memory store whose writes fail on demand (ENOSPC, as a full disk reports it),
// and with the file store on a disk that fills up and frees again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import { StoreWriteError } from '../../src/session';
import { FileStore, MemoryStore, type OutgoingRecord, type SessionStore, type StoredSession } from '../../src/store';
import type { RecordLog } from '../../src/store/log';
import { failNextAppend } from '../store/faults';
import { ScriptedBroker } from './helpers/peer';
import { statusUntil, until, warnings } from './helpers/wait';

type WriteOp = 'putOutgoing' | 'removeOutgoing' | 'putIncoming' | 'removeIncoming';
type Arg<O extends WriteOp> = O extends 'putOutgoing' ? OutgoingRecord : number;

/** A MemoryStore whose writes fail while a rule for that operation says so. */
class FailingStore implements SessionStore {
  readonly inner = new MemoryStore();
  private readonly rules = new Map<WriteOp, (arg: never) => boolean>();
  failures = 0;

  failOn<O extends WriteOp>(op: O, when: (arg: Arg<O>) => boolean = () => true): void {
    this.rules.set(op, when as (arg: never) => boolean);
  }

  heal(): void {
    this.rules.clear();
  }

  load(): Promise<StoredSession> {
    return this.inner.load();
  }
  putOutgoing(record: OutgoingRecord): Promise<void> {
    return this.write('putOutgoing', record, () => this.inner.putOutgoing(record));
  }
  removeOutgoing(seq: number): Promise<void> {
    return this.write('removeOutgoing', seq, () => this.inner.removeOutgoing(seq));
  }
  putIncoming(packetId: number): Promise<void> {
    return this.write('putIncoming', packetId, () => this.inner.putIncoming(packetId));
  }
  removeIncoming(packetId: number): Promise<void> {
    return this.write('removeIncoming', packetId, () => this.inner.removeIncoming(packetId));
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async write(op: WriteOp, arg: unknown, run: () => Promise<void>): Promise<void> {
    await Promise.resolve(); // asynchronous like a disk
    if ((this.rules.get(op) as ((a: unknown) => boolean) | undefined)?.(arg)) {
      this.failures++;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return run();
  }
}

const ENOSPC = 'could not store message: ENOSPC: no space left on device, write';

describe('client connection driver: store write failures', () => {
  let broker: ScriptedBroker;
  const open: Connection[] = [];

  beforeEach(() => {
    broker = new ScriptedBroker();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.dispose()));
    broker.close();
  });

  function client(store: SessionStore, over: ConnectionOptionsInput = {}): Connection {
    const options = normalizeOptions({ url: broker.url, clientId: 'c1', reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0 }, ...over });
    const c = new Connection(options, { store });
    open.push(c);
    return c;
  }

  const isStoreWriteError = (err: unknown): boolean =>
    err instanceof StoreWriteError && err.message === ENOSPC && err.reasonCode === 0x83 && (err.cause as { code?: string }).code === 'ENOSPC';

  it('fails an outgoing QoS 1 publish whose record cannot be written with StoreWriteError, and never sends it', async () => {
    const store = new FailingStore();
    const c = client(store);
    const seen = warnings(c);
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    store.failOn('putOutgoing', (r) => r.topic === 'lost');
    await assert.rejects(c.publish({ topic: 'lost', payload: 'x', qos: 1 }), isStoreWriteError);
    const failing = await statusUntil(c, (s) => s.storeError !== undefined);
    assert.equal(failing.phase, 'connected');
    assert.equal(failing.storeError?.message, ENOSPC);
    assert.equal(seen.filter((w) => w.code === 'store').length, 1);
    assert.match(seen.find((w) => w.code === 'store')!.message, /publish to "lost" failed and not sent/);

    store.heal();
    const kept = c.publish({ topic: 'kept', payload: 'y', qos: 1 });
    const sent = await peer.next('publish'); // would be "lost" had it gone out
    assert.equal(sent.topic, 'kept');
    peer.send({ type: 'puback', packetId: sent.packetId!, reasonCode: 0 });
    await kept;
    const healthy = await statusUntil(c, (s) => s.storeError === undefined);
    assert.equal(healthy.phase, 'connected');
    assert.deepEqual((await store.inner.load()).outgoing, [], 'nothing left behind');
    assert.equal(c.queued, 0);
  });

  it('fails a publish queued while offline whose record cannot be written; the next connection never sends it', async () => {
    const store = new FailingStore();
    const c = client(store);
    store.failOn('putOutgoing');
    await assert.rejects(c.publish({ topic: 'offline', payload: 'x', qos: 2 }), isStoreWriteError);
    assert.equal(c.queued, 0);
    store.heal();
    c.open();
    const peer = await broker.accept();
    const after = c.publish({ topic: 'after', payload: 'y', qos: 1 });
    const sent = await peer.next('publish');
    assert.equal(sent.topic, 'after');
    peer.send({ type: 'puback', packetId: sent.packetId!, reasonCode: 0 });
    await after;
  });

  it('a message re-queued after a lost session whose record cannot be rewritten is failed, not sent again', async () => {
    const store = new FailingStore();
    const c = client(store, { clean: false });
    c.open();
    const first = await broker.accept();
    const pending = c.publish({ topic: 'again', payload: 'x', qos: 1 });
    const rejected = assert.rejects(pending, isStoreWriteError);
    await first.next('publish');
    store.failOn('putOutgoing');
    first.end();
    const second = await broker.accept({ sessionPresent: false }); // back to the queue: new records
    await rejected;
    store.heal();
    const next = c.publish({ topic: 'fresh', payload: 'y', qos: 1 });
    const sent = await second.next('publish');
    assert.equal(sent.topic, 'fresh', 'the failed message was not re-sent');
    second.send({ type: 'puback', packetId: sent.packetId!, reasonCode: 0 });
    await next;
  });

  it('a QoS 2 message past PUBREC completes when its PUBREL record cannot be written (the server has it), with a warning', async () => {
    const store = new FailingStore();
    const c = client(store, { protocolVersion: 5 });
    const seen = warnings(c);
    c.open();
    const peer = await broker.accept();
    const done = c.publish({ topic: 'q2', payload: 'x', qos: 2 });
    const sent = await peer.next('publish');
    store.failOn('putOutgoing', (r) => r.stage === 'pubrel');
    peer.send({ type: 'pubrec', packetId: sent.packetId!, reasonCode: 0 });
    assert.equal((await peer.next('pubrel')).packetId, sent.packetId);
    peer.send({ type: 'pubcomp', packetId: sent.packetId!, reasonCode: 0 });
    assert.equal((await done).reasonCode, 0);
    assert.match(seen.find((w) => w.code === 'store')?.message ?? '', /past PUBREC: it completes, but is not durable/);
  });

  it('v5: an incoming QoS 2 message whose id cannot be stored is not delivered nor acknowledged: DISCONNECT 0x83, re-sent later and delivered once', async () => {
    const store = new FailingStore();
    const c = client(store, { protocolVersion: 5, clean: false, sessionExpiryInterval: 60 });
    const got: string[] = [];
    c.on('message', (p) => got.push(p.payload.toString()));
    c.open();
    const first = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    store.failOn('putIncoming');
    first.send({ type: 'publish', topic: 'in', payload: Buffer.from('once'), qos: 2, retain: false, dup: false, packetId: 7 });
    const disconnect = await first.next('disconnect'); // not a PUBREC
    assert.equal(disconnect.reasonCode, 0x83);
    assert.equal(disconnect.properties?.reasonString, ENOSPC);
    await first.untilClosed();
    const down = await statusUntil(c, (s) => s.phase === 'reconnecting');
    assert.ok(down.error instanceof StoreWriteError);
    assert.equal(down.storeError?.message, ENOSPC);
    assert.deepEqual(got, []);

    store.heal();
    const second = await broker.accept({ sessionPresent: true });
    second.send({ type: 'publish', topic: 'in', payload: Buffer.from('once'), qos: 2, retain: false, dup: true, packetId: 7 });
    assert.equal((await second.next('pubrec')).packetId, 7);
    second.send({ type: 'pubrel', packetId: 7, reasonCode: 0 });
    await second.next('pubcomp');
    await until(c, 'message', () => got.length >= 1);
    assert.deepEqual(got, ['once']);
    assert.deepEqual((await store.inner.load()).incoming, []);
  });

  it('v5: the Reason String is left out when it would take DISCONNECT over the server\'s Maximum Packet Size [v5 MQTT-3.14.2-3]', async () => {
    const store = new FailingStore();
    const c = client(store, { protocolVersion: 5 });
    c.open();
    const peer = await broker.accept({ properties: { maximumPacketSize: 32 } });
    await statusUntil(c, (s) => s.phase === 'connected');
    store.failOn('putIncoming');
    peer.send({ type: 'publish', topic: 'in', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, packetId: 3 });
    const disconnect = await peer.next('disconnect');
    assert.deepEqual([disconnect.reasonCode, disconnect.properties?.reasonString], [0x83, undefined]);
  });

  it('3.1.1: an incoming QoS 2 message whose id cannot be stored closes the connection without PUBREC', async () => {
    const store = new FailingStore();
    const c = client(store, { protocolVersion: 4 });
    const got: string[] = [];
    c.on('message', (p) => got.push(p.payload.toString()));
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    store.failOn('putIncoming');
    peer.send({ type: 'publish', topic: 'in', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 1 });
    peer.send({ type: 'publish', topic: 'in', payload: Buffer.from('y'), qos: 2, retain: false, dup: false, packetId: 2 });
    await peer.untilClosed();
    assert.deepEqual(peer.received.map((p) => p.type), ['connect', 'puback'], 'the QoS 1 message before it is acknowledged; no PUBREC, no DISCONNECT');
    assert.deepEqual(got, ['x']);
    assert.ok((await statusUntil(c, (s) => s.phase === 'reconnecting')).error instanceof StoreWriteError);
  });

  it('the file store repairs itself after a full disk: the failed publish is gone for good, the next is stored and sent, the status clears', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqkit-store-failures-'));
    try {
      const path = join(dir, 'c1.mqkit-session');
      const store = await FileStore.open(path, { repairDelayMs: 0 });
      const c = client(store);
      c.open();
      const peer = await broker.accept();
      await statusUntil(c, (s) => s.phase === 'connected');
      failNextAppend((store as unknown as { log: RecordLog }).log);
      await assert.rejects(c.publish({ topic: 'lost', payload: 'x', qos: 1 }), (e: Error) => e instanceof StoreWriteError && /ENOSPC/.test(e.message));
      assert.match((await statusUntil(c, (s) => s.storeError !== undefined)).storeError!.message, /ENOSPC/);

      // The session takes the failed record back (a delete), which is the write that repairs the file.
      const kept = c.publish({ topic: 'kept', payload: 'y', qos: 1 });
      const sent = await peer.next('publish');
      assert.equal(sent.topic, 'kept');
      assert.equal((await store.load()).outgoing.map((r) => r.topic).join(), 'kept', 'stored before it was sent');
      peer.send({ type: 'puback', packetId: sent.packetId!, reasonCode: 0 });
      await kept;
      await statusUntil(c, (s) => s.storeError === undefined);
      assert.equal(store.stats.repairs, 1);
      await c.dispose();

      const reopened = await FileStore.open(path);
      try {
        assert.deepEqual(await reopened.load(), { outgoing: [], incoming: [] }, 'after a restart neither message comes back');
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failed removal fails nothing: the publish completes, a warning and the status say the store is failing', async () => {
    const store = new FailingStore();
    const c = client(store);
    const seen = warnings(c);
    c.open();
    const peer = await broker.accept();
    store.failOn('removeOutgoing');
    const done = c.publish({ topic: 'r', payload: 'x', qos: 1 });
    const sent = await peer.next('publish');
    peer.send({ type: 'puback', packetId: sent.packetId!, reasonCode: 0 });
    await done;
    const s = await statusUntil(c, (st) => st.storeError !== undefined);
    assert.equal(s.phase, 'connected');
    assert.match(seen.find((w) => w.code === 'store')?.message ?? '', /removing a finished message failed: it may be sent or expected again after a restart/);
    assert.equal((await store.inner.load()).outgoing.length, 1, 'the record stays: at worst a duplicate after a restart');
  });
});
