// Lost connections, reconnects with and without a session, the offline queue and restarts from a store.
import assert from 'node:assert/strict';
import type { PublishPacket } from '../../src/codec/types';
import { QueueFullError } from '../../src/session/errors';
import type { OutgoingRecord } from '../../src/store/types';
import {
  goOnline, kinds, msg, newSession, noSchedule, only, puback, publishPacket, publishes, pubrec, pubrel, sent,
  stmt,
} from './helpers';

/** Three QoS 1/2 messages in flight (one past PUBREC), then the connection drops. */
function sessionWithInflight(version: 4 | 5) {
  const s = newSession(version);
  goOnline(s);
  s.publish('q1', msg('a', 1), 1); // id 1
  s.publish('q2a', msg('b', 2), 2); // id 2, will be PUBREC'd
  s.publish('q2b', msg('c', 2), 3); // id 3
  s.publish('q1b', msg('d', 1), 4); // id 4
  s.onPacket(pubrec(2), 5);
  s.connectionLost(6);
  return s;
}

describe('session/client reconnect', () => {
  for (const version of [4, 5] as const) {
    it(`${version === 5 ? 'v5' : '3.1.1'} resumed session: re-sends unacknowledged PUBLISH (DUP=1, original ids) and PUBREL in original order [MQTT-4.4.0-1] [MQTT-4.6.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-3] [v5 MQTT-4.3.3-6]`, () => {
      const s = sessionWithInflight(version);
      const fx = noSchedule(goOnline(s, { sessionPresent: true, now: 10 }));
      assert.equal(fx[0]!.kind, 'connected');
      assert.deepEqual(sent(fx).map((p) => `${p.type}:${'packetId' in p ? p.packetId : ''}:${p.type === 'publish' ? p.dup : ''}`),
        ['publish:1:true', 'pubrel:2:', 'publish:3:true', 'publish:4:true']);
      assert.equal(only(fx, 'persist').length, 0, 'nothing changes in the store');
      assert.deepEqual(kinds(noSchedule(s.onPacket(puback(1), 11))), ['unpersist', 'complete']);
    });

    it(`${version === 5 ? 'v5' : '3.1.1'} session not present: QoS 1/2 messages go out again as new publishes in order; a QoS 2 past PUBREC is complete [v5 MQTT-3.2.2-5]`, () => {
      const s = sessionWithInflight(version);
      const fx = noSchedule(goOnline(s, { sessionPresent: false, now: 10 }));
      const done = only(fx, 'complete');
      assert.deepEqual(done.map((e) => e.handle), ['q2a'], 'the server took the QoS 2 message when it sent PUBREC');
      const pubs = publishes(fx);
      assert.deepEqual(pubs.map((p) => p.topic), ['a', 'c', 'd'], 'original order');
      assert.ok(pubs.every((p) => !p.dup), 'new publishes: DUP 0');
      assert.deepEqual(pubs.map((p) => p.packetId), [5, 6, 7], 'fresh ids, none reused from the lost session');
      // Store: requeued as 'queued' (no packet id), then persisted with the new ids before each send.
      const records = only(fx, 'persist').map((e) => `${e.record.seq}:${e.record.stage}:${e.record.packetId ?? '-'}`);
      assert.deepEqual(records, ['1:queued:-', '3:queued:-', '4:queued:-', '1:publish:5', '3:publish:6', '4:publish:7']);
      assert.deepEqual(only(fx, 'unpersist').map((e) => e.seq), [2]);
      for (const e of fx.filter((x) => x.kind === 'send')) {
        const i = fx.indexOf(e);
        const p = (e as { packet: PublishPacket }).packet;
        const persistIdx = fx.findIndex((x) => x.kind === 'persist' && x.record.packetId === p.packetId);
        assert.ok(persistIdx >= 0 && persistIdx < i, 'persisted before sent');
      }
    });
  }

  it('session not present discards the incoming QoS 2 state: held ids are unpersisted [v5 MQTT-3.2.2-5]', () => {
    const s = newSession(5);
    goOnline(s);
    s.onPacket(publishPacket('x', 2, 3), 1);
    s.onPacket(publishPacket('y', 2, 4), 1);
    s.connectionLost(2);
    const fx = goOnline(s, { sessionPresent: false, now: 3 });
    assert.deepEqual(only(fx, 'unpersistIncoming').map((e) => e.packetId).sort(), [3, 4]);
    assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 2, 3), 4))), ['persistIncoming', 'deliver', 'send:pubrec'], 'id 3 is new now');
  });

  it('resumed session keeps the incoming QoS 2 state: a re-sent PUBLISH is not delivered twice [3.1.1 MQTT-4.3.3-2] [v5 MQTT-4.3.3-10]', () => {
    const s = newSession(4);
    goOnline(s);
    s.onPacket(publishPacket('x', 2, 3), 1);
    s.connectionLost(2);
    goOnline(s, { sessionPresent: true, now: 3 });
    assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 2, 3, { dup: true }), 4))), ['send:pubrec']);
    assert.deepEqual(kinds(noSchedule(s.onPacket(pubrel(3), 5))), ['unpersistIncoming', 'send:pubcomp']);
  });

  it('a CONNACK with Session Present after a clean start is a protocol violation [v5 MQTT-3.2.2-4]', () => {
    const s = newSession(5);
    s.connectionOpened({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0 }, 0);
    const fx = s.onPacket({ type: 'connack', sessionPresent: true, reasonCode: 0 }, 1);
    assert.deepEqual(fx, [{ kind: 'protocolViolation', reasonCode: 0x82, statement: stmt('3.2.2-4'), message: 'CONNACK says Session Present after a clean start' }]);
  });
});

