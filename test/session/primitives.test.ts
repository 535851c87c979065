// The primitives shared by the client and the broker: packet ids, in-flight table, QoS 2 receiver, send
// quota, topic aliases, keepalive and session expiry.
import assert from 'node:assert/strict';
import { SendQuota } from '../../src/session/flow-control';
import { InboundQos2 } from '../../src/session/inbound';
import { Keepalive } from '../../src/session/keepalive';
import { OutboundInflight, type InflightMessage } from '../../src/session/outbound';
import { MAX_PACKET_ID, PacketIdAllocator } from '../../src/session/packet-ids';
import { isSessionExpired, sessionExpiryInterval, SESSION_NEVER_EXPIRES } from '../../src/session/session-expiry';
import { TopicAliasReceiver, TopicAliasSender } from '../../src/session/topic-alias';
import { connectPacket, stmt } from './helpers';

describe('session/packet-ids', () => {
  it('hands out non-zero 16-bit ids, never one in use, wrapping from 65535 to 1 [MQTT-2.3.1-1] [MQTT-2.3.1-2] [v5 MQTT-2.2.1-3] [v5 MQTT-2.2.1-4]', () => {
    const ids = new PacketIdAllocator();
    const seen = new Set<number>();
    for (let i = 0; i < MAX_PACKET_ID; i++) {
      const id = ids.allocate()!;
      assert.ok(id >= 1 && id <= 65535);
      assert.ok(!seen.has(id));
      seen.add(id);
    }
    assert.equal(ids.exhausted, true);
    assert.equal(ids.allocate(), undefined, 'exhaustion is a value, not a throw');
    ids.release(7);
    ids.release(40000);
    assert.equal(ids.allocate(), 7, 'continues after the last id, wrapping');
    assert.equal(ids.allocate(), 40000);
    assert.equal(ids.allocate(), undefined);
  });

  it('does not reuse a just-freed id at once, and frees only after release [MQTT-2.3.1-3]', () => {
    const ids = new PacketIdAllocator();
    const a = ids.allocate()!;
    ids.release(a);
    assert.notEqual(ids.allocate(), a);
    assert.equal(ids.isInUse(a), false);
  });

  it('reserve() restores ids from a store and refuses duplicates and invalid ids', () => {
    const ids = new PacketIdAllocator();
    assert.equal(ids.reserve(1), true);
    assert.equal(ids.reserve(1), false);
    assert.throws(() => ids.reserve(0), RangeError);
    assert.throws(() => ids.reserve(65536), RangeError);
    assert.equal(ids.allocate(), 2);
    assert.equal(ids.inUse, 2);
  });
});

describe('session/outbound OutboundInflight', () => {
  const entry = (packetId: number, qos: 1 | 2): InflightMessage => ({ packetId, qos, stage: 'publish' });

  it('QoS 1: PUBACK completes and frees the id; a refusal (>= 0x80) completes too, never retried [v5 MQTT-4.4.0-2]', () => {
    const ids = new PacketIdAllocator();
    const t = new OutboundInflight<InflightMessage>(ids);
    ids.reserve(1);
    ids.reserve(2);
    t.add(entry(1, 1));
    t.add(entry(2, 1));
    assert.equal(t.onPuback(1, 0).kind, 'done');
    const refused = t.onPuback(2, 0x87);
    assert.deepEqual(refused.kind === 'refused' && refused.reasonCode, 0x87);
    assert.equal(t.size, 0);
    assert.equal(ids.inUse, 0);
  });

  it('QoS 2: PUBREC moves to pubrel, PUBCOMP completes; acks in the wrong state are unexpected [v5 MQTT-4.3.3-4] [v5 MQTT-4.3.3-5]', () => {
    const ids = new PacketIdAllocator();
    const t = new OutboundInflight<InflightMessage>(ids);
    ids.reserve(5);
    t.add(entry(5, 2));
    assert.equal(t.onPubcomp(5).kind, 'unexpected', 'PUBCOMP before PUBREC');
    assert.equal(t.onPuback(5, 0).kind, 'unexpected', 'PUBACK for QoS 2');
    assert.equal(t.onPubrec(5, 0).kind, 'release');
    assert.equal(t.get(5)!.stage, 'pubrel');
    assert.equal(t.onPubrec(5, 0).kind, 'release', 'a repeated PUBREC only asks for PUBREL again');
    assert.equal(t.onPubcomp(5).kind, 'done');
    assert.equal(t.onPubcomp(5).kind, 'unexpected');
    assert.equal(ids.isInUse(5), false);
  });

  it('keeps the original send order for re-sending [MQTT-4.6.0-1]', () => {
    const ids = new PacketIdAllocator();
    const t = new OutboundInflight<InflightMessage>(ids);
    for (const id of [9, 3, 7]) t.add(entry(id, 2));
    t.onPubrec(3, 0);
    assert.deepEqual([...t.values()].map((e) => e.packetId), [9, 3, 7]);
  });
});

