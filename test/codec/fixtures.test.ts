// Every fixture decodes to its object, its object encodes to its bytes, and the bytes decode the same when
// they arrive split at every offset. Titles cite what the fixtures pin down.
import assert from 'node:assert/strict';
import { PACKET_TYPE_CODES, decode, encode, encodedSize, type PacketType } from '../../src/codec/index';
import { FIXTURES } from './fixtures';
import { decodeStream } from './helpers';

describe('codec fixtures', () => {
  for (const f of FIXTURES) {
    for (const v of f.versions) {
      describe(`${f.name} (protocol level ${v})`, () => {
        it('decodes to the fixture object', () => {
          assert.deepStrictEqual(decode(f.bytes, v), f.packet);
        });

        it('encodes to the fixture bytes, and encodedSize() agrees', () => {
          assert.equal(encode(f.packet, v).toString('hex'), f.bytes.toString('hex'));
          assert.equal(encodedSize(f.packet, v), f.bytes.length);
        });

        it('decodes identically when split at every offset [v5 MQTT-6.0.0-2] [3.1.1 MQTT-6.0.0-2]', () => {
          for (let i = 1; i < f.bytes.length; i++) {
            assert.deepStrictEqual(decodeStream(f.bytes, v, { splitAt: i }), [f.packet], `split at ${i}`);
          }
          assert.deepStrictEqual(decodeStream(f.bytes, v, { size: 1 }), [f.packet], 'one byte at a time');
        });
      });
    }
  }

  it('covers every packet type in every version it exists in', () => {
    for (const v of [3, 4, 5] as const) {
      const types = new Set(FIXTURES.filter((f) => f.versions.includes(v)).map((f) => f.packet.type));
      const expected = (Object.keys(PACKET_TYPE_CODES) as PacketType[]).filter((t) => t !== 'auth' || v === 5);
      assert.deepStrictEqual([...types].sort(), expected.sort(), `version ${v}`);
    }
  });

  it('decodes a stream of all fixtures of one version in one chunk and in 3-byte chunks', () => {
    for (const v of [3, 4, 5] as const) {
      const fixtures = FIXTURES.filter((f) => f.versions.includes(v));
      const stream = Buffer.concat(fixtures.map((f) => f.bytes));
      const expected = fixtures.map((f) => f.packet);
      assert.deepStrictEqual(decodeStream(stream, v, {}), expected);
      assert.deepStrictEqual(decodeStream(stream, v, { size: 3 }), expected);
    }
  });
});