describe('session/client offline queue', () => {
  it('queues publishes made before connecting and before CONNACK, and sends them in order after CONNACK', () => {
    const s = newSession(5, { qos0WhileOffline: 'queue' });
    const before = [s.publish('a', msg('t/1', 1), 0), s.publish('b', msg('t/2', 0), 0), s.publish('c', msg('t/3', 2), 0)].flat();
    assert.deepEqual(kinds(noSchedule(before)), ['persist', 'persist'], 'QoS 1/2 persisted as queued; QoS 0 kept in memory only');
    assert.ok(only(before, 'persist').every((e) => e.record.stage === 'queued' && e.record.packetId === undefined));
    s.connectionOpened({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: false, keepalive: 0 }, 1);
    assert.equal(publishes(s.publish('d', msg('t/4', 1), 2)).length, 0, 'still waiting for CONNACK');
    const fx = s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 3);
    assert.deepEqual(publishes(fx).map((p) => p.topic), ['t/1', 't/2', 't/3', 't/4']);
    assert.deepEqual(only(fx, 'complete').map((e) => e.handle), ['b']);
  });

  it("QoS 0 while offline with the 'drop' policy completes as dropped and is counted; never silently", () => {
    const s = newSession(4);
    const fx = s.publish('z', msg('t', 0), 0);
    assert.deepEqual(noSchedule(fx), [{ kind: 'complete', handle: 'z', result: { kind: 'dropped', reason: 'offline' } }]);
    assert.equal(s.stats.droppedQos0, 1);
  });

  it('a full queue fails the publish with QueueFullError (messages, then bytes); nothing is dropped silently', () => {
    const s = newSession(4, { maxQueuedMessages: 2, maxQueuedBytes: 1000 });
    s.publish('a', msg('t', 1), 0);
    s.publish('b', msg('t', 1), 0);
    const [fail] = only(s.publish('c', msg('t', 1), 0), 'fail');
    assert.ok(fail!.error instanceof QueueFullError && fail!.error.limit === 'messages');
    assert.match(fail!.error.message, /queue is full \(2 messages\)/);
    const bytes = newSession(4, { maxQueuedBytes: 10 });
    bytes.publish('a', msg('t', 1, { payload: Buffer.alloc(5) }), 0);
    const [f2] = only(bytes.publish('b', msg('t', 1, { payload: Buffer.alloc(5) }), 0), 'fail');
    assert.ok(f2!.error instanceof QueueFullError && f2!.error.limit === 'bytes');
    assert.equal(bytes.stats.queued, 1);
  });

  it('the bound covers in-flight messages too, and frees as acks arrive', () => {
    const s = newSession(4, { maxQueuedMessages: 1 });
    goOnline(s);
    s.publish('a', msg('t', 1), 0);
    assert.equal(only(s.publish('b', msg('t', 1), 0), 'fail').length, 1);
    s.onPacket(puback(1), 1);
    assert.equal(publishes(s.publish('c', msg('t', 1), 2)).length, 1);
  });
});

describe('session/client restart from a store', () => {
  const rec = (seq: number, over: Partial<OutgoingRecord>): OutgoingRecord => ({
    seq, stage: 'queued', topic: `r/${seq}`, payload: Buffer.from(`p${seq}`), qos: 1, retain: false, ...over,
  });

  it('restores in-flight records with their ids and queued ones, and resumes them in seq order [MQTT-4.4.0-1]', () => {
    const s = newSession(4);
    s.restore({
      outgoing: [rec(4, {}), rec(2, { stage: 'publish', packetId: 9 }), rec(3, { stage: 'pubrel', packetId: 10, qos: 2, payload: Buffer.alloc(0) })],
      incoming: [77],
    });
    const fx = noSchedule(goOnline(s, { sessionPresent: true }));
    assert.deepEqual(sent(fx).map((p) => `${p.type}:${'packetId' in p ? p.packetId : ''}`), ['publish:9', 'pubrel:10', 'publish:1']);
    assert.equal(publishes(fx)[0]!.dup, true);
    assert.equal(publishes(fx)[1]!.dup, false, 'a queued record is a first attempt');
    assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('in', 2, 77, { dup: true }), 1))), ['send:pubrec'], 'incoming id restored');
    const done = noSchedule(s.onPacket(puback(9), 2));
    assert.deepEqual(done, [{ kind: 'unpersist', seq: 2 }, { kind: 'complete', handle: undefined, result: { kind: 'published', reasonCode: 0 } }]);
    const next = s.publish('new', msg('t', 1), 3);
    assert.equal(only(next, 'persist')[0]!.record.seq, 5, 'seq continues after the restored ones');
  });
});

describe('session/client subscribe across a lost connection', () => {
  it('re-sends a SUBSCRIBE that was in flight, with a new id, after reconnecting', () => {
    const s = newSession(4);
    goOnline(s);
    const first = sent(s.subscribe('sub', { subscriptions: [{ topicFilter: 'a/#', qos: 1 }] }, 1));
    assert.deepEqual(first, [{ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/#', qos: 1 }] }]);
    s.connectionLost(2);
    const fx = goOnline(s, { sessionPresent: true, now: 3 });
    assert.deepEqual(sent(fx), [{ type: 'subscribe', packetId: 2, subscriptions: [{ topicFilter: 'a/#', qos: 1 }] }]);
    const done = s.onPacket({ type: 'suback', packetId: 2, reasonCodes: [1] }, 4);
    assert.deepEqual(noSchedule(done), [{ kind: 'complete', handle: 'sub', result: { kind: 'subscribed', reasonCodes: [1] } }]);
  });
});
