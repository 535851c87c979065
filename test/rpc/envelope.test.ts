// The 3.1.1 JSON envelope and the MQTT 5 error reply convention: exact bytes (they are a documented wire
// format other implementations write by hand), round trips, and what is refused as "not an envelope".
import assert from 'node:assert/strict';
import {
  decodeReplyEnvelope, decodeRequestEnvelope, encodeReplyEnvelope, encodeRequestEnvelope,
} from '../../src/rpc/envelope';
import { defaultResponseTopic, errorPayload, errorProperties, remoteErrorOf } from '../../src/rpc/conventions';
import { CorrelationIds, correlationKey, keyOfLevel, correlationLevel } from '../../src/rpc/correlation';
import type { ServerInfo } from '../../src/client/types';

const corr = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('rpc: JSON envelope (MQTT 3.1.1)', () => {
  it('encodes a request with a UTF-8 payload as documented', () => {
    const bytes = encodeRequestEnvelope({ responseTopic: 'r/1', correlationData: corr, payload: Buffer.from('héllo') });
    assert.equal(bytes.toString(), '{"responseTopic":"r/1","correlationData":"ABEiM0RVZneImaq7zN3u/w==","payload":"héllo"}');
  });

  it('encodes a binary payload as base64 with payloadEncoding, and round-trips content type and repeated user properties', () => {
    const payload = Buffer.from([0xff, 0x00, 0xfe]);
    const env = { responseTopic: 'r/1', correlationData: corr, payload, contentType: 'application/octet-stream', userProperties: [['a', '1'], ['b', '2'], ['a', '3']] as Array<[string, string]> };
    const bytes = encodeRequestEnvelope(env);
    const json = JSON.parse(bytes.toString());
    assert.equal(json.payload, '/wD+');
    assert.equal(json.payloadEncoding, 'base64');
    assert.deepEqual(json.userProperties, { a: ['1', '3'], b: '2' });
    const back = decodeRequestEnvelope(bytes)!;
    assert.deepEqual(back.payload, payload);
    assert.deepEqual(back.correlationData, corr);
    assert.equal(back.contentType, 'application/octet-stream');
    assert.deepEqual(back.userProperties, [['a', '1'], ['a', '3'], ['b', '2']]);
  });

  it('round-trips a reply and an error reply', () => {
    const ok = decodeReplyEnvelope(encodeReplyEnvelope({ correlationData: corr, payload: Buffer.from('42') }))!;
    assert.equal(ok.payload.toString(), '42');
    assert.equal(ok.error, undefined);
    const bytes = encodeReplyEnvelope({ correlationData: corr, payload: Buffer.from('{}'), error: { message: 'no such item', code: 'E404' } });
    assert.deepEqual(JSON.parse(bytes.toString()).error, { message: 'no such item', code: 'E404' });
    assert.deepEqual(decodeReplyEnvelope(bytes)!.error, { message: 'no such item', code: 'E404' });
    assert.deepEqual(decodeReplyEnvelope(Buffer.from('{"correlationData":"","payload":"","error":"plain text"}'))!.error, { message: 'plain text' });
  });

  it('accepts a hand-written envelope with whitespace and no optional fields', () => {
    const env = decodeRequestEnvelope(Buffer.from(' \n{ "responseTopic": "a/b", "correlationData": "AQI=", "payload": "x" }'))!;
    assert.equal(env.responseTopic, 'a/b');
    assert.deepEqual(env.correlationData, Buffer.from([1, 2]));
    assert.equal(env.payload.toString(), 'x');
  });

  const notRequests: Array<[string, string]> = [
    ['not JSON', 'hello'],
    ['a JSON array', '[1]'],
    ['broken JSON', '{"responseTopic":'],
    ['no responseTopic', '{"correlationData":"AQ==","payload":"x"}'],
    ['a wildcard response topic [v5 MQTT-3.3.2-14]', '{"responseTopic":"a/+","correlationData":"AQ==","payload":"x"}'],
    ['an empty response topic', '{"responseTopic":"","correlationData":"AQ==","payload":"x"}'],
    ['no correlationData', '{"responseTopic":"a","payload":"x"}'],
    ['correlationData not base64', '{"responseTopic":"a","correlationData":"**","payload":"x"}'],
    ['payload not a string', '{"responseTopic":"a","correlationData":"AQ==","payload":{"v":1}}'],
    ['an unknown payloadEncoding', '{"responseTopic":"a","correlationData":"AQ==","payload":"x","payloadEncoding":"hex"}'],
    ['user properties with a number', '{"responseTopic":"a","correlationData":"AQ==","payload":"x","userProperties":{"a":1}}'],
  ];
  for (const [what, text] of notRequests) {
    it(`is not a request envelope: ${what}`, () => {
      assert.equal(decodeRequestEnvelope(Buffer.from(text)), undefined);
    });
  }

  it('is not a reply envelope: an error without a message', () => {
    assert.equal(decodeReplyEnvelope(Buffer.from('{"correlationData":"AQ==","payload":"","error":{"code":"x"}}')), undefined);
  });
});

