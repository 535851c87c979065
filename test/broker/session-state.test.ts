import assert from 'node:assert/strict';
import { makeMessage } from '../../src/broker/message';
import { BrokerSession, type OutboundEntry } from '../../src/broker/session';

function entry(packetId: number): OutboundEntry {
  const message = makeMessage({ topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, publisherId: null, now: 0 });
  return { message, qos: 1, retain: false, subscriptionIds: undefined, shared: undefined, packetId, stage: 'publish' };
}

describe('broker/session state', () => {
  it('[v5 MQTT-2.2.1-4] [3.1.1 MQTT-2.3.1-4] allocates non-zero ids that are not in flight, in sequence', () => {
    const s = new BrokerSession('c', 5);
    assert.deepEqual([s.allocatePacketId(), s.allocatePacketId(), s.allocatePacketId()], [1, 2, 3]);
    s.inflight.set(4, entry(4));
    s.inflight.set(5, entry(5));
    assert.equal(s.allocatePacketId(), 6);
  });

  it('wraps from 65535 to 1, skipping ids still in flight', () => {
    const s = new BrokerSession('c', 4);
    for (let i = 1; i < 65535; i++) s.allocatePacketId();
    s.inflight.set(1, entry(1));
    assert.equal(s.allocatePacketId(), 65535);
    assert.equal(s.allocatePacketId(), 2);
  });

  it('returns 0 when all 65535 ids are in flight', () => {
    const s = new BrokerSession('c', 5);
    for (let id = 1; id <= 65535; id++) s.inflight.set(id, entry(id));
    assert.equal(s.allocatePacketId(), 0);
  });

  it('is online only while a ready connection is attached', () => {
    const s = new BrokerSession('c', 5);
    assert.equal(s.online, false);
    s.connection = { ready: false };
    assert.equal(s.online, false);
    s.connection = { ready: true };
    assert.equal(s.online, true);
  });
});
