// Connection lifecycle of the client session: CONNACK outcomes, keepalive and timeouts, subscribe and
// unsubscribe, DISCONNECT, peer violations and shutdown.
import assert from 'node:assert/strict';
import { ConnectRefusedError, InvalidCommandError, SessionClosedError } from '../../src/session/errors';
import {
  connectPacket, goOnline, kinds, msg, newSession, noSchedule, only, puback, publishPacket, pubcomp, pubrec, sent,
  stmt,
} from './helpers';

describe('session/client CONNACK', () => {
  it('v5: a refusal becomes connectRefused with the reason name; nothing is sent afterwards', () => {
    const s = newSession(5);
    s.connectionOpened(connectPacket(5), 0);
    s.publish('h', msg('t', 1), 0);
    const fx = s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 0x86, properties: { reasonString: 'nope' } }, 1);
    const [refused] = only(fx, 'connectRefused');
    assert.ok(refused!.error instanceof ConnectRefusedError);
    assert.equal(refused!.error.message, 'connection refused: Bad User Name or Password (0x86): nope');
    assert.equal(sent(fx).length, 0);
    assert.equal(s.state, 'closing');
  });

  it('3.1.1: return code 5 reads "Not authorized" and maps to reason code 0x87', () => {
    const s = newSession(4);
    s.connectionOpened(connectPacket(4), 0);
    const [refused] = only(s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 5 }, 1), 'connectRefused');
    assert.equal(refused!.error.message, 'connection refused: Not authorized (return code 5)');
    assert.equal(refused!.error.reasonCode, 0x87);
  });

  it('anything but CONNACK (or AUTH) first is a violation [MQTT-3.2.0-1]; so is a second CONNACK [v5 MQTT-3.2.0-2]', () => {
    const s = newSession(5);
    s.connectionOpened(connectPacket(5), 0);
    const [v] = only(s.onPacket(publishPacket('t', 0), 1), 'protocolViolation');
    assert.deepEqual([v!.reasonCode, v!.statement], [0x82, stmt('3.2.0-1')]);
    assert.deepEqual(kinds(noSchedule(s.onPacket({ type: 'auth', reasonCode: 0x18 }, 1))), ['auth']);
    goOnlineAfterOpen(s);
    const [again] = only(s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 2), 'protocolViolation');
    assert.equal(again!.statement, stmt('3.2.0-2'));
  });

  it('without a CONNACK in time, a connect timeout comes from tick()', () => {
    const s = newSession(4, { connectTimeoutMs: 5000 });
    const fx = s.connectionOpened(connectPacket(4), 1000);
    assert.deepEqual(only(fx, 'schedule'), [{ kind: 'schedule', at: 6000 }]);
    assert.deepEqual(noSchedule(s.tick(5999)), []);
    assert.deepEqual(noSchedule(s.tick(6000)), [{ kind: 'timeout', reason: 'connect', silentMs: 5000 }]);
  });
});

function goOnlineAfterOpen(s: ReturnType<typeof newSession>): void {
  s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 1);
}

describe('session/client keepalive', () => {
  it('sends PINGREQ after a keepalive period without sending, scheduling exactly when [3.1.1 MQTT-3.1.2-23] [v5 MQTT-3.1.2-20]', () => {
    const s = newSession(4, { connectTimeoutMs: 0 });
    const fx = goOnline(s, { keepalive: 30, now: 0 });
    assert.deepEqual(only(fx, 'schedule'), [{ kind: 'schedule', at: 30_000 }]);
    s.publish('h', msg('t', 1), 10_000);
    s.onPacket(puback(1), 10_000);
    const early = s.tick(30_000);
    assert.deepEqual(kinds(early), ['schedule'], 'the link was used: re-arm instead');
    assert.deepEqual(only(early, 'schedule')[0]!.at, 40_000);
    assert.deepEqual(kinds(s.tick(40_000)), ['send:pingreq', 'schedule']);
  });

  it('declares the link dead when nothing arrives within 1.5x keepalive', () => {
    const s = newSession(4);
    goOnline(s, { keepalive: 10, now: 0 });
    s.tick(10_000); // PINGREQ
    const [next] = only(s.tick(10_001), 'schedule');
    assert.equal(next!.at, 15_000);
    assert.deepEqual(noSchedule(s.tick(15_000)), [{ kind: 'timeout', reason: 'keepalive', silentMs: 15_000 }]);
    assert.deepEqual(noSchedule(s.tick(16_000)), [], 'reported once');
  });

  it('a PINGRESP (any packet) keeps the link alive', () => {
    const s = newSession(4);
    goOnline(s, { keepalive: 10, now: 0 });
    s.tick(10_000);
    s.onPacket({ type: 'pingresp' }, 10_050);
    assert.deepEqual(noSchedule(s.tick(15_000)), []);
    assert.deepEqual(kinds(noSchedule(s.tick(20_050))), ['send:pingreq']);
  });

  it('uses the Server Keep Alive from CONNACK instead of ours [v5 MQTT-3.1.2-21] [v5 MQTT-3.2.2-21]', () => {
    const s = newSession(5);
    const fx = goOnline(s, { keepalive: 60, connackProperties: { serverKeepAlive: 5 } });
    assert.deepEqual(only(fx, 'schedule')[0]!.at, 5000);
    assert.deepEqual(kinds(noSchedule(s.tick(5000))), ['send:pingreq']);
  });

  it('keepalive 0 schedules nothing', () => {
    const s = newSession(4, { connectTimeoutMs: 0 });
    assert.deepEqual(only(goOnline(s, { keepalive: 0 }), 'schedule'), []);
  });
});

