// QoS 0/1/2 in both directions on a connected client session, as hand-written packet sequences.
import assert from 'node:assert/strict';
import { CommandRefusedError } from '../../src/session/errors';
import {
  goOnline, kinds, msg, newSession, noSchedule, only, puback, publishPacket, publishes, pubcomp, pubrec, pubrel, sent,
} from './helpers';

describe('session/client outgoing QoS', () => {
  for (const version of [4, 5] as const) {
    describe(`MQTT ${version === 5 ? '5' : '3.1.1'}`, () => {
      it('QoS 0: one PUBLISH with QoS 0, DUP 0 and no packet id, completed when handed to the wire [MQTT-4.3.1-1] [MQTT-3.3.1-2] [MQTT-2.3.1-5] [v5 MQTT-2.2.1-2]', () => {
        const s = newSession(version);
        goOnline(s);
        const fx = noSchedule(s.publish('h0', msg('a/b', 0), 1));
        assert.deepEqual(kinds(fx), ['send:publish', 'complete']);
        assert.deepEqual(sent(fx)[0], { type: 'publish', topic: 'a/b', payload: Buffer.from('m:a/b'), qos: 0, retain: false, dup: false });
        assert.deepEqual(only(fx, 'complete')[0], { kind: 'complete', handle: 'h0', result: { kind: 'published', reasonCode: 0 } });
      });

      it('QoS 1: persist then PUBLISH with a fresh id and DUP 0; held until PUBACK, which unpersists and completes [3.1.1 MQTT-4.3.2-1] [v5 MQTT-4.3.2-1] [v5 MQTT-4.3.2-2] [v5 MQTT-4.3.2-3]', () => {
        const s = newSession(version);
        goOnline(s);
        const fx = noSchedule(s.publish('h1', msg('t', 1), 1));
        assert.deepEqual(kinds(fx), ['persist', 'send:publish']);
        const [persist] = only(fx, 'persist');
        assert.deepEqual(persist!.record, { seq: 1, stage: 'publish', packetId: 1, topic: 't', payload: Buffer.from('m:t'), qos: 1, retain: false });
        assert.deepEqual(sent(fx)[0], { type: 'publish', topic: 't', payload: Buffer.from('m:t'), qos: 1, retain: false, dup: false, packetId: 1 });
        assert.equal(s.stats.inflight, 1);
        const acked = noSchedule(s.onPacket(puback(1), 2));
        assert.deepEqual(acked, [
          { kind: 'unpersist', seq: 1 },
          { kind: 'complete', handle: 'h1', result: { kind: 'published', reasonCode: 0 } },
        ]);
        assert.equal(s.stats.inflight, 0);
      });

      it('QoS 2: PUBLISH, PUBREC -> persist pubrel stage + PUBREL with the same id, PUBCOMP -> unpersist + complete [3.1.1 MQTT-4.3.3-1] [v5 MQTT-4.3.3-1] [v5 MQTT-4.3.3-2] [v5 MQTT-4.3.3-3] [v5 MQTT-4.3.3-4] [v5 MQTT-4.3.3-5] [MQTT-2.3.1-6] [v5 MQTT-2.2.1-5]', () => {
        const s = newSession(version);
        goOnline(s);
        const fx = noSchedule(s.publish('h2', msg('t', 2), 1));
        assert.deepEqual(kinds(fx), ['persist', 'send:publish']);
        assert.equal(publishes(fx)[0]!.qos, 2);
        const rec = noSchedule(s.onPacket(pubrec(1), 2));
        assert.deepEqual(kinds(rec), ['persist', 'send:pubrel']);
        assert.deepEqual(only(rec, 'persist')[0]!.record, { seq: 1, stage: 'pubrel', packetId: 1, topic: 't', payload: Buffer.alloc(0), qos: 2, retain: false });
        assert.deepEqual(sent(rec), [{ type: 'pubrel', packetId: 1, reasonCode: 0 }]);
        assert.deepEqual(kinds(noSchedule(s.onPacket(pubcomp(1), 3))), ['unpersist', 'complete']);
        assert.equal(s.stats.messages, 0);
      });
    });
  }

  it('v5: PUBACK >= 0x80 fails the publish with the reason name and string; it is never retried [v5 MQTT-4.4.0-2]', () => {
    const s = newSession(5);
    goOnline(s);
    s.publish('h', msg('t', 1), 0);
    const fx = noSchedule(s.onPacket({ type: 'puback', packetId: 1, reasonCode: 0x87, properties: { reasonString: 'acl' } }, 1));
    assert.deepEqual(kinds(fx), ['unpersist', 'fail']);
    const error = only(fx, 'fail')[0]!.error;
    assert.ok(error instanceof CommandRefusedError);
    assert.equal(error.message, 'publish refused: Not authorized (0x87): acl');
    assert.equal(error.reasonCode, 0x87);
    s.connectionLost(2);
    const again = goOnline(s, { sessionPresent: true, now: 3 });
    assert.equal(sent(again).length, 0, 'nothing re-sent for a refused message');
  });

  it('v5: PUBREC >= 0x80 ends a QoS 2 exchange: no PUBREL, the publish fails, quota comes back [v5 MQTT-4.4.0-2] [v5 MQTT-4.3.3-4]', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { receiveMaximum: 1 } });
    s.publish('a', msg('t', 2), 0);
    s.publish('b', msg('t', 2), 0);
    const fx = noSchedule(s.onPacket(pubrec(1, 0x97), 1));
    assert.deepEqual(kinds(fx), ['unpersist', 'fail', 'persist', 'send:publish']);
    assert.equal(only(fx, 'fail')[0]!.handle, 'a');
    assert.match(only(fx, 'fail')[0]!.error.message, /Quota exceeded \(0x97\)/);
  });

  it('v5: a success reason code such as 0x10 No matching subscribers completes with that code', () => {
    const s = newSession(5);
    goOnline(s);
    s.publish('h', msg('t', 2), 0);
    s.onPacket(pubrec(1, 0x10), 1);
    const [done] = only(s.onPacket(pubcomp(1), 2), 'complete');
    assert.deepEqual(done!.result, { kind: 'published', reasonCode: 0x10 });
  });

  it('sends PUBRELs in the order the PUBRECs arrived [MQTT-4.6.0-4]', () => {
    const s = newSession(4);
    goOnline(s);
    for (const h of ['a', 'b', 'c']) s.publish(h, msg('t', 2), 0);
    const fx = [...s.onPacket(pubrec(3), 1), ...s.onPacket(pubrec(1), 2), ...s.onPacket(pubrec(2), 3)];
    assert.deepEqual(sent(fx).map((p) => p.type === 'pubrel' && p.packetId), [3, 1, 2]);
  });
});

