// mqtt-spec: 5.0
// MQTT 5 flow control and limits on the client session: Receive Maximum both ways, Maximum Packet Size,
// Topic Aliases both ways, Message Expiry of queued messages, Maximum QoS and Retain Available.
import assert from 'node:assert/strict';
import { encodedSize } from '../../src/codec';
import { PacketTooLargeError } from '../../src/codec/errors';
import {
  InvalidCommandError, MessageExpiredError, QosNotSupportedError, RetainNotSupportedError,
} from '../../src/session/errors';
import {
  goOnline, kinds, msg, newSession, noSchedule, only, puback, publishPacket, publishes, pubrec, sent,
  stmt,
} from './helpers';

describe('session/client Receive Maximum', () => {
  it('keeps unacknowledged QoS 1/2 PUBLISHes within the server Receive Maximum; acks release the next [MQTT-4.9.0-1] [MQTT-4.9.0-2] [MQTT-3.3.4-7]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { receiveMaximum: 2 } });
    const fx = [1, 2, 3, 4].flatMap((i) => s.publish(`h${i}`, msg(`t/${i}`, (i % 2) + 1 as 1 | 2), i));
    assert.deepEqual(publishes(fx).map((p) => p.topic), ['t/1', 't/2']);
    assert.equal(s.stats.queued, 2);
    // t/1 is QoS 2 (id 1), t/2 QoS 1 (id 2)
    assert.deepEqual(publishes(s.onPacket(pubrec(1), 5)), [], 'PUBREC does not free quota: QoS 2 counts until PUBCOMP');
    assert.deepEqual(publishes(s.onPacket(puback(2), 6)).map((p) => p.topic), ['t/3']);
    assert.deepEqual(publishes(s.onPacket({ type: 'pubcomp', packetId: 1, reasonCode: 0 }, 7)).map((p) => p.topic), ['t/4']);
  });

  it('at zero quota, other packets still go out: SUBSCRIBE, PUBACK, PUBREC, PINGREQ [MQTT-4.9.0-3] [MQTT-3.3.4-8]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { receiveMaximum: 1 }, keepalive: 10 });
    s.publish('a', msg('t', 1), 0);
    s.publish('b', msg('t', 1), 0);
    assert.deepEqual(kinds(noSchedule(s.subscribe('s', { subscriptions: [{ topicFilter: 'x', qos: 1 }] }, 1))), ['send:subscribe']);
    assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 1, 5), 2))), ['deliver', 'send:puback']);
    assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 2, 6), 3))), ['persistIncoming', 'deliver', 'send:pubrec']);
    assert.deepEqual(kinds(noSchedule(s.tick(10_003))), ['send:pingreq']);
  });

  it('resuming more in-flight messages than the new Receive Maximum re-sends the rest in order as acks come [MQTT-4.4.0-1] [MQTT-3.3.4-7]', () => {
    const s = newSession(5);
    goOnline(s);
    for (let i = 1; i <= 4; i++) s.publish(`h${i}`, msg(`t/${i}`, 1), i);
    s.connectionLost(5);
    const fx = goOnline(s, { sessionPresent: true, connackProperties: { receiveMaximum: 2 }, now: 6 });
    assert.deepEqual(publishes(fx).map((p) => [p.packetId, p.dup]), [[1, true], [2, true]]);
    s.publish('h5', msg('t/5', 1), 7);
    assert.deepEqual(publishes(s.onPacket(puback(2), 8)).map((p) => [p.packetId, p.dup]), [[3, true]]);
    assert.deepEqual(publishes(s.onPacket(puback(1), 9)).map((p) => [p.packetId, p.dup]), [[4, true]]);
    assert.deepEqual(publishes(s.onPacket(puback(3), 10)).map((p) => [p.topic, p.dup]), [['t/5', false]], 'new messages only after the re-sends');
  });

  it('a QoS 2 PUBLISH beyond our Receive Maximum is a violation with 0x93 [MQTT-3.3.4-9]', () => {
    const s = newSession(5);
    goOnline(s, { connectProperties: { receiveMaximum: 2 } });
    s.onPacket(publishPacket('x', 2, 1), 1);
    s.onPacket(publishPacket('x', 2, 2), 1);
    const [v] = only(s.onPacket(publishPacket('x', 2, 3), 2), 'protocolViolation');
    assert.equal(v!.reasonCode, 0x93);
    assert.equal(v!.statement, stmt('3.3.4-9'));
  });

  it('maxInflight caps our window below the server Receive Maximum (also on 3.1.1)', () => {
    const s = newSession(4, { maxInflight: 1 });
    goOnline(s);
    const fx = [s.publish('a', msg('t', 1), 0), s.publish('b', msg('t', 1), 0)].flat();
    assert.equal(publishes(fx).length, 1);
    assert.equal(publishes(s.onPacket(puback(1), 1)).length, 1);
  });
});

