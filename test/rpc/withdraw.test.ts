// The session's withdraw(): what an RPC requester relies on so that a request it gave up on (timeout,
// disconnect) is not sent later from the offline queue. The session layer owns the code; these tests sit
// with the RPC tests because the requester is the reason it exists.
import assert from 'node:assert/strict';
import { PublishWithdrawnError } from '../../src/session/errors';
import { goOnline, kinds, msg, newSession, noSchedule, only, puback, pubrec, publishes } from '../session/helpers';

describe('rpc: session withdraw() of a request nobody waits for', () => {
  it('a queued (never sent) publish is removed, unpersisted and failed; the next connection does not send it', () => {
    const s = newSession(5);
    const queued = s.publish('h1', msg('req/a', 1), 0);
    assert.deepEqual(kinds(noSchedule(queued)), ['persist']);
    const seq = only(queued, 'persist')[0]!.record.seq;
    const fx = s.withdraw('h1', 10);
    assert.deepEqual(only(fx, 'unpersist').map((e) => e.seq), [seq]);
    const failed = only(fx, 'fail');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.handle, 'h1');
    assert.ok(failed[0]!.error instanceof PublishWithdrawnError);
    assert.equal(s.stats.messages, 0);
    assert.deepEqual(publishes(goOnline(s, { now: 20 })), []);
  });

  it('withdrawing one queued publish keeps the others in order', () => {
    const s = newSession(4);
    s.publish('h1', msg('req/1', 1), 0);
    s.publish('h2', msg('req/2', 1), 0);
    s.publish('h3', msg('req/3', 1), 0);
    s.withdraw('h2', 0);
    assert.deepEqual(publishes(goOnline(s)).map((p) => p.topic), ['req/1', 'req/3']);
  });

  it('an in-flight publish is not re-sent after a reconnect without the session, and its record is gone [v5 MQTT-3.2.2-5]', () => {
    const s = newSession(5);
    goOnline(s);
    const sent = s.publish('h1', msg('req/a', 1), 0);
    assert.equal(publishes(sent).length, 1);
    const fx = s.withdraw('h1', 5);
    assert.equal(only(fx, 'unpersist').length, 1, 'the record leaves the store: a restart will not restore it');
    assert.equal(only(fx, 'fail').length, 0, 'still in flight: its PUBACK may yet come');
    s.connectionLost(6);
    const again = goOnline(s, { sessionPresent: false, now: 7 });
    assert.deepEqual(publishes(again), []);
    const failed = only(again, 'fail');
    assert.equal(failed.length, 1);
    assert.ok(failed[0]!.error instanceof PublishWithdrawnError);
    assert.equal(only(again, 'unpersist').length, 0, 'already unpersisted when withdrawn');
    assert.equal(s.stats.messages, 0);
  });

  it('a resumed session still re-sends an in-flight withdrawn publish with DUP [MQTT-4.4.0-1] [MQTT-3.3.1-1]', () => {
    const s = newSession(4);
    goOnline(s);
    const id = publishes(s.publish('h1', msg('req/a', 1), 0))[0]!.packetId!;
    s.withdraw('h1', 1);
    s.connectionLost(2);
    const resent = publishes(goOnline(s, { sessionPresent: true, now: 3 }));
    assert.deepEqual(resent.map((p) => [p.packetId, p.dup]), [[id, true]]);
    const done = s.onPacket(puback(id), 4);
    assert.equal(only(done, 'complete').length, 1);
    assert.equal(only(done, 'unpersist').length, 0);
  });

  it('QoS 2 past PUBREC is received: withdraw changes nothing, and PUBREL is persisted and completed', () => {
    const s = newSession(5);
    goOnline(s);
    const id = publishes(s.publish('h1', msg('req/a', 2), 0))[0]!.packetId!;
    s.onPacket(pubrec(id), 1);
    assert.deepEqual(noSchedule(s.withdraw('h1', 2)), []);
  });

  it('QoS 2 withdrawn before PUBREC: a later PUBREC persists the PUBREL record again, and PUBCOMP removes it', () => {
    const s = newSession(5);
    goOnline(s);
    const id = publishes(s.publish('h1', msg('req/a', 2), 0))[0]!.packetId!;
    s.withdraw('h1', 1);
    const rec = s.onPacket(pubrec(id), 2);
    assert.equal(only(rec, 'persist').length, 1);
    const comp = s.onPacket({ type: 'pubcomp', packetId: id, reasonCode: 0 }, 3);
    assert.equal(only(comp, 'unpersist').length, 1);
    assert.equal(only(comp, 'complete').length, 1);
  });

  it('an unknown handle is a no-op', () => {
    const s = newSession(5);
    s.publish('h1', msg('req/a', 1), 0);
    assert.deepEqual(noSchedule(s.withdraw('other', 0)), []);
    assert.equal(s.stats.messages, 1);
  });
});
