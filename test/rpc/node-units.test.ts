// The mqtt-rpc node's pure parts with the real en-US catalog: config normalization, msg <-> request/reply
// mapping, failure texts, the in-flight status suffix. (Node-RED's test helper does not translate.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcError, type Reply } from '../../src/rpc';
import { rpcConfig } from '../../src/nodes/mqtt-rpc/config';
import { describeFailure, failureInfo } from '../../src/nodes/mqtt-rpc/errors';
import { InflightStatus } from '../../src/nodes/mqtt-rpc/inflight-status';
import { applyReply, errorOf, replyMeta, replyToOf, requestOf, requestToMsg, routeOf } from '../../src/nodes/mqtt-rpc/msg';
import type { Translate } from '../../src/nodes/shared/errors';

const catalog = {
  'mqtt-rpc': JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'nodes', 'mqtt-rpc', 'messages.en-US.json'), 'utf8')),
  'mqtt-kit': JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'nodes', 'shared', 'messages.en-US.json'), 'utf8')),
};

/** Node-RED's i18next lookup, as far as our catalogs need it: dotted key, __name__ substitutions. */
const t: Translate = (key, subs = {}) => {
  let node: any = catalog;
  for (const part of key.split('.')) node = node?.[part];
  if (typeof node !== 'string') throw new Error(`missing catalog key ${key}`);
  return node.replace(/__(\w+)__/g, (_: string, k: string) => String(subs[k]));
};

const reply = (over: Partial<Reply> = {}): Reply => ({
  payload: Buffer.from('{"ok":true}'), topic: 'mqtt-kit/reply/c/n', correlationData: Buffer.from([1, 2]), qos: 1,
  requestTopic: 'svc/a', rttMs: 1.5, ...over,
});

describe('mqtt-rpc node: config', () => {
  it('normalizes the editor values once, with safe defaults', () => {
    const c = rpcConfig({ id: 'n1', broker: 'cfg', topic: ' svc/a ', qos: '2', timeout: '0.5', maxInFlight: '7', failures: 'output' });
    assert.equal(c.mode, 'request');
    assert.equal(c.topic, 'svc/a');
    assert.equal(c.qos, 2);
    assert.equal(c.timeoutS, 0.5);
    assert.equal(c.maxInFlight, 7);
    assert.equal(c.failures, 'output');
    const d = rpcConfig({ id: 'n2', mode: 'respond', qos: 'x', timeout: '-1', datatype: 'nope', maxInFlight: '' });
    assert.deepEqual([d.mode, d.qos, d.timeoutS, d.datatype, d.maxInFlight, d.expect, d.protocol], ['respond', 1, 10, 'auto-detect', 10000, 'reply', 'auto']);
  });
});

