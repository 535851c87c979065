import assert from 'node:assert/strict';
import type { PublishPacket } from '../../../src/codec/types';
import { publishToMsg, type ReceiveContext } from '../../../src/nodes/shared/receive-msg';
import { t } from './helpers';

const ctx: ReceiveContext = { datatype: 'auto-detect', subscription: 'site/+/temp', broker: 'cfg1', t };

function packet(extra: Partial<PublishPacket> = {}): PublishPacket {
  return { type: 'publish', topic: 'site/a/temp', payload: Buffer.from('21.5'), qos: 1, retain: false, dup: false, packetId: 7, ...extra };
}

describe('nodes/shared/receive-msg', () => {
  it('gives core\'s top-level properties and the metadata under msg.mqtt', () => {
    const r = publishToMsg(packet({ dup: true }), ctx);
    assert.ok(r.ok);
    assert.deepEqual(r.msg, {
      topic: 'site/a/temp', payload: 21.5, qos: 1, retain: false,
      mqtt: { dup: true, messageId: 7, subscription: 'site/+/temp', broker: 'cfg1' },
    });
  });
  it('has no messageId for QoS 0', () => {
    const r = publishToMsg(packet({ qos: 0, packetId: undefined }), ctx);
    assert.equal('messageId' in (r.msg.mqtt as object), false);
  });
  it('copies the v5 properties under core\'s names, user properties as an object', () => {
    const r = publishToMsg(packet({
      payload: Buffer.from('{"a":1}'),
      properties: {
        responseTopic: 'r', correlationData: Buffer.from('c'), contentType: 'application/json', messageExpiryInterval: 9,
        payloadFormatIndicator: true, userProperties: [['k', '1'], ['k', '2']], subscriptionIdentifiers: [3, 4],
      },
    }), ctx);
    assert.ok(r.ok);
    const m = r.msg;
    assert.deepEqual(m.payload, { a: 1 });
    assert.equal(m.responseTopic, 'r');
    assert.deepEqual(m.correlationData, Buffer.from('c'));
    assert.equal(m.contentType, 'application/json');
    assert.equal(m.messageExpiryInterval, 9);
    assert.equal(m.payloadFormatIndicator, true);
    assert.deepEqual(m.userProperties, { k: ['1', '2'] });
    assert.deepEqual((m.mqtt as { subscriptionIdentifiers: number[] }).subscriptionIdentifiers, [3, 4]);
  });
  it('applies the output type', () => {
    const r = publishToMsg(packet({ payload: Buffer.from('{"a":1}') }), { ...ctx, datatype: 'utf8' });
    assert.equal(r.msg.payload, '{"a":1}');
  });
  it('carries a dynamic subscription\'s context (core #4269)', () => {
    const r = publishToMsg(packet(), { ...ctx, context: { requestedBy: 'http' } });
    assert.deepEqual((r.msg.mqtt as { context: unknown }).context, { requestedBy: 'http' });
  });
  it('reports JSON that does not parse as INVALID_JSON with the raw msg', () => {
    const r = publishToMsg(packet({ payload: Buffer.from('{x') }), { ...ctx, datatype: 'json' });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'INVALID_JSON');
    assert.match(r.error.message, /site\/a\/temp/);
    assert.deepEqual(r.msg.payload, Buffer.from('{x'));
  });
  it('reports binary bytes asked for as JSON as NOT_UTF8', () => {
    const r = publishToMsg(packet({ payload: Buffer.from([0xff, 0x00]) }), { ...ctx, datatype: 'json' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'NOT_UTF8');
  });
});