describe('session/client subscribe and unsubscribe', () => {
  it('SUBSCRIBE takes a packet id shared with publishes; SUBACK completes with per-filter codes [MQTT-2.3.1-2] [v5 MQTT-2.2.1-3]', () => {
    const s = newSession(5);
    goOnline(s);
    s.publish('p', msg('t', 1), 0); // id 1
    const fx = s.subscribe('s', { subscriptions: [{ topicFilter: 'a', qos: 2, noLocal: true }, { topicFilter: 'b', qos: 0 }], properties: { subscriptionIdentifier: 4 } }, 1);
    assert.deepEqual(sent(fx), [{ type: 'subscribe', packetId: 2, subscriptions: [{ topicFilter: 'a', qos: 2, noLocal: true }, { topicFilter: 'b', qos: 0 }], properties: { subscriptionIdentifier: 4 } }]);
    const done = s.onPacket({ type: 'suback', packetId: 2, reasonCodes: [1, 0x87] }, 2);
    assert.deepEqual(noSchedule(done), [{ kind: 'complete', handle: 's', result: { kind: 'subscribed', reasonCodes: [1, 0x87] } }]);
  });

  it('3.1.1: subscription options and properties are not sent', () => {
    const s = newSession(4);
    goOnline(s);
    const fx = s.subscribe('s', { subscriptions: [{ topicFilter: 'a', qos: 1, noLocal: true, retainHandling: 2 }], properties: { subscriptionIdentifier: 4 } }, 1);
    assert.deepEqual(sent(fx), [{ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 1 }] }]);
  });

  it('UNSUBSCRIBE completes with the UNSUBACK codes (v5) or none (3.1.1)', () => {
    const s5 = newSession(5);
    goOnline(s5);
    assert.deepEqual(sent(s5.unsubscribe('u', { topicFilters: ['a', 'b'] }, 1)), [{ type: 'unsubscribe', packetId: 1, topicFilters: ['a', 'b'] }]);
    const [done] = only(s5.onPacket({ type: 'unsuback', packetId: 1, reasonCodes: [0, 0x11] }, 2), 'complete');
    assert.deepEqual(done!.result, { kind: 'unsubscribed', reasonCodes: [0, 0x11] });
    const s4 = newSession(4);
    goOnline(s4);
    s4.unsubscribe('u', { topicFilters: ['a'] }, 1);
    assert.deepEqual(only(s4.onPacket({ type: 'unsuback', packetId: 1 }, 2), 'complete')[0]!.result, { kind: 'unsubscribed' });
  });

  it('an empty SUBSCRIBE or UNSUBSCRIBE is refused locally [3.1.1 MQTT-3.8.3-3] [3.1.1 MQTT-3.10.3-2]', () => {
    const s = newSession(4);
    goOnline(s);
    const a = only(s.subscribe('s', { subscriptions: [] }, 0), 'fail')[0]!.error;
    assert.ok(a instanceof InvalidCommandError && a.statement === stmt('3.8.3-3'));
    const b = only(s.unsubscribe('u', { topicFilters: [] }, 0), 'fail')[0]!.error;
    assert.ok(b instanceof InvalidCommandError && b.statement === stmt('3.10.3-2'));
  });

  it('a SUBACK with the wrong number of codes, or for an unknown id, is a violation [v5 MQTT-3.8.4-6] [v5 MQTT-2.2.1-6]', () => {
    const s = newSession(5);
    goOnline(s);
    s.subscribe('s', { subscriptions: [{ topicFilter: 'a', qos: 0 }] }, 0);
    assert.equal(only(s.onPacket({ type: 'suback', packetId: 1, reasonCodes: [0, 0] }, 1), 'protocolViolation')[0]!.statement, stmt('3.8.4-6'));
    assert.equal(only(s.onPacket({ type: 'suback', packetId: 9, reasonCodes: [0] }, 1), 'protocolViolation')[0]!.statement, stmt('2.2.1-6'));
  });
});