describe('mqtt-rpc node: msg mapping', () => {
  const cfg = rpcConfig({ id: 'n1', broker: 'cfg', timeout: 10 });

  it('request: node topic wins over msg.topic; msg.timeout (s) overrides; metadata passes; msg.correlationData only when asked', () => {
    const msg = { topic: 'from/msg', payload: { a: 1 }, timeout: 2, contentType: 'application/json', userProperties: { k: ['1', '2'] }, correlationData: 'x' };
    const r = requestOf(msg, cfg, t);
    assert.equal(r.topic, 'from/msg');
    assert.equal(r.timeoutMs, 2000);
    assert.equal(r.payload.toString(), '{"a":1}');
    assert.deepEqual(r.userProperties, [['k', '1'], ['k', '2']]);
    assert.equal(r.correlationData, undefined);
    const fixed = requestOf(msg, rpcConfig({ id: 'n', topic: 'node/topic', correlation: 'msg' }), t);
    assert.equal(fixed.topic, 'node/topic');
    assert.deepEqual(fixed.correlationData, Buffer.from('x'));
    assert.throws(() => requestOf({ payload: 1 }, cfg, t), { code: 'MISSING_TOPIC' });
    assert.throws(() => requestOf({ topic: 'a/#', payload: 1 }, cfg, t), { code: 'INVALID_TOPIC' });
    assert.throws(() => requestOf({ topic: 'a', timeout: 'soon' }, cfg, t), { code: 'RPC_INVALID_TIMEOUT', message: 'invalid msg.timeout "soon": use a positive number of seconds' });
  });

  it('reply over the request msg: request properties replaced, the flow\'s kept, payload converted', () => {
    const msg: Record<string, unknown> = { topic: 'svc/a', payload: 'req', responseTopic: 'x', contentType: 'text/plain', userProperties: { a: '1' }, req: 'keep' };
    assert.equal(applyReply(msg, reply({ contentType: 'application/json' }), 'auto-detect', t), undefined);
    assert.deepEqual(msg.payload, { ok: true });
    assert.equal(msg.responseTopic, undefined);
    assert.equal(msg.userProperties, undefined);
    assert.equal(msg.contentType, 'application/json');
    assert.equal(msg.topic, 'mqtt-kit/reply/c/n');
    assert.equal(msg.requestTopic, 'svc/a');
    assert.equal(msg.req, 'keep');
    const bad: Record<string, unknown> = {};
    const err = applyReply(bad, reply({ payload: Buffer.from('not json'), contentType: 'application/json' }), 'auto-detect', t);
    assert.equal(err?.code, 'INVALID_JSON');
    assert.ok(Buffer.isBuffer(bad.payload));
  });

  it('responder msg: no msg.topic (an mqtt-out with no topic replies), request topic, route in msg.replyTo', () => {
    const { msg } = requestToMsg({
      topic: 'svc/a', payload: Buffer.from('7'), qos: 1, subscription: 'svc/+', contentType: 'text/plain', userProperties: [['u', 'v']],
      route: { responseTopic: 'r/1', correlationData: Buffer.from('c'), protocol: 'v5', qos: 1, expiresAt: 1000 },
      packet: { type: 'publish', topic: 'svc/a', payload: Buffer.from('7'), qos: 1, retain: false, dup: false, packetId: 3 },
    }, { node: 'srv', broker: 'cfg', datatype: 'auto-detect', t });
    assert.equal(msg.topic, undefined);
    assert.equal(msg.payload, '7');
    assert.equal(msg.requestTopic, 'svc/a');
    assert.equal(msg.responseTopic, 'r/1');
    assert.deepEqual(msg.replyTo, {
      responder: 'srv', broker: 'cfg', responseTopic: 'r/1', correlationData: Buffer.from('c'), protocol: 'v5', qos: 1, expiresAt: 1000,
      requestContentType: 'text/plain', requestUserProperties: '{"u":"v"}',
    });
    assert.deepEqual(msg.mqtt, { dup: false, messageId: 3, subscription: 'svc/+', broker: 'cfg', protocol: 'v5' });
  });

  it('reply metadata: the request\'s content type and user properties are not echoed unless the flow changed them', () => {
    const replyTo = replyToOf({ replyTo: { responder: 's', broker: 'c', responseTopic: 'r', protocol: 'v5', qos: 1, requestContentType: 'application/json', requestUserProperties: '{"u":"v"}' } });
    assert.deepEqual(replyMeta({ contentType: 'application/json', userProperties: { u: 'v' } }, replyTo), {});
    assert.deepEqual(replyMeta({ contentType: 'text/plain', userProperties: { u: 'w' } }, replyTo), { contentType: 'text/plain', userProperties: [['u', 'w']] });
  });

  it('msg.replyTo is checked, and a Buffer that went through JSON still works as correlation data', () => {
    assert.equal(replyToOf({ replyTo: { responseTopic: 'a/+', protocol: 'v5' } }), undefined);
    assert.equal(replyToOf({ replyTo: { responseTopic: 'a', protocol: 'mqtt' } }), undefined);
    assert.equal(replyToOf({ replyTo: 'r/1' }), undefined);
    const r = replyToOf({ replyTo: JSON.parse(JSON.stringify({ responder: 's', broker: 'c', responseTopic: 'r', protocol: 'envelope', qos: 7, correlationData: Buffer.from([9]) })) })!;
    assert.deepEqual(routeOf(r), { responseTopic: 'r', protocol: 'envelope', qos: 1, correlationData: Buffer.from([9]) });
  });

  it('msg.error from a Catch node or a string', () => {
    assert.deepEqual(errorOf({ message: 'boom', code: 'E1', source: {} }), { message: 'boom', code: 'E1' });
    assert.deepEqual(errorOf('plain'), { message: 'plain' });
    assert.deepEqual(errorOf({ message: 'n', code: 42 }), { message: 'n', code: '42' });
  });
});

