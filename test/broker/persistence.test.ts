// The persistence seam: a recording implementation mirrors the change notifications and hands the state
// to a second broker, as a disk-backed implementation would across a restart.
import assert from 'node:assert/strict';
import type {
  BrokerMessage, BrokerPersistence, OutboundEntry, RestoredState, SessionSnapshot, StoredOutbound,
} from '../../src/broker';
import { TestClient, closeBrokers, connected, makeBroker } from './helpers';

class RecordingPersistence implements BrokerPersistence {
  readonly retained = new Map<string, BrokerMessage>();
  readonly sessions = new Map<string, SessionSnapshot>();
  readonly outbound = new Map<string, Map<OutboundEntry, StoredOutbound>>();
  readonly awaiting = new Map<string, number[]>();
  flushed = 0;

  restore(): RestoredState {
    return {
      retained: [...this.retained.values()],
      sessions: [...this.sessions.values()].map((s) => ({
        ...s, outbound: [...(this.outbound.get(s.clientId)?.values() ?? [])], awaitingRelease: this.awaiting.get(s.clientId) ?? [],
      })),
    };
  }

  retainedChanged(topic: string, message: BrokerMessage | undefined): void {
    if (message) this.retained.set(topic, message);
    else this.retained.delete(topic);
  }

  sessionChanged(snapshot: SessionSnapshot): void {
    this.sessions.set(snapshot.clientId, structuredClone(snapshot));
  }

  sessionDeleted(clientId: string): void {
    this.sessions.delete(clientId);
    this.outbound.delete(clientId);
    this.awaiting.delete(clientId);
  }

  outboundChanged(clientId: string, entry: OutboundEntry): void {
    let entries = this.outbound.get(clientId);
    if (!entries) this.outbound.set(clientId, (entries = new Map()));
    entries.set(entry, {
      message: entry.message, qos: entry.qos, retain: entry.retain, subscriptionIds: entry.subscriptionIds,
      packetId: entry.packetId, stage: entry.stage,
    });
  }

  outboundRemoved(clientId: string, entry: OutboundEntry): void {
    this.outbound.get(clientId)?.delete(entry);
  }

  awaitingReleaseChanged(clientId: string, packetIds: ReadonlySet<number>): void {
    this.awaiting.set(clientId, [...packetIds]);
  }

  async flush(): Promise<void> {
    this.flushed++;
  }
}

describe('broker: persistence interface', () => {
  afterEach(closeBrokers);

  it('restores retained messages, persistent sessions, queued and in-flight messages and QoS 2 ids in a new broker', async () => {
    const store = new RecordingPersistence();
    const first = makeBroker({ persistence: store });
    await first.start();
    const c = await connected(first, { clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 3600 } });
    await c.subscribe('q/#', 2);
    c.publish('q/self', 'unreleased', { qos: 2, packetId: 77 });
    const own = await c.next('publish'); // routed to its own subscription, left unacknowledged (in flight)
    await c.next('pubrec');
    await c.drop();
    await first.publish({ topic: 'q/queued', payload: 'while offline', qos: 1 });
    await first.publish({ topic: 'status', payload: 'kept', retain: true });
    const temp = await connected(first, { clientId: 'temporary', version: 4 });
    await temp.disconnect();
    await first.close();
    assert.equal(store.flushed, 1);
    assert.deepEqual([...store.sessions.keys()], ['keeper']);

    const second = makeBroker({ persistence: store });
    await second.start();
    assert.equal(second.retained('status')?.payload.toString(), 'kept');
    const back = TestClient.inMemory(second);
    assert.equal((await back.connect({ clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 3600 } })).sessionPresent, true);
    const resent = await back.next('publish');
    assert.deepEqual([resent.packetId, resent.dup, resent.payload.toString()], [own.packetId, true, 'unreleased']);
    const queued = await back.next('publish');
    assert.equal(queued.payload.toString(), 'while offline');
    back.send({ type: 'pubrel', packetId: 77, reasonCode: 0 });
    assert.deepEqual(await back.next('pubcomp'), { type: 'pubcomp', packetId: 77, reasonCode: 0 });
    await second.publish({ topic: 'q/live', payload: 'subscriptions restored' });
    assert.equal((await back.next('publish')).payload.toString(), 'subscriptions restored');
  });

  it('forgets a session that ends', async () => {
    const store = new RecordingPersistence();
    const broker = makeBroker({ persistence: store });
    await broker.start();
    const c = await connected(broker, { clientId: 'brief', clean: false, properties: { sessionExpiryInterval: 60 } });
    await c.subscribe('x', 1);
    assert.equal(store.sessions.get('brief')?.subscriptions.length, 1);
    c.send({ type: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await c.expectClose();
    assert.equal(store.sessions.has('brief'), false);
  });
});
