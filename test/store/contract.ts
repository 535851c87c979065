// The one contract every SessionStore passes (memory and file). Call storeContract(name, factory) from a
// *.test.ts file. The factory opens a fresh empty store, and reopens one (close, then open the same data).
import assert from 'node:assert/strict';
import { QueueFullError } from '../../src/session/errors';
import type { OutgoingRecord, SessionStore, StoreLimits } from '../../src/store/types';

export interface StoreFactory {
  /** A fresh, empty store with the given limits. */
  open(limits?: StoreLimits): Promise<SessionStore>;
  /** Closes `store` and opens the same backing data again. */
  reopen(store: SessionStore, limits?: StoreLimits): Promise<SessionStore>;
  /** Removes whatever the factory created (temp directories). */
  cleanup?(): Promise<void>;
}

export function record(seq: number, over: Partial<OutgoingRecord> = {}): OutgoingRecord {
  return {
    seq, stage: 'queued', topic: `t/${seq}`, payload: Buffer.from(`payload ${seq}`), qos: 1, retain: false, ...over,
  };
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`SessionStore contract: ${name}`, () => {
    const open: SessionStore[] = [];
    const track = (s: SessionStore): SessionStore => (open.push(s), s);
    const fresh = async (limits?: StoreLimits) => track(await factory.open(limits));
    const reopen = async (s: SessionStore, limits?: StoreLimits) => track(await factory.reopen(s, limits));

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close().catch(() => undefined);
    });
    after(async () => factory.cleanup?.());

    it('starts empty', async () => {
      const s = await fresh();
      assert.deepEqual(await s.load(), { outgoing: [], incoming: [] });
    });

    it('returns outgoing records sorted by seq with every field intact', async () => {
      const s = await fresh();
      const full = record(7, {
        stage: 'publish', packetId: 65535, qos: 2, retain: true, expiresAt: 1_700_000_000_123,
        topic: 'caf\u00e9/\u{1f600}', payload: Buffer.from([0, 1, 2, 255]),
        properties: {
          messageExpiryInterval: 30, contentType: 'application/json', responseTopic: 'r/1',
          correlationData: Buffer.from([9, 8, 7]), userProperties: [['a', '1'], ['a', '2']], payloadFormatIndicator: true,
        },
      });
      await s.putOutgoing(record(9));
      await s.putOutgoing(full);
      await s.putOutgoing(record(8, { payload: Buffer.alloc(0), qos: 0 }));
      const { outgoing } = await s.load();
      assert.deepEqual(outgoing.map((r) => r.seq), [7, 8, 9]);
      assert.deepEqual(outgoing[0], full);
      assert.deepEqual(outgoing[1], record(8, { payload: Buffer.alloc(0), qos: 0 }));
    });

    it('replaces a record with the same seq (stage changes) and removes records', async () => {
      const s = await fresh();
      await s.putOutgoing(record(1));
      await s.putOutgoing(record(2));
      await s.putOutgoing(record(1, { stage: 'pubrel', packetId: 5, qos: 2, payload: Buffer.alloc(0) }));
      await s.removeOutgoing(2);
      await s.removeOutgoing(42); // unknown seq: no error
      assert.deepEqual((await s.load()).outgoing, [record(1, { stage: 'pubrel', packetId: 5, qos: 2, payload: Buffer.alloc(0) })]);
    });

    it('keeps incoming QoS 2 packet ids until removed', async () => {
      const s = await fresh();
      await s.putIncoming(1);
      await s.putIncoming(65535);
      await s.putIncoming(1);
      await s.removeIncoming(7);
      assert.deepEqual((await s.load()).incoming.sort((a, b) => a - b), [1, 65535]);
      await s.removeIncoming(1);
      assert.deepEqual((await s.load()).incoming, [65535]);
    });

    it('applies concurrent operations in call order', async () => {
      const s = await fresh();
      await Promise.all([
        s.putOutgoing(record(1)), s.putOutgoing(record(2)), s.removeOutgoing(1),
        s.putOutgoing(record(2, { stage: 'publish', packetId: 3 })), s.putIncoming(4), s.removeIncoming(4), s.putIncoming(5),
      ]);
      assert.deepEqual(await s.load(), { outgoing: [record(2, { stage: 'publish', packetId: 3 })], incoming: [5] });
    });

    it('clear() forgets outgoing and incoming records', async () => {
      const s = await fresh();
      await s.putOutgoing(record(1));
      await s.putIncoming(2);
      await s.clear();
      await s.putOutgoing(record(3));
      assert.deepEqual(await s.load(), { outgoing: [record(3)], incoming: [] });
    });

    it('keeps everything across close and reopen', async () => {
      const s = await fresh();
      await s.putOutgoing(record(1, { stage: 'publish', packetId: 10 }));
      await s.putOutgoing(record(2));
      await s.putIncoming(11);
      await s.removeOutgoing(2);
      const again = await reopen(s);
      assert.deepEqual(await again.load(), { outgoing: [record(1, { stage: 'publish', packetId: 10 })], incoming: [11] });
    });

    it('rejects a new record beyond maxMessages with QueueFullError, but accepts updates', async () => {
      const s = await fresh({ maxMessages: 2 });
      await s.putOutgoing(record(1));
      await s.putOutgoing(record(2));
      await assert.rejects(s.putOutgoing(record(3)), (e: unknown) => e instanceof QueueFullError && e.limit === 'messages');
      await s.putOutgoing(record(2, { stage: 'publish', packetId: 1 }));
      await s.removeOutgoing(1);
      await s.putOutgoing(record(3));
      assert.deepEqual((await s.load()).outgoing.map((r) => r.seq), [2, 3]);
    });

    it('rejects a new record beyond maxBytes (topic + payload) with QueueFullError', async () => {
      const s = await fresh({ maxBytes: 20 });
      await s.putOutgoing(record(1, { topic: 'a', payload: Buffer.alloc(9) })); // 10 bytes
      await s.putOutgoing(record(2, { topic: 'b', payload: Buffer.alloc(9) })); // 20 bytes
      await assert.rejects(s.putOutgoing(record(3, { topic: 'c', payload: Buffer.alloc(0) })),
        (e: unknown) => e instanceof QueueFullError && e.limit === 'bytes' && e.reasonCode === 0x97);
      await s.putOutgoing(record(1, { stage: 'pubrel', packetId: 1, topic: 'a', payload: Buffer.alloc(0) })); // frees 9
      await s.putOutgoing(record(3, { topic: 'c', payload: Buffer.alloc(8) }));
      assert.equal((await s.load()).outgoing.length, 3);
    });

    it('counts limits from restored records after reopening', async () => {
      const s = await fresh({ maxMessages: 2 });
      await s.putOutgoing(record(1));
      await s.putOutgoing(record(2));
      const again = await reopen(s, { maxMessages: 2 });
      await assert.rejects(again.putOutgoing(record(3)), QueueFullError);
    });

    it('does not let a caller mutate stored records through load() results', async () => {
      const s = await fresh();
      await s.putOutgoing(record(1));
      const first = await s.load();
      first.outgoing.pop();
      first.incoming.push(9);
      assert.deepEqual(await s.load(), { outgoing: [record(1)], incoming: [] });
    });
  });
}