describe('session/inbound InboundQos2 (method B)', () => {
  it('a new id is delivered once; repeats until PUBREL are duplicates; after PUBREL the id is new again [3.1.1 MQTT-4.3.3-2] [v5 MQTT-4.3.3-10] [v5 MQTT-4.3.3-12]', () => {
    const r = new InboundQos2();
    assert.equal(r.onPublish(10), 'new');
    assert.equal(r.onPublish(10), 'duplicate');
    assert.equal(r.onPubrel(10), 'released');
    assert.equal(r.onPubrel(10), 'unknown');
    assert.equal(r.onPublish(10), 'new');
  });

  it('refuses a QoS 2 message beyond our Receive Maximum', () => {
    const r = new InboundQos2(2);
    assert.equal(r.onPublish(1), 'new');
    assert.equal(r.onPublish(2), 'new');
    assert.equal(r.onPublish(3), 'overLimit');
    assert.equal(r.onPublish(2), 'duplicate', 'a duplicate is not a new message');
  });
});

describe('session/flow-control SendQuota', () => {
  it('starts at the peer Receive Maximum, stops at zero, and is given back by acks [v5 MQTT-4.9.0-1] [v5 MQTT-4.9.0-2]', () => {
    const q = new SendQuota(2);
    assert.equal(q.available, 2);
    assert.equal(q.tryTake(), true);
    assert.equal(q.tryTake(), true);
    assert.equal(q.tryTake(), false);
    q.give();
    assert.equal(q.available, 1);
    q.reset(3, 5);
    assert.equal(q.available, 0);
  });
});

describe('session/topic-alias', () => {
  it('sender: plain on first use, alias with topic on the second, alias alone after; LRU replacement; never 0 or above the maximum [v5 MQTT-3.3.2-8] [v5 MQTT-3.3.2-9]', () => {
    const s = new TopicAliasSender(2);
    assert.deepEqual(s.choose('a'), { topic: 'a', alias: undefined });
    assert.deepEqual(s.choose('a'), { topic: 'a', alias: 1 });
    assert.deepEqual(s.choose('a'), { topic: '', alias: 1 });
    s.choose('b');
    assert.deepEqual(s.choose('b'), { topic: 'b', alias: 2 });
    s.choose('a'); // a is now the most recently used
    s.choose('c');
    assert.deepEqual(s.choose('c'), { topic: 'c', alias: 2 }, 'b (least recently used) gives up its alias');
    assert.deepEqual(s.choose('b'), { topic: 'b', alias: undefined });
    for (let i = 0; i < 1000; i++) {
      const { alias } = s.choose(`t${i % 7}`);
      if (alias !== undefined) assert.ok(alias >= 1 && alias <= 2);
    }
  });

  it('sender: a Topic Alias Maximum of 0 means no aliases [v5 MQTT-3.2.2-18]', () => {
    const s = new TopicAliasSender(0);
    for (let i = 0; i < 3; i++) assert.deepEqual(s.choose('x'), { topic: 'x', alias: undefined });
  });

  it('receiver: accepts aliases 1..maximum, maps and resolves them; 0, too large (0x94) and unmapped (0x82) are errors [v5 MQTT-3.3.2-10]', () => {
    const r = new TopicAliasReceiver({ maximum: 3, peer: 'server' });
    assert.deepEqual(r.resolve('a/b', 3), { ok: true, topic: 'a/b' });
    assert.deepEqual(r.resolve('', 3), { ok: true, topic: 'a/b' });
    assert.deepEqual(r.resolve('c', 3), { ok: true, topic: 'c' }, 'a topic re-points an alias');
    assert.deepEqual(r.resolve('', 3), { ok: true, topic: 'c' });
    const zero = r.resolve('x', 0);
    assert.ok(!zero.ok && zero.reasonCode === 0x94);
    const big = r.resolve('x', 4);
    assert.ok(!big.ok && big.reasonCode === 0x94 && big.statement === stmt('3.3.2-11'));
    const unmapped = r.resolve('', 1);
    assert.ok(!unmapped.ok && unmapped.reasonCode === 0x82);
    const broker = new TopicAliasReceiver({ maximum: 0, peer: 'client' });
    const none = broker.resolve('x', 1);
    assert.ok(!none.ok && none.statement === stmt('3.2.2-18'));
  });
});

