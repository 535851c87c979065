import assert from 'node:assert/strict';
import { actionOf, describeSubscription, IN_ACTIONS, OUT_ACTIONS, parseSubscribe, parseUnsubscribe } from '../../../src/nodes/shared/actions';
import { MqttKitError } from '../../../src/nodes/shared/errors';
import { t } from './helpers';

const defaults = { qos: 2 as const, datatype: 'auto-detect' as const };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MqttKitError);
    return e.code;
  }
  assert.fail('no error');
}

describe('nodes/shared/actions: msg.action', () => {
  it('accepts core\'s action names per node', () => {
    for (const a of IN_ACTIONS) assert.equal(actionOf({ action: a }, IN_ACTIONS, t), a);
    assert.equal(actionOf({ action: 'connect' }, OUT_ACTIONS, t), 'connect');
    assert.equal(actionOf({ payload: 1 }, OUT_ACTIONS, t), undefined);
  });
  it('rejects actions the node does not take, with the list of those it does', () => {
    assert.equal(code(() => actionOf({ action: 'subscribe' }, OUT_ACTIONS, t)), 'INVALID_ACTION');
    assert.throws(() => actionOf({ action: 'Subscribe' }, IN_ACTIONS, t), /getSubscriptions/);
  });
});

describe('nodes/shared/actions: subscribe', () => {
  it('takes a string with core\'s defaults (QoS 2, rap true, nl false, rh 0) and the node\'s datatype', () => {
    assert.deepEqual(parseSubscribe({ topic: 'a/#' }, defaults, t), [{ topic: 'a/#', qos: 2, nl: false, rap: true, rh: 0, datatype: 'auto-detect' }]);
  });
  it('takes objects with options as values or strings, and arrays of both', () => {
    const subs = parseSubscribe({ topic: ['x', { topic: 'y/+', qos: '1', nl: 'true', rap: false, rh: 2, datatype: 'json' }] }, defaults, t);
    assert.deepEqual(subs, [
      { topic: 'x', qos: 2, nl: false, rap: true, rh: 0, datatype: 'auto-detect' },
      { topic: 'y/+', qos: 1, nl: true, rap: false, rh: 2, datatype: 'json' },
    ]);
  });
  it('accepts shared subscriptions', () => {
    assert.equal(parseSubscribe({ topic: '$share/g1/jobs/#' }, defaults, t)[0]!.topic, '$share/g1/jobs/#');
  });
  it('attaches msg.context to every subscription unless an entry has its own', () => {
    const subs = parseSubscribe({ topic: ['a', { topic: 'b', context: 'own' }], context: { req: 1 } }, defaults, t);
    assert.deepEqual(subs.map((s) => s.context), [{ req: 1 }, 'own']);
    assert.deepEqual(describeSubscription(subs[0]!), { topic: 'a', qos: 2, nl: false, rap: true, rh: 0, datatype: 'auto-detect' });
  });
  it('[MQTT-4.7.1-1] [MQTT-4.7.1-2] rejects malformed filters, naming the entry', () => {
    assert.equal(code(() => parseSubscribe({ topic: 'a/#/b' }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.throws(() => parseSubscribe({ topic: ['ok', 'a+'] }, defaults, t), /plus-position/);
  });
  it('[v5 MQTT-4.8.2-2] rejects a share name without a filter', () => {
    assert.throws(() => parseSubscribe({ topic: '$share/g' }, defaults, t), /share-filter/);
  });
  it('rejects bad options and shapes', () => {
    assert.equal(code(() => parseSubscribe({ topic: { topic: 'a', qos: 3 } }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.equal(code(() => parseSubscribe({ topic: { topic: 'a', rh: 5 } }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.equal(code(() => parseSubscribe({ topic: { topic: 'a', datatype: 'xml' } }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.equal(code(() => parseSubscribe({ topic: { qos: 1 } }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.equal(code(() => parseSubscribe({ topic: 5 }, defaults, t)), 'INVALID_SUBSCRIPTION');
    assert.equal(code(() => parseSubscribe({}, defaults, t)), 'INVALID_SUBSCRIPTION');
  });
});

describe('nodes/shared/actions: unsubscribe', () => {
  it('takes true for all, or strings/objects/arrays', () => {
    assert.equal(parseUnsubscribe({ topic: true }, t), 'all');
    assert.deepEqual(parseUnsubscribe({ topic: ['a', { topic: 'b/#' }] }, t), ['a', 'b/#']);
    assert.deepEqual(parseUnsubscribe({ topic: 'c' }, t), ['c']);
  });
  it('rejects an entry without a topic', () => {
    assert.equal(code(() => parseUnsubscribe({ topic: [{}] }, t)), 'INVALID_SUBSCRIPTION');
  });
});
