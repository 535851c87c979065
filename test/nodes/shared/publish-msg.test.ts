import assert from 'node:assert/strict';
import { MqttKitError } from '../../../src/nodes/shared/errors';
import { msgToPublish, parseQos, parseRetain, type PublishDefaults } from '../../../src/nodes/shared/publish-msg';
import { t } from './helpers';

const v5 = { v5: true, t };
const v4 = { v5: false, t };
const none: PublishDefaults = {};

function fails(fn: () => unknown, code: string, detail?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MqttKitError, String(e));
    assert.equal(e.code, code);
    if (detail) assert.match(e.message, detail);
    return true;
  });
}

describe('nodes/shared/publish-msg: topic, QoS, retain precedence', () => {
  it('uses msg.topic/qos/retain when the node leaves them blank', () => {
    const out = msgToPublish({ topic: 'a/b', payload: 'x', qos: 1, retain: true }, none, v4);
    assert.deepEqual(out, { topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: true });
  });
  it('lets node values win over the msg (as core)', () => {
    const out = msgToPublish({ topic: 'msg/t', payload: 1, qos: 2, retain: true }, { topic: 'node/t', qos: 0, retain: false }, v4);
    assert.equal(out.topic, 'node/t');
    assert.equal(out.qos, 0);
    assert.equal(out.retain, false);
  });
  it('defaults QoS 0 and retain false, and accepts core\'s string forms', () => {
    const out = msgToPublish({ topic: 't', payload: '' }, none, v4);
    assert.equal(out.qos, 0);
    assert.equal(out.retain, false);
    const s = msgToPublish({ topic: 't', payload: '', qos: '2', retain: 'true' }, none, v4);
    assert.equal(s.qos, 2);
    assert.equal(s.retain, true);
  });
  it('parses QoS and retain strictly', () => {
    assert.equal(parseQos(''), undefined);
    assert.equal(parseQos(' 1 '), 1);
    assert.equal(parseQos(3), 'invalid');
    assert.equal(parseQos('x'), 'invalid');
    assert.equal(parseRetain('false'), false);
    assert.equal(parseRetain(undefined), undefined);
  });
});

describe('nodes/shared/publish-msg: errors instead of silent drops', () => {
  it('a msg without a payload property is MISSING_PAYLOAD (core drops it silently)', () => {
    fails(() => msgToPublish({ topic: 't' }, none, v4), 'MISSING_PAYLOAD', /mqtt-kit\.errors\.missing-payload/);
  });
  it('payload null/undefined is sent as an empty payload', () => {
    assert.equal(msgToPublish({ topic: 't', payload: null }, none, v4).payload.length, 0);
    assert.equal(msgToPublish({ topic: 't', payload: undefined }, none, v4).payload.length, 0);
  });
  it('no topic anywhere is MISSING_TOPIC', () => {
    fails(() => msgToPublish({ payload: 1 }, none, v5), 'MISSING_TOPIC');
    fails(() => msgToPublish({ payload: 1, topic: '' }, none, v5), 'MISSING_TOPIC');
  });
  it('[MQTT-4.7.0-1] [MQTT-3.3.2-2] a wildcard in a topic name is INVALID_TOPIC', () => {
    fails(() => msgToPublish({ topic: 'a/+', payload: 1 }, none, v4), 'INVALID_TOPIC', /wildcard-in-name/);
    fails(() => msgToPublish({ topic: 'a/#', payload: 1 }, none, v4), 'INVALID_TOPIC');
  });
  it('[MQTT-4.7.3-2] a topic with U+0000 is INVALID_TOPIC', () => {
    fails(() => msgToPublish({ topic: 'a\u0000b', payload: 1 }, none, v4), 'INVALID_TOPIC', /null-character/);
  });
  it('a non-string msg.topic is INVALID_TOPIC', () => {
    fails(() => msgToPublish({ topic: 42, payload: 1 }, none, v4), 'INVALID_TOPIC');
  });
  it('an invalid msg.qos is INVALID_QOS (core quietly uses 0)', () => {
    fails(() => msgToPublish({ topic: 't', payload: 1, qos: 3 }, none, v4), 'INVALID_QOS', /"qos":"3"/);
  });
});