describe('rpc: MQTT 5 conventions', () => {
  it('an error reply is marked by user properties and carries a JSON payload tools can print', () => {
    const e = { message: 'division by zero', code: 'EDIV' };
    assert.deepEqual(errorProperties(e), [['mqtt-kit-error', 'division by zero'], ['mqtt-kit-error-code', 'EDIV']]);
    assert.equal(errorPayload(e).toString(), '{"error":{"message":"division by zero","code":"EDIV"}}');
    assert.deepEqual(remoteErrorOf([['x', 'y'], ['mqtt-kit-error', 'boom']]), { message: 'boom' });
    assert.equal(remoteErrorOf([['x', 'y']]), undefined);
    assert.equal(remoteErrorOf(undefined), undefined);
  });

  const server = (clientId: string, responseInformation?: string): ServerInfo => ({
    sessionPresent: false, properties: responseInformation ? { responseInformation } : {}, clientId, keepalive: 60, maximumQoS: 2,
    retainAvailable: true, maximumPacketSize: undefined, topicAliasMaximum: 0, receiveMaximum: 65535,
    subscriptionIdentifiersAvailable: true, wildcardSubscriptionAvailable: true, sharedSubscriptionAvailable: true,
  });

  it('default response topic: under the Response Information when the broker sends one, else mqtt-kit/reply/<client id>/<id>', () => {
    assert.equal(defaultResponseTopic(server('c1', 'resp/c1/'), 'n1'), 'resp/c1/n1');
    assert.equal(defaultResponseTopic(server('c1', 'resp/c1'), 'n1'), 'resp/c1/n1');
    assert.equal(defaultResponseTopic(server('c1'), 'n1'), 'mqtt-kit/reply/c1/n1');
    assert.equal(defaultResponseTopic(server('a/b+'), 'n1'), 'mqtt-kit/reply/n1', 'a client id that cannot be a topic level is left out');
    assert.equal(defaultResponseTopic(server('c1', 'bad/#/'), 'n1'), 'mqtt-kit/reply/c1/n1', 'unusable response information is ignored');
  });
});

describe('rpc: correlation data', () => {
  it('is 16 bytes: the requester prefix and a counter; consecutive ids differ and keys are bijective', () => {
    const ids = new CorrelationIds(Buffer.from('0102030405060708', 'hex'));
    const a = ids.next();
    const b = ids.next();
    assert.equal(a.toString('hex'), '01020304050607080000000000000001');
    assert.equal(b.toString('hex'), '01020304050607080000000000000002');
    assert.notEqual(correlationKey(a), correlationKey(b));
    assert.equal(keyOfLevel(correlationLevel(a)), correlationKey(a));
    assert.equal(keyOfLevel('xyz'), undefined);
    assert.equal(keyOfLevel('abc'), undefined);
  });

  it('two requesters draw different random prefixes', () => {
    assert.notDeepEqual(new CorrelationIds().next().subarray(0, 8), new CorrelationIds().next().subarray(0, 8));
  });
});