describe('session/keepalive', () => {
  it('client: PINGREQ after a keepalive period without sending [3.1.1 MQTT-3.1.2-23] [v5 MQTT-3.1.2-20]', () => {
    const k = new Keepalive('client');
    k.start(10, 0);
    assert.equal(k.nextDeadline(), 10_000);
    k.packetSent(4000);
    k.packetReceived(4000);
    assert.equal(k.check(13_999), 'idle');
    assert.equal(k.check(14_000), 'ping');
    k.pingSent(14_000);
    assert.equal(k.check(14_500), 'idle', 'one ping at a time');
    k.packetReceived(14_100);
    assert.equal(k.nextDeadline(), 24_000);
  });

  it('client: also pings when only sending (QoS 0 stream) so a dead link is noticed, and declares it dead at 1.5x', () => {
    const k = new Keepalive('client');
    k.start(10, 0);
    for (let t = 1000; t < 10_000; t += 1000) k.packetSent(t);
    assert.equal(k.check(10_000), 'ping', 'nothing received for a period');
    k.pingSent(10_000);
    assert.equal(k.check(14_999), 'idle');
    assert.equal(k.check(15_000), 'timeout', 'nothing received for 1.5x keepalive');
  });

  it('server: never pings; drops a client silent for 1.5x its keepalive [3.1.1 MQTT-3.1.2-24] [v5 MQTT-3.1.2-22]', () => {
    const k = new Keepalive('server');
    k.start(60, 0);
    assert.equal(k.nextDeadline(), 90_000);
    assert.equal(k.check(89_999), 'idle');
    k.packetReceived(50_000);
    assert.equal(k.check(90_000), 'idle');
    assert.equal(k.check(140_000), 'timeout');
  });

  it('a keepalive of 0 turns it off', () => {
    const k = new Keepalive('client');
    k.start(0, 0);
    assert.equal(k.nextDeadline(), undefined);
    assert.equal(k.check(1e12), 'idle');
  });
});

describe('session/session-expiry', () => {
  it('3.1.1: clean sessions end with the connection, others never expire; v5: CONNACK overrides CONNECT', () => {
    assert.equal(sessionExpiryInterval(connectPacket(4, { clean: true })), 0);
    assert.equal(sessionExpiryInterval(connectPacket(4, { clean: false })), SESSION_NEVER_EXPIRES);
    const c5 = connectPacket(5, { properties: { sessionExpiryInterval: 300 } });
    assert.equal(sessionExpiryInterval(c5), 300);
    assert.equal(sessionExpiryInterval(c5, { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { sessionExpiryInterval: 60 } }), 60);
    assert.equal(sessionExpiryInterval(connectPacket(5)), 0);
  });

  it('a disconnected session expires after its interval [v5 MQTT-4.1.0-2]', () => {
    assert.equal(isSessionExpired(1000, 10, 10_999), false);
    assert.equal(isSessionExpired(1000, 10, 11_000), true);
    assert.equal(isSessionExpired(0, SESSION_NEVER_EXPIRES, Number.MAX_SAFE_INTEGER), false);
  });
});