describe('session/client peer violations', () => {
  it('acks for ids with nothing in flight, or in the wrong state, are violations [v5 MQTT-2.2.1-5] [MQTT-2.3.1-6]', () => {
    const s = newSession(5);
    goOnline(s);
    s.publish('q1', msg('t', 1), 0); // id 1
    s.publish('q2', msg('t', 2), 0); // id 2
    for (const p of [puback(7), pubrec(1), puback(2), pubcomp(2)]) {
      const [v] = only(s.onPacket(p, 1), 'protocolViolation');
      assert.deepEqual([v!.reasonCode, v!.statement], [0x82, stmt('2.2.1-5')], p.type);
    }
    const s4 = newSession(4);
    goOnline(s4);
    assert.equal(only(s4.onPacket(puback(3), 1), 'protocolViolation')[0]!.statement, stmt('2.3.1-6'));
  });

  it('a server sending client-only packets is a violation', () => {
    const s = newSession(4);
    goOnline(s);
    for (const p of [{ type: 'pingreq' as const }, { type: 'subscribe' as const, packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0 as const }] }]) {
      assert.equal(only(s.onPacket(p, 1), 'protocolViolation').length, 1, p.type);
    }
  });

  it('a server DISCONNECT (v5) is reported and ends processing on the connection', () => {
    const s = newSession(5);
    goOnline(s);
    const packet = { type: 'disconnect' as const, reasonCode: 0x8b };
    assert.deepEqual(noSchedule(s.onPacket(packet, 1)), [{ kind: 'peerDisconnect', packet }]);
    assert.deepEqual(s.onPacket(publishPacket('t', 1, 1), 2), []);
  });
});

describe('session/client DISCONNECT and shutdown', () => {
  it('sends DISCONNECT, then close; nothing more is sent on that connection [v5 MQTT-3.14.4-1] [v5 MQTT-3.14.4-2]', () => {
    const s = newSession(5);
    goOnline(s, { keepalive: 10 });
    const fx = s.disconnect('d', { reasonCode: 0x04 }, 1);
    assert.deepEqual(fx, [
      { kind: 'send', packet: { type: 'disconnect', reasonCode: 0x04 } }, { kind: 'close' },
      { kind: 'complete', handle: 'd', result: { kind: 'disconnected' } },
    ]);
    assert.deepEqual(sent(s.publish('p', msg('t', 1), 2)), []);
    assert.deepEqual(s.onPacket(publishPacket('t', 1, 1), 3), []);
    assert.deepEqual(noSchedule(s.tick(100_000)), []);
    s.connectionLost(4);
    assert.equal(sent(goOnline(s, { now: 5 })).length, 1, 'the queued publish goes out on the next connection');
  });

  it('3.1.1 DISCONNECT has no reason code, is followed by close and nothing more [3.1.1 MQTT-3.14.4-1] [3.1.1 MQTT-3.14.4-2]', () => {
    const s4 = newSession(4);
    goOnline(s4);
    assert.deepEqual(noSchedule(s4.disconnect('d', {}, 0)), [
      { kind: 'send', packet: { type: 'disconnect' } }, { kind: 'close' }, { kind: 'complete', handle: 'd', result: { kind: 'disconnected' } },
    ]);
    assert.deepEqual(sent(s4.publish('p', msg('t', 1), 1)), []);
  });

  it('v5 refuses a DISCONNECT Session Expiry Interval when CONNECT had 0', () => {
    const s5 = newSession(5);
    goOnline(s5);
    const [fail] = only(s5.disconnect('d', { properties: { sessionExpiryInterval: 60 } }, 0), 'fail');
    assert.ok(fail!.error instanceof InvalidCommandError);
    assert.equal(s5.state, 'online');
  });

  it('shutdown fails every pending command with SessionClosedError; later commands fail at once', () => {
    const s = newSession(4, { qos0WhileOffline: 'queue' });
    goOnline(s);
    s.publish('inflight', msg('t', 2), 0);
    s.onPacket(pubrec(1), 1);
    s.subscribe('sub', { subscriptions: [{ topicFilter: 'x', qos: 0 }] }, 1);
    s.connectionLost(2);
    s.publish('queued', msg('t', 0), 3);
    const fx = s.shutdown(4);
    assert.deepEqual(fx.map((e) => e.kind === 'fail' && e.handle).sort(), ['inflight', 'queued', 'sub']);
    assert.ok(fx.every((e) => e.kind === 'fail' && e.error instanceof SessionClosedError));
    assert.equal(s.state, 'shutdown');
    assert.ok(only(s.publish('late', msg('t', 1), 5), 'fail')[0]!.error instanceof SessionClosedError);
  });
});
