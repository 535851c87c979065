// What a client writes in CONNECT, SUBSCRIBE and UNSUBSCRIBE payloads, read back byte by byte: field order,
// and the length-prefixed UTF-8 form of every string field (non-ASCII text included, so a byte-length vs
// character-length slip would show).
import assert from 'node:assert/strict';
import { encode, type ConnectPacket, type ProtocolVersion } from '../../src/codec/index';

/** Reads the length-prefixed UTF-8 strings / binary fields back-to-back from `at`. */
function fields(buf: Buffer, at: number, count: number): { values: Buffer[]; end: number } {
  const values: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt16BE(at);
    values.push(buf.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return { values, end: at };
}

/** Offset of the CONNECT payload: fixed header (1 + 1 remaining-length byte for these small packets),
 * protocol name, level, flags, keep alive, and for v5 the properties (here: none, one length byte). */
function connectPayloadOffset(buf: Buffer, v: ProtocolVersion): number {
  const nameLen = buf.readUInt16BE(2);
  const afterKeepalive = 2 + 2 + nameLen + 1 + 1 + 2;
  return v === 5 ? afterKeepalive + 1 + buf[afterKeepalive]! : afterKeepalive;
}

const CLIENT_ID = 'grüße-01';
const WILL_TOPIC = 'état/ßensor';
const USER = 'ünïcode-user';

function connect(v: ProtocolVersion): ConnectPacket {
  return {
    type: 'connect',
    protocolVersion: v,
    clientId: CLIENT_ID,
    clean: true,
    keepalive: 30,
    username: USER,
    password: Buffer.from('pw'),
    will: { topic: WILL_TOPIC, payload: Buffer.from('gone'), qos: 1, retain: false },
  };
}

describe('codec: client payload fields', () => {
  for (const v of [3, 4, 5] as const) {
    describe(`protocol level ${v}`, () => {
      it('[MQTT-3.1.3-3] ClientId is the first field of the CONNECT payload', () => {
        const buf = encode(connect(v), v);
        const at = connectPayloadOffset(buf, v);
        const { values } = fields(buf, at, 1);
        assert.equal(values[0]!.toString('utf8'), CLIENT_ID);
      });

      it('[3.1.1 MQTT-3.1.3-10] [v5 MQTT-3.1.3-11] Will Topic and [3.1.1 MQTT-3.1.3-11] [v5 MQTT-3.1.3-12] User Name are length-prefixed UTF-8 in order', () => {
        const buf = encode(connect(v), v);
        let at = connectPayloadOffset(buf, v);
        at = fields(buf, at, 1).end; // client id
        if (v === 5) at += 1 + buf[at]!; // will properties (empty: one length byte)
        const { values, end } = fields(buf, at, 4); // will topic, will payload, user name, password
        assert.equal(values[0]!.toString('utf8'), WILL_TOPIC);
        assert.equal(values[0]!.length, Buffer.byteLength(WILL_TOPIC), 'length prefix counts bytes, not characters');
        assert.equal(values[1]!.toString('utf8'), 'gone');
        assert.equal(values[2]!.toString('utf8'), USER);
        assert.equal(values[2]!.length, Buffer.byteLength(USER));
        assert.equal(values[3]!.toString('utf8'), 'pw');
        assert.equal(end, buf.length, 'nothing after the password');
      });

      it('[MQTT-3.8.3-1] SUBSCRIBE topic filters are length-prefixed UTF-8, each followed by its options byte', () => {
        const filters = ['añb/+/c', 'x/#'];
        const buf = encode(
          { type: 'subscribe', packetId: 9, subscriptions: filters.map((topicFilter, i) => ({ topicFilter, qos: i as 0 | 1 })) },
          v,
        );
        let at = 2 + 2 + (v === 5 ? 1 : 0); // fixed header, packet id, empty properties
        for (const [i, f] of filters.entries()) {
          const { values, end } = fields(buf, at, 1);
          assert.equal(values[0]!.toString('utf8'), f);
          assert.equal(buf[end], i, 'options byte carries the requested QoS');
          at = end + 1;
        }
        assert.equal(at, buf.length);
      });

      it('[MQTT-3.10.3-1] UNSUBSCRIBE topic filters are length-prefixed UTF-8 strings packed back to back', () => {
        const filters = ['añb/+/c', 'x/#', 'plain'];
        const buf = encode({ type: 'unsubscribe', packetId: 9, topicFilters: filters }, v);
        const at = 2 + 2 + (v === 5 ? 1 : 0);
        const { values, end } = fields(buf, at, filters.length);
        assert.deepEqual(values.map((b) => b.toString('utf8')), filters);
        assert.equal(end, buf.length);
      });
    });
  }
});
