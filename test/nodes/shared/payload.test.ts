import assert from 'node:assert/strict';
import { convertPayload, mediaKind, payloadBytes, PayloadTypeError } from '../../../src/nodes/shared/payload';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

describe('nodes/shared/payload: outgoing payload bytes (as core mqtt out)', () => {
  it('sends a Buffer as is (same bytes, no copy)', () => {
    const b = Buffer.from([1, 2, 3]);
    assert.equal(payloadBytes(b), b);
  });
  it('encodes strings as UTF-8', () => {
    assert.deepEqual(payloadBytes('héllo'), utf8('héllo'));
  });
  it('sends null and undefined as an empty payload', () => {
    assert.equal(payloadBytes(null).length, 0);
    assert.equal(payloadBytes(undefined).length, 0);
  });
  it('serialises objects and arrays as JSON', () => {
    assert.equal(payloadBytes({ a: 1, b: [true] }).toString(), '{"a":1,"b":[true]}');
    assert.equal(payloadBytes([1, 'x']).toString(), '[1,"x"]');
  });
  it('turns numbers, booleans and bigints into their text', () => {
    assert.equal(payloadBytes(42.5).toString(), '42.5');
    assert.equal(payloadBytes(0).toString(), '0');
    assert.equal(payloadBytes(false).toString(), 'false');
    assert.equal(payloadBytes(10n).toString(), '10');
  });
  it('takes a Uint8Array view without losing its offset', () => {
    const whole = new Uint8Array([9, 1, 2, 9]);
    assert.deepEqual([...payloadBytes(whole.subarray(1, 3))], [1, 2]);
  });
});

describe('nodes/shared/payload: media types', () => {
  it('classifies JSON, +json and parameters', () => {
    assert.equal(mediaKind('application/json'), 'json');
    assert.equal(mediaKind('Application/JSON; charset=utf-8'), 'json');
    assert.equal(mediaKind('application/vnd.api+json'), 'json');
  });
  it('classifies text types', () => {
    for (const t of ['text/plain', 'text/csv', 'application/xml', 'image/svg+xml', 'application/yaml']) assert.equal(mediaKind(t), 'text', t);
  });
  it('classifies binary types', () => {
    for (const t of ['application/octet-stream', 'image/png', 'audio/ogg', 'application/zip', 'application/cbor']) assert.equal(mediaKind(t), 'binary', t);
  });
  it('leaves unknown types to sniffing', () => {
    assert.equal(mediaKind('application/x-custom'), 'unknown');
  });
});

describe('nodes/shared/payload: incoming payload by output type', () => {
  it('buffer keeps the bytes', () => {
    const b = utf8('{"a":1}');
    assert.equal(convertPayload(b, 'buffer'), b);
  });
  it('utf8 and base64 convert unconditionally', () => {
    assert.equal(convertPayload(utf8('x y'), 'utf8'), 'x y');
    assert.equal(convertPayload(Buffer.from([0, 255]), 'base64'), 'AP8=');
  });
  it('json parses, and reports invalid JSON and non-UTF-8 bytes as typed errors', () => {
    assert.deepEqual(convertPayload(utf8('{"a":[1]}'), 'json'), { a: [1] });
    assert.throws(() => convertPayload(utf8('{nope'), 'json'), (e: unknown) => e instanceof PayloadTypeError && e.reason === 'invalid-json');
    assert.throws(() => convertPayload(NOT_UTF8, 'json'), (e: unknown) => e instanceof PayloadTypeError && e.reason === 'not-utf8');
  });
  it('auto-detect without hints: JSON text parsed, other text a string, binary a Buffer', () => {
    assert.deepEqual(convertPayload(utf8('{"on":true}'), 'auto-detect'), { on: true });
    assert.equal(convertPayload(utf8('42'), 'auto-detect'), 42);
    assert.equal(convertPayload(utf8('hello'), 'auto-detect'), 'hello');
    assert.ok(Buffer.isBuffer(convertPayload(NOT_UTF8, 'auto-detect')));
  });
  it('auto (core legacy) gives strings, never parsed JSON', () => {
    assert.equal(convertPayload(utf8('{"on":true}'), 'auto'), '{"on":true}');
    assert.ok(Buffer.isBuffer(convertPayload(NOT_UTF8, 'auto')));
  });
  it('auto-detect honours a v5 binary content type even for text-looking bytes', () => {
    const b = utf8('{"a":1}');
    assert.equal(convertPayload(b, 'auto-detect', { contentType: 'application/octet-stream' }), b);
  });
  it('auto-detect keeps declared text as a string even when it parses as JSON', () => {
    assert.equal(convertPayload(utf8('123'), 'auto-detect', { contentType: 'text/plain' }), '123');
  });
  it('auto-detect parses declared JSON and reports declared JSON that does not parse', () => {
    assert.deepEqual(convertPayload(utf8('[1,2]'), 'auto-detect', { contentType: 'application/json' }), [1, 2]);
    assert.throws(() => convertPayload(utf8('not json'), 'auto-detect', { contentType: 'application/json' }), PayloadTypeError);
  });
  it('auto gives declared JSON as its text', () => {
    assert.equal(convertPayload(utf8('[1,2]'), 'auto', { contentType: 'application/json' }), '[1,2]');
  });
  it('auto-detect trusts the payload format indicator for UTF-8', () => {
    assert.equal(convertPayload(utf8('plain'), 'auto-detect', { payloadFormatIndicator: true }), 'plain');
    assert.deepEqual(convertPayload(utf8('{"x":2}'), 'auto-detect', { payloadFormatIndicator: true }), { x: 2 });
  });
  it('an empty payload is an empty string in auto modes', () => {
    assert.equal(convertPayload(Buffer.alloc(0), 'auto-detect'), '');
  });
});