describe('session/client Maximum Packet Size', () => {
  it('never sends a packet over the server limit: the publish fails with PacketTooLargeError (0x95), no id is used [MQTT-3.2.2-15]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { maximumPacketSize: 64 } });
    const fx = noSchedule(s.publish('big', msg('t', 1, { payload: Buffer.alloc(100) }), 0));
    assert.deepEqual(kinds(fx), ['fail']);
    const error = only(fx, 'fail')[0]!.error;
    assert.ok(error instanceof PacketTooLargeError);
    assert.equal(error.reasonCode, 0x95);
    assert.match(error.message, /over the server's Maximum Packet Size of 64 \[MQTT-3.2.2-15\]/);
    const ok = publishes(s.publish('small', msg('t', 1, { payload: Buffer.alloc(10) }), 1));
    assert.equal(ok[0]!.packetId, 1);
    assert.ok(encodedSize(ok[0]!, 5) <= 64);
  });

  it('a queued message that became too large is failed and unpersisted when its turn comes', () => {
    const s = newSession(5);
    const queued = s.publish('big', msg('t', 1, { payload: Buffer.alloc(200) }), 0);
    assert.deepEqual(kinds(noSchedule(queued)), ['persist']);
    const fx = noSchedule(goOnline(s, { connackProperties: { maximumPacketSize: 100 } }));
    assert.deepEqual(kinds(fx), ['connected', 'unpersist', 'fail']);
  });

  it('applies to SUBSCRIBE too', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { maximumPacketSize: 20 } });
    const fx = s.subscribe('s', { subscriptions: [{ topicFilter: 'a/very/long/topic/filter/#', qos: 1 }] }, 0);
    assert.ok(only(fx, 'fail')[0]!.error instanceof PacketTooLargeError);
  });
});

describe('session/client Topic Aliases', () => {
  it('outgoing: none unless the server allows them [MQTT-3.2.2-18]', () => {
    const s = newSession(5);
    goOnline(s);
    const fx = [1, 2, 3].flatMap((i) => s.publish(`h${i}`, msg('same/topic', 0), i));
    assert.ok(publishes(fx).every((p) => p.topic === 'same/topic' && p.properties?.topicAlias === undefined));
  });

  it('outgoing: repeated topics get an alias within the server maximum, never 0 [MQTT-3.2.2-17] [MQTT-3.3.2-9] [MQTT-3.3.2-8]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { topicAliasMaximum: 1 } });
    const fx = ['a', 'a', 'a', 'b', 'b', 'a'].flatMap((t, i) => s.publish(`h${i}`, msg(t, 1), i));
    assert.deepEqual(publishes(fx).map((p) => [p.topic, p.properties?.topicAlias]),
      [['a', undefined], ['a', 1], ['', 1], ['b', undefined], ['b', 1], ['a', undefined]]);
  });

  it('outgoing: aliases start afresh on every connection [MQTT-3.3.2-7]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { topicAliasMaximum: 5 } });
    s.publish('1', msg('a', 0), 0);
    s.publish('2', msg('a', 0), 0);
    s.connectionLost(1);
    goOnline(s, { connackProperties: { topicAliasMaximum: 5 }, now: 2 });
    const [p] = publishes(s.publish('3', msg('a', 0), 3));
    assert.deepEqual([p!.topic, p!.properties?.topicAlias], ['a', undefined]);
  });

  it("outgoing: 'off' never uses aliases", () => {
    const s = newSession(5, { topicAliases: 'off' });
    goOnline(s, { connackProperties: { topicAliasMaximum: 5 } });
    const fx = [1, 2, 3].flatMap((i) => s.publish(`h${i}`, msg('t', 0), i));
    assert.ok(publishes(fx).every((p) => p.properties === undefined));
  });

  it('incoming: accepts aliases 1..our maximum and delivers the real topic without the alias [MQTT-3.3.2-10]', () => {
    const s = newSession(5);
    goOnline(s, { connectProperties: { topicAliasMaximum: 3 } });
    s.onPacket(publishPacket('sensors/1', 0, undefined, { properties: { topicAlias: 3 } }), 1);
    const [d] = only(s.onPacket(publishPacket('', 1, 4, { properties: { topicAlias: 3 } }), 2), 'deliver');
    assert.equal(d!.packet.topic, 'sensors/1');
    assert.equal(d!.packet.properties?.topicAlias, undefined);
  });

  it('incoming: an alias above our maximum is 0x94 Topic Alias invalid; an unmapped alias is 0x82 [MQTT-3.3.2-11] [MQTT-3.1.2-26] [MQTT-3.1.2-27]', () => {
    const s = newSession(5);
    goOnline(s, { connectProperties: { topicAliasMaximum: 2 } });
    const [big] = only(s.onPacket(publishPacket('t', 0, undefined, { properties: { topicAlias: 3 } }), 1), 'protocolViolation');
    assert.deepEqual([big!.reasonCode, big!.statement], [0x94, stmt('3.3.2-11')]);
    const [unmapped] = only(s.onPacket(publishPacket('', 0, undefined, { properties: { topicAlias: 1 } }), 2), 'protocolViolation');
    assert.equal(unmapped!.reasonCode, 0x82);
    const none = newSession(5);
    goOnline(none);
    const [v] = only(none.onPacket(publishPacket('t', 0, undefined, { properties: { topicAlias: 1 } }), 1), 'protocolViolation');
    assert.deepEqual([v!.reasonCode, v!.statement], [0x94, stmt('3.1.2-27')]);
  });
});

