// What the session does when the driver reports a failed store write (docs/session.md, "Store write
// failures"): outgoing messages are taken out and failed, never sent; a message past PUBREC is kept; an
// incoming QoS 2 id is forgotten so the server's re-send counts as new.
import assert from 'node:assert/strict';
import { StoreWriteError } from '../../src/session/errors';
import { goOnline, kinds, msg, newSession, noSchedule, only, publishPacket, publishes, pubrec, sent } from './helpers';

const diskFull = (): StoreWriteError => new StoreWriteError(new Error('ENOSPC'));

describe('session/client store write failures', () => {
  it('sends carry the message of a QoS 1/2 PUBLISH (seq), for the driver to drop', () => {
    const s = newSession(5);
    goOnline(s);
    const fx = noSchedule(s.publish('h', msg('t', 1), 0));
    const send = only(fx, 'send')[0]!;
    assert.equal(send.seq, only(fx, 'persist')[0]!.record.seq);
    assert.equal(only(noSchedule(s.publish('h0', msg('t', 0), 0)), 'send')[0]!.seq, undefined, 'QoS 0 has no record');
  });

  it('a queued message is taken out and failed with the error; its record is removed', () => {
    const s = newSession(5);
    const fx = noSchedule(s.publish('h', msg('q', 1), 0)); // offline: queued
    const seq = only(fx, 'persist')[0]!.record.seq;
    const error = diskFull();
    const failed = noSchedule(s.outgoingStoreFailed(seq, error, 1));
    assert.deepEqual(failed, [{ kind: 'unpersist', seq }, { kind: 'fail', handle: 'h', error }]);
    assert.equal(s.stats.messages, 0);
    assert.deepEqual(publishes(goOnline(s)), [], 'nothing to send on the next connection');
  });

  it('a message whose PUBLISH waits for the write gives back its packet id and quota; the next one goes out', () => {
    const s = newSession(5);
    goOnline(s, { connackProperties: { receiveMaximum: 1 } });
    const first = noSchedule(s.publish('a', msg('a', 1), 0));
    assert.deepEqual(noSchedule(s.publish('b', msg('b', 1), 0)).map((e) => e.kind), ['persist'], 'b waits for quota');
    const seq = only(first, 'persist')[0]!.record.seq;
    const fx = noSchedule(s.outgoingStoreFailed(seq, diskFull(), 1));
    assert.deepEqual(kinds(fx), ['unpersist', 'fail', 'persist', 'send:publish']);
    assert.equal(publishes(fx)[0]!.topic, 'b');
    assert.equal(publishes(fx)[0]!.packetId, 2);
    assert.equal(s.stats.inflight, 1);
  });

  it('a QoS 2 message past PUBREC is kept: the server has it', () => {
    const s = newSession(5);
    goOnline(s);
    const fx = noSchedule(s.publish('h', msg('t', 2), 0));
    const seq = only(fx, 'persist')[0]!.record.seq;
    const rec = noSchedule(s.onPacket(pubrec(1), 1));
    assert.deepEqual(kinds(rec), ['persist', 'send:pubrel']);
    assert.deepEqual(noSchedule(s.outgoingStoreFailed(seq, diskFull(), 2)), []);
    assert.equal(s.stats.inflight, 1);
  });

  it('an incoming QoS 2 id that could not be stored is forgotten: the re-send is delivered as new', () => {
    const s = newSession(5);
    goOnline(s);
    const first = noSchedule(s.onPacket(publishPacket('in', 2, 7), 0));
    assert.deepEqual(kinds(first), ['persistIncoming', 'deliver', 'send:pubrec']);
    assert.deepEqual(s.incomingStoreFailed(7, 1), [{ kind: 'unpersistIncoming', packetId: 7 }]);
    const again = noSchedule(s.onPacket(publishPacket('in', 2, 7, { dup: true }), 2));
    assert.deepEqual(kinds(again), ['persistIncoming', 'deliver', 'send:pubrec']);
    assert.deepEqual(sent(again), [{ type: 'pubrec', packetId: 7, reasonCode: 0 }]);
  });
});