describe('nodes/shared/publish-msg: MQTT 5 properties', () => {
  it('copies the v5 msg properties on a v5 connection', () => {
    const out = msgToPublish({
      topic: 't', payload: 'p', responseTopic: 'r/1', correlationData: Buffer.from('id'), contentType: 'text/plain',
      messageExpiryInterval: 30, payloadFormatIndicator: true, userProperties: { a: '1', n: 2 },
    }, none, v5);
    assert.deepEqual(out.properties, {
      responseTopic: 'r/1', correlationData: Buffer.from('id'), contentType: 'text/plain', messageExpiryInterval: 30,
      payloadFormatIndicator: true, userProperties: [['a', '1'], ['n', '2']],
    });
  });
  it('leaves properties out on 3.1.1', () => {
    const out = msgToPublish({ topic: 't', payload: 'p', contentType: 'text/plain', userProperties: { a: '1' } }, none, v4);
    assert.equal(out.properties, undefined);
  });
  it('has no properties object when none is set', () => {
    assert.equal(msgToPublish({ topic: 't', payload: 'p' }, none, v5).properties, undefined);
  });
  it('node properties win; user properties merge with the node winning on the same name', () => {
    const node: PublishDefaults = {
      responseTopic: 'node/reply', correlationData: Buffer.from('node'), contentType: 'application/json',
      messageExpiryInterval: 60, userProperties: { site: 'node', line: '7' },
    };
    const out = msgToPublish({
      topic: 't', payload: {}, responseTopic: 'msg/reply', correlationData: 'msg', contentType: 'text/plain',
      messageExpiryInterval: 5, userProperties: { site: 'msg', extra: 'kept' },
    }, node, v5);
    assert.equal(out.properties?.responseTopic, 'node/reply');
    assert.deepEqual(out.properties?.correlationData, Buffer.from('node'));
    assert.equal(out.properties?.contentType, 'application/json');
    assert.equal(out.properties?.messageExpiryInterval, 60);
    assert.deepEqual(out.properties?.userProperties, [['site', 'node'], ['extra', 'kept'], ['line', '7']]);
  });
  it('replies to msg.responseTopic with the correlation data when no topic is set, without echoing the response topic', () => {
    const out = msgToPublish({ payload: 'answer', responseTopic: 'rpc/reply/9', correlationData: Buffer.from([1, 2]) }, none, v5);
    assert.equal(out.topic, 'rpc/reply/9');
    assert.deepEqual(out.properties, { correlationData: Buffer.from([1, 2]) });
  });
  it('a string correlationData is sent as its UTF-8 bytes', () => {
    assert.deepEqual(msgToPublish({ topic: 't', payload: 1, correlationData: 'abc' }, none, v5).properties?.correlationData, Buffer.from('abc'));
  });
  it('rejects invalid property values with INVALID_PROPERTY naming the property', () => {
    fails(() => msgToPublish({ topic: 't', payload: 1, messageExpiryInterval: -1 }, none, v5), 'INVALID_PROPERTY', /messageExpiryInterval/);
    fails(() => msgToPublish({ topic: 't', payload: 1, messageExpiryInterval: 2 ** 32 }, none, v5), 'INVALID_PROPERTY');
    fails(() => msgToPublish({ topic: 't', payload: 1, userProperties: 'a=1' }, none, v5), 'INVALID_PROPERTY', /userProperties/);
    fails(() => msgToPublish({ topic: 't', payload: 1, correlationData: 12 }, none, v5), 'INVALID_PROPERTY', /correlationData/);
    fails(() => msgToPublish({ topic: 't', payload: 1, contentType: 5 }, none, v5), 'INVALID_PROPERTY', /contentType/);
  });
  it('[v5 MQTT-3.3.2-14] a response topic must be a valid topic name', () => {
    fails(() => msgToPublish({ topic: 't', payload: 1, responseTopic: 'r/#' }, none, v5), 'INVALID_TOPIC');
  });
});
