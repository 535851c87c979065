// Sends produced for a transport that ended while they waited behind a slow store write must not reach
// the next transport: the first packet a client sends on a connection is CONNECT [MQTT-3.1.0-1].
import assert from 'node:assert/strict';
import { Connection } from '../../src/client/connection';
import { normalizeOptions } from '../../src/client/options';
import { MemoryStore, type OutgoingRecord, type SessionStore, type StoredSession } from '../../src/store';
import { ScriptedBroker } from './helpers/peer';
import { statusUntil, withTimeout } from './helpers/wait';

/** A MemoryStore whose putOutgoing waits for `release()` while held: a disk slower than a reconnect. */
class SlowStore implements SessionStore {
  readonly inner = new MemoryStore();
  private held: Array<() => void> | undefined;
  private onWriting: (() => void) | undefined;
  pendingWrites = 0;

  /** Resolves when a held write has started. */
  writing(): Promise<void> {
    if (this.pendingWrites > 0) return Promise.resolve();
    return withTimeout(new Promise<void>((r) => (this.onWriting = r)), 3000, 'a store write');
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  load(): Promise<StoredSession> {
    return this.inner.load();
  }
  async putOutgoing(record: OutgoingRecord): Promise<void> {
    if (this.held) {
      this.pendingWrites++;
      this.onWriting?.();
      await new Promise<void>((go) => this.held!.push(go));
    }
    return this.inner.putOutgoing(record);
  }
  removeOutgoing(seq: number): Promise<void> {
    return this.inner.removeOutgoing(seq);
  }
  putIncoming(packetId: number): Promise<void> {
    return this.inner.putIncoming(packetId);
  }
  removeIncoming(packetId: number): Promise<void> {
    return this.inner.removeIncoming(packetId);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('client connection driver: sends of an ended transport', () => {
  let broker: ScriptedBroker;
  let c: Connection | undefined;
  let store: SlowStore;

  beforeEach(() => {
    broker = new ScriptedBroker();
    store = new SlowStore();
  });
  afterEach(async () => {
    store.release();
    await c?.dispose();
    broker.close();
  });

  it('[MQTT-3.1.0-1] a PUBLISH that waited for a slow store write while its connection dropped is not written ahead of the next CONNECT; it is sent after the CONNACK', async () => {
    const options = normalizeOptions({ url: broker.url, clientId: 'slow-disk', reconnect: { initialDelayMs: 10, maxDelayMs: 50, jitter: 0 } });
    c = new Connection(options, { store });
    c.open();
    const first = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');

    store.hold();
    const qos1 = c.publish({ topic: 'kept', payload: 'q1', qos: 1 });
    const qos0 = c.publish({ topic: 'gone', payload: 'q0', qos: 0 });
    await store.writing(); // the QoS 1 record is being written

    first.socket.destroy(); // the link drops while the disk is busy
    const second = await broker.nextConnection(); // the reconnect is attached before the write finishes
    store.release();

    // PeerConnection decodes its first packet with decodeConnect: anything else fails this wait.
    const connect = await second.next('connect');
    assert.equal(connect.clientId, 'slow-disk');
    assert.equal(second.received[0]?.type, 'connect', 'CONNECT is the first packet on the new connection');
    second.connack();

    const resent = await second.next('publish');
    assert.equal(resent.topic, 'kept');
    second.send({ type: 'puback', packetId: resent.packetId!, reasonCode: 0 });
    assert.equal((await qos1).reasonCode, 0);

    // The QoS 0 message was never written: it completes as dropped, not as written.
    assert.equal((await qos0).dropped, true);
    assert.ok(!second.received.some((p) => p.type === 'publish' && p.topic === 'gone'), 'the QoS 0 message is not sent late');
  });
});