describe('session/client Message Expiry', () => {
  it('a queued message goes out with the remaining interval; an expired one is dropped, failed and counted', () => {
    const s = newSession(5);
    s.publish('keep', msg('a', 1, { properties: { messageExpiryInterval: 10 } }), 0);
    s.publish('lose', msg('b', 1, { properties: { messageExpiryInterval: 3 } }), 0);
    const fx = noSchedule(goOnline(s, { now: 4_200 }));
    assert.deepEqual(publishes(fx).map((p) => [p.topic, p.properties?.messageExpiryInterval]), [['a', 6]]);
    const [fail] = only(fx, 'fail');
    assert.equal(fail!.handle, 'lose');
    assert.ok(fail!.error instanceof MessageExpiredError);
    assert.deepEqual(only(fx, 'unpersist').map((e) => e.seq), [2]);
    assert.equal(s.stats.expired, 1);
  });

  it('while offline, the session schedules a tick for the earliest expiry and fails the message then', () => {
    const s = newSession(5);
    const fx = s.publish('h', msg('a', 1, { properties: { messageExpiryInterval: 2 } }), 1000);
    assert.deepEqual(only(fx, 'schedule'), [{ kind: 'schedule', at: 3000 }]);
    assert.deepEqual(noSchedule(s.tick(2999)), []);
    const expired = noSchedule(s.tick(3000));
    assert.deepEqual(kinds(expired), ['unpersist', 'fail']);
    assert.equal(s.stats.queued, 0);
  });

  it('when an expired message was what held the queue back, the next one goes out at once', () => {
    const s = newSession(5, { qos0WhileOffline: 'queue' });
    goOnline(s, { connackProperties: { receiveMaximum: 1 } });
    s.publish('busy', msg('a', 1), 0); // takes the only quota unit
    s.publish('old', msg('b', 1, { properties: { messageExpiryInterval: 1 } }), 0);
    s.publish('next', msg('c', 0), 0);
    const fx = noSchedule(s.tick(1000));
    assert.deepEqual(kinds(fx), ['unpersist', 'fail', 'send:publish', 'complete']);
    assert.deepEqual(publishes(fx).map((p) => p.topic), ['c']);
  });

  it('a message already sent is never expired by us, even when re-sent later [MQTT-4.3.3-7]', () => {
    const s = newSession(5);
    goOnline(s);
    s.publish('h', msg('a', 2, { properties: { messageExpiryInterval: 1 } }), 0);
    s.connectionLost(10);
    const fx = goOnline(s, { sessionPresent: true, now: 60_000 });
    assert.deepEqual(publishes(fx).map((p) => [p.dup, p.properties?.messageExpiryInterval]), [[true, 1]]);
    assert.equal(only(fx, 'fail').length, 0);
  });
});

describe('session/client server capabilities', () => {
  it('never publishes above the server Maximum QoS: fails with 0x9B [MQTT-3.2.2-11]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { maximumQoS: 1 } });
    const [fail] = only(s.publish('h', msg('t', 2), 0), 'fail');
    assert.ok(fail!.error instanceof QosNotSupportedError);
    assert.equal(fail!.error.reasonCode, 0x9b);
    assert.equal(publishes(s.publish('ok', msg('t', 1), 1)).length, 1);
  });

  it('never publishes RETAIN=1 when Retain Available is 0: fails with 0x9A [MQTT-3.2.2-14]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { retainAvailable: false } });
    const fx = s.publish('h', msg('t', 1, { retain: true }), 0);
    assert.ok(only(fx, 'fail')[0]!.error instanceof RetainNotSupportedError);
    assert.equal(sent(fx).length, 0);
  });

  it('refuses Subscription Identifiers on a client PUBLISH [MQTT-3.3.4-6]', () => {
    const s = newSession(5);
    goOnline(s);
    const fx = s.publish('h', msg('t', 0, { properties: { subscriptionIdentifiers: [1] } }), 0);
    const error = only(fx, 'fail')[0]!.error;
    assert.ok(error instanceof InvalidCommandError);
    assert.equal(error.statement, stmt('3.3.4-6'));
  });

  it('sends no properties on 3.1.1, whatever the user gave', () => {
    const s = newSession(4);
    goOnline(s);
    const [p] = publishes(s.publish('h', msg('t', 1, { properties: { messageExpiryInterval: 5, contentType: 'x' } }), 0));
    assert.equal(p!.properties, undefined);
  });
});