describe('mqtt-rpc node: failure texts (en-US)', () => {
  const ctx = { topic: 'svc/a', timeoutS: 2 };
  const fail = (o: Partial<RpcError['outcome']>, extra: ConstructorParameters<typeof RpcError>[2] = {}) =>
    new RpcError('engine text', { timedOut: false, delivered: false, errorCode: 'RPC_TIMEOUT', ...o }, extra);

  it('a timeout says whether a retry is safe', () => {
    assert.equal(describeFailure(fail({ timedOut: true, delivered: true }), ctx, t),
      'no reply from "svc/a" within 2 s. The broker had acknowledged the request: a retry may run it twice.');
    assert.equal(describeFailure(fail({ timedOut: true }), ctx, t),
      'no reply from "svc/a" within 2 s. The broker never acknowledged the request: a retry is safe.');
  });

  it('error replies, refusals and the rest have their own text; msg.rpc carries the outcome', () => {
    const e = fail({ errorCode: 'RPC_ERROR_REPLY', delivered: true, remote: { message: 'bad id', code: 'E4' } });
    assert.equal(describeFailure(e, ctx, t), '"svc/a" answered with an error: bad id');
    assert.deepEqual(failureInfo(e, 'x'), { timedOut: false, delivered: true, errorCode: 'RPC_ERROR_REPLY', error: 'x', remote: { message: 'bad id', code: 'E4' } });
    const refused = fail({ errorCode: 'RPC_PUBLISH_FAILED', reasonCode: 0x87 }, { cause: Object.assign(new Error('publish refused: Not authorized (0x87)'), { reasonCode: 0x87 }) });
    assert.equal(describeFailure(refused, ctx, t), 'request to "svc/a" not sent: the broker refused the message: not authorised (0x87)');
    assert.match(describeFailure(fail({ errorCode: 'RPC_NO_RESPONDER', delivered: true }), ctx, t), /no responder: nothing subscribes to "svc\/a"/);
    assert.match(describeFailure(fail({ errorCode: 'RPC_DISCONNECTED' }), ctx, t), /connection was lost .* a retry is safe/);
    for (const code of ['RPC_TOO_MANY_REQUESTS', 'RPC_DUPLICATE_CORRELATION', 'RPC_SUBSCRIBE_FAILED', 'RPC_CLOSED', 'RPC_INVALID_REQUEST'] as const) {
      assert.match(describeFailure(fail({ errorCode: code }), ctx, t), /svc\/a|refused/, code);
    }
  });
});

describe('mqtt-rpc node: in-flight status', () => {
  it('appends the count to the connection status and drops it at zero', async () => {
    const shown: Array<Record<string, unknown>> = [];
    const s = new InflightStatus({ status: (x) => void shown.push(x as Record<string, unknown>) }, t);
    s.sink.status({ fill: 'green', shape: 'dot', text: 'connected' });
    assert.deepEqual(shown.pop(), { fill: 'green', shape: 'dot', text: 'connected' });
    s.setCount(3);
    await new Promise<void>((resolve) => {
      const orig = shown.push.bind(shown);
      shown.push = (...items) => (resolve(), orig(...items));
    });
    assert.deepEqual(shown.pop(), { fill: 'green', shape: 'dot', text: 'connected · 3 in flight' });
    s.setCount(0);
    s.sink.status({ fill: 'red', shape: 'ring', text: 'disconnected' });
    assert.deepEqual(shown.pop(), { fill: 'red', shape: 'ring', text: 'disconnected' });
    s.dispose();
  });
});
