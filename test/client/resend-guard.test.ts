import assert from 'node:assert/strict';
import { Qos2ResendGuard } from '../../src/client/resend-guard';
import type { PublishPacket } from '../../src/codec/types';

const p = (packetId: number, payload: string, dup = false): PublishPacket => ({
  type: 'publish', topic: 't', payload: Buffer.from(payload), qos: 2, retain: false, dup, packetId,
});

describe('client QoS 2 re-send guard', () => {
  it('drops a DUP re-send of a QoS 2 message already completed with PUBCOMP (the sender broke [v5 MQTT-4.3.3-6] [3.1.1 MQTT-4.3.3-1])', () => {
    const g = new Qos2ResendGuard();
    assert.equal(g.isResend(p(7, 'a')), false);
    g.completedId(7);
    assert.equal(g.isResend(p(7, 'a', true)), true);
  });

  it('lets a new message reusing the id through', () => {
    const g = new Qos2ResendGuard();
    g.isResend(p(7, 'a'));
    g.completedId(7);
    assert.equal(g.isResend(p(7, 'b', true)), false, 'different payload');
    const h = new Qos2ResendGuard();
    h.isResend(p(7, 'a'));
    h.completedId(7);
    assert.equal(h.isResend(p(7, 'a')), false, 'DUP=0: a first transmission');
    h.completedId(7);
  });

  it('forgets everything when the session was not resumed', () => {
    const g = new Qos2ResendGuard();
    g.isResend(p(1, 'x'));
    g.completedId(1);
    g.clear();
    assert.equal(g.isResend(p(1, 'x', true)), false);
  });
});