describe('session/client incoming QoS', () => {
  for (const version of [4, 5] as const) {
    describe(`MQTT ${version === 5 ? '5' : '3.1.1'}`, () => {
      it('QoS 0 is delivered, nothing is sent [MQTT-3.3.4-1]', () => {
        const s = newSession(version);
        goOnline(s);
        assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 0), 1))), ['deliver']);
      });

      it('QoS 1: delivered, then PUBACK with the same id; the id then means a new message [3.1.1 MQTT-4.3.2-2] [MQTT-4.5.0-2] [v5 MQTT-4.3.2-4] [v5 MQTT-4.3.2-5]', () => {
        const s = newSession(version);
        goOnline(s);
        const fx = noSchedule(s.onPacket(publishPacket('x', 1, 7), 1));
        assert.deepEqual(kinds(fx), ['deliver', 'send:puback']);
        assert.deepEqual(sent(fx), [{ type: 'puback', packetId: 7, reasonCode: 0 }]);
        assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 1, 7, { dup: true }), 2))), ['deliver', 'send:puback']);
      });

      it('QoS 2 method B: persist id, deliver, PUBREC; a re-sent PUBLISH gets PUBREC only; PUBREL frees the id with PUBCOMP [3.1.1 MQTT-4.3.3-2] [v5 MQTT-4.3.3-8] [v5 MQTT-4.3.3-10] [v5 MQTT-4.3.3-11] [v5 MQTT-4.3.3-12]', () => {
        const s = newSession(version);
        goOnline(s);
        const first = noSchedule(s.onPacket(publishPacket('x', 2, 9), 1));
        assert.deepEqual(kinds(first), ['persistIncoming', 'deliver', 'send:pubrec']);
        assert.deepEqual(sent(first), [{ type: 'pubrec', packetId: 9, reasonCode: 0 }]);
        const dup = noSchedule(s.onPacket(publishPacket('x', 2, 9, { dup: true }), 2));
        assert.deepEqual(kinds(dup), ['send:pubrec'], 'no second delivery');
        const rel = noSchedule(s.onPacket(pubrel(9), 3));
        assert.deepEqual(rel, [{ kind: 'unpersistIncoming', packetId: 9 }, { kind: 'send', packet: { type: 'pubcomp', packetId: 9, reasonCode: 0 } }]);
        assert.deepEqual(kinds(noSchedule(s.onPacket(publishPacket('x', 2, 9), 4))), ['persistIncoming', 'deliver', 'send:pubrec'], 'a new message');
      });

      it('acknowledges in arrival order: PUBACKs and PUBRECs [MQTT-4.6.0-2] [MQTT-4.6.0-3]', () => {
        const s = newSession(version);
        goOnline(s);
        const ids = [5, 2, 9, 1];
        const fx = ids.flatMap((id, i) => s.onPacket(publishPacket('x', (i % 2) + 1 as 1 | 2, id), i));
        assert.deepEqual(sent(fx).map((p) => `${p.type}:${'packetId' in p ? p.packetId : ''}`), ['puback:5', 'pubrec:2', 'puback:9', 'pubrec:1']);
      });
    });
  }

  it('PUBREL for an id we do not hold is answered with PUBCOMP (v5: 0x92), not treated as a violation', () => {
    const v5 = newSession(5);
    goOnline(v5);
    assert.deepEqual(sent(v5.onPacket(pubrel(4), 1)), [{ type: 'pubcomp', packetId: 4, reasonCode: 0x92 }]);
    const v4 = newSession(4);
    goOnline(v4);
    assert.deepEqual(noSchedule(v4.onPacket(pubrel(4), 1)), [{ kind: 'send', packet: { type: 'pubcomp', packetId: 4, reasonCode: 0 } }]);
  });
});
