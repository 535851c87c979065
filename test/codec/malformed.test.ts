// Bad frames, each expecting its error class, reason code and normative statement. Rows whose statement
// the specification does not number expect `statement` undefined (the message names the section).
import assert from 'node:assert/strict';
import {
  MalformedPacketError, ProtocolError, UnsupportedProtocolVersionError, decode, decodeConnect,
  type MqttError, type ProtocolVersion,
} from '../../src/codec/index';
import { assertMqttError, hex } from './helpers';

type ErrorClass = abstract new (...args: never[]) => MqttError;

interface Row {
  name: string;
  versions: ProtocolVersion[];
  bytes: Buffer;
  cls: ErrorClass;
  /** Statement for v5 / for 3.1 and 3.1.1 (one string when both specs use the same id). */
  statement?: string | { v5?: string; v311?: string };
}

const CODES = new Map<ErrorClass, number>([
  [MalformedPacketError, 0x81], [ProtocolError, 0x82], [UnsupportedProtocolVersionError, 0x84],
]);

/** Fixed header with a computed Remaining Length, then the body. */
function frame(b0: number, body: Buffer): Buffer {
  assert.ok(body.length < 128);
  return Buffer.concat([Buffer.from([b0, body.length]), body]);
}

const V3_4: ProtocolVersion[] = [3, 4];
const ALL: ProtocolVersion[] = [3, 4, 5];
const V5: ProtocolVersion[] = [5];
const M = MalformedPacketError;
const P = ProtocolError;
const CONNECT_V4 = hex`00 04 4d 51 54 54 04`; // "MQTT" level 4
const CONNECT_V5 = hex`00 04 4d 51 54 54 05`;

/** A v5 CONNECT with the given property block (length byte included), client id "c". */
const connect5 = (props: Buffer): Buffer => frame(0x10, Buffer.concat([CONNECT_V5, hex`02 00 00`, props, hex`00 01 63`]));
/** A v5 QoS 0 PUBLISH to "a" with the given property block. */
const publish5 = (props: Buffer): Buffer => frame(0x30, Buffer.concat([hex`00 01 61`, props]));

const ROWS: Row[] = [
  // ---- fixed header and Remaining Length
  { name: 'reserved packet type 0', versions: ALL, bytes: hex`00 00`, cls: M },
  { name: 'packet type 15 (AUTH) before MQTT 5', versions: V3_4, bytes: hex`f0 00`, cls: M },
  { name: 'Remaining Length of 5 bytes', versions: ALL, bytes: hex`30 ff ff ff ff 7f`, cls: M },
  { name: 'Remaining Length not in its shortest form', versions: ALL, bytes: hex`c0 80 00`, cls: M, statement: { v5: 'MQTT-1.5.5-1', v311: 'MQTT-1.5.5-1' } },
  { name: 'Remaining Length larger than the frame', versions: ALL, bytes: hex`30 05 00 01 61`, cls: M },
  { name: 'Remaining Length smaller than the frame', versions: ALL, bytes: hex`30 03 00 01 61 62`, cls: M },
  { name: 'PUBLISH QoS 1 too short for its Packet Identifier', versions: ALL, bytes: hex`32 03 00 01 61`, cls: M },
  { name: 'string longer than the packet', versions: ALL, bytes: hex`30 04 00 05 61 62`, cls: M },
  { name: 'PUBACK with a byte left over', versions: V3_4, bytes: hex`40 03 00 01 00`, cls: M },
  { name: 'PINGREQ with a body', versions: ALL, bytes: hex`c0 01 00`, cls: M },
  { name: 'PINGRESP with a body', versions: ALL, bytes: hex`d0 01 00`, cls: M },
  { name: 'CONNACK with a byte left over', versions: V3_4, bytes: hex`20 03 00 00 00`, cls: M },
  { name: 'UNSUBACK with a byte left over', versions: V3_4, bytes: hex`b0 03 00 01 00`, cls: M },
  { name: 'DISCONNECT with a body', versions: V3_4, bytes: hex`e0 01 00`, cls: M },
  { name: 'frame of one byte', versions: ALL, bytes: hex`c0`, cls: M },
  // ---- reserved flags
  { name: 'CONNACK with flags 0001', versions: ALL, bytes: hex`21 02 00 00`, cls: M, statement: { v5: 'MQTT-2.1.3-1', v311: 'MQTT-2.2.2-2' } },
  { name: 'CONNECT with flags 1000', versions: ALL, bytes: hex`18 00`, cls: M, statement: { v5: 'MQTT-2.1.3-1', v311: 'MQTT-2.2.2-2' } },
  { name: 'PUBACK with flags 0010', versions: ALL, bytes: hex`42 02 00 01`, cls: M, statement: { v5: 'MQTT-2.1.3-1', v311: 'MQTT-2.2.2-2' } },
  { name: 'PINGREQ with flags 0001', versions: ALL, bytes: hex`c1 00`, cls: M, statement: { v5: 'MQTT-2.1.3-1', v311: 'MQTT-2.2.2-2' } },
  { name: 'PUBREL with flags 0000', versions: ALL, bytes: hex`60 02 00 01`, cls: M, statement: 'MQTT-3.6.1-1' },
  { name: 'SUBSCRIBE with flags 0000', versions: ALL, bytes: hex`80 06 00 01 00 01 61 00`, cls: M, statement: 'MQTT-3.8.1-1' },
  { name: 'UNSUBSCRIBE with flags 0011', versions: ALL, bytes: hex`a3 05 00 01 00 01 61`, cls: M, statement: 'MQTT-3.10.1-1' },
  { name: 'DISCONNECT with flags 0001', versions: ALL, bytes: hex`e1 00`, cls: M, statement: 'MQTT-3.14.1-1' },
  { name: 'AUTH with flags 0001', versions: V5, bytes: hex`f1 00`, cls: M, statement: 'MQTT-3.15.1-1' },
  // ---- PUBLISH
  { name: 'PUBLISH with QoS 3', versions: ALL, bytes: hex`36 05 00 01 61 00 01`, cls: M, statement: 'MQTT-3.3.1-4' },
  { name: 'QoS 0 PUBLISH with DUP', versions: ALL, bytes: hex`38 03 00 01 61`, cls: M, statement: 'MQTT-3.3.1-2' },
  { name: 'PUBLISH Topic Name with +', versions: ALL, bytes: hex`30 05 00 03 61 2f 2b`, cls: P, statement: 'MQTT-3.3.2-2' },
  { name: 'PUBLISH Topic Name with #', versions: ALL, bytes: hex`30 03 00 01 23`, cls: P, statement: 'MQTT-3.3.2-2' },
  { name: 'PUBLISH with an empty Topic Name', versions: V3_4, bytes: hex`30 02 00 00`, cls: P, statement: { v311: 'MQTT-4.7.3-1' } },
  { name: 'PUBLISH with an empty Topic Name and no Topic Alias', versions: V5, bytes: hex`30 03 00 00 00`, cls: P },
  { name: 'QoS 1 PUBLISH with Packet Identifier 0', versions: ALL, bytes: hex`32 05 00 01 61 00 00`, cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  // ---- UTF-8
  ...([
    ['overlong U+0000 (C0 80)', hex`c0 80`],
    ['overlong 3-byte form (E0 80 AF)', hex`e0 80 af`],
    ['overlong 4-byte form (F0 80 80 AF)', hex`f0 80 80 af`],
    ['encoded surrogate U+D800 (ED A0 80)', hex`ed a0 80`],
    ['encoded surrogate U+DFFF (ED BF BF)', hex`ed bf bf`],
    ['code point above U+10FFFF (F4 90 80 80)', hex`f4 90 80 80`],
    ['lone continuation byte (80)', hex`80`],
    ['truncated sequence (E2 82)', hex`e2 82`],
    ['bad continuation (C3 28)', hex`c3 28`],
    ['byte F5', hex`f5 80 80 80`],
    ['byte FF', hex`ff`],
  ] as const).map(([what, bad]): Row => ({
    name: `Topic Name with ill-formed UTF-8: ${what}`, versions: ALL,
    bytes: frame(0x30, Buffer.concat([Buffer.from([0, bad.length + 1, 0x61]), bad])),
    cls: M, statement: { v5: 'MQTT-1.5.4-1', v311: 'MQTT-1.5.3-1' },
  })),
  { name: 'Topic Name with U+0000', versions: ALL, bytes: hex`30 05 00 03 61 00 62`, cls: M, statement: { v5: 'MQTT-1.5.4-2', v311: 'MQTT-1.5.3-2' } },
  { name: 'Topic Name with U+0000 after a multi-byte character', versions: ALL, bytes: hex`30 05 00 03 c3 a9 00`, cls: M, statement: { v5: 'MQTT-1.5.4-2', v311: 'MQTT-1.5.3-2' } },
  { name: 'Client Identifier with a surrogate', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`02 00 00 00 03 ed b0 80`])), cls: M, statement: 'MQTT-1.5.3-1' },
  { name: 'User Property name with U+0000', versions: V5, bytes: publish5(hex`07 26 00 01 00 00 01 62`), cls: M, statement: 'MQTT-1.5.4-2' },
  { name: 'User Property value ill-formed', versions: V5, bytes: publish5(hex`07 26 00 01 61 00 01 c0`), cls: M, statement: 'MQTT-1.5.4-1' },
  // ---- properties
  { name: 'Property Length beyond the packet', versions: V5, bytes: publish5(hex`09 23 00 01`), cls: M },
  { name: 'property value beyond the Property Length', versions: V5, bytes: publish5(hex`02 23 00 01 61`), cls: M },
  { name: 'duplicate Topic Alias', versions: V5, bytes: publish5(hex`06 23 00 01 23 00 02`), cls: P },
  { name: 'duplicate Session Expiry Interval in CONNECT', versions: V5, bytes: connect5(hex`0a 11 00 00 00 01 11 00 00 00 02`), cls: P },
  { name: 'Session Expiry Interval in PUBLISH (not allowed there)', versions: V5, bytes: publish5(hex`05 11 00 00 00 01`), cls: M },
  { name: 'Subscription Identifier in UNSUBSCRIBE', versions: V5, bytes: frame(0xa2, hex`00 01 02 0b 01 00 01 61`), cls: M },
  { name: 'Will Delay Interval in CONNECT properties', versions: V5, bytes: connect5(hex`05 18 00 00 00 01`), cls: M },
  { name: 'unknown property 0x7f', versions: V5, bytes: publish5(hex`02 7f 00`), cls: M },
  { name: 'property identifier of two bytes (0x80 0x01)', versions: V5, bytes: publish5(hex`03 80 01 00`), cls: M },
  { name: 'Receive Maximum 0', versions: V5, bytes: connect5(hex`03 21 00 00`), cls: P },
  { name: 'Maximum Packet Size 0', versions: V5, bytes: connect5(hex`05 27 00 00 00 00`), cls: P },
  { name: 'Request Problem Information 2', versions: V5, bytes: connect5(hex`02 17 02`), cls: P },
  { name: 'Request Response Information 0xff', versions: V5, bytes: connect5(hex`02 19 ff`), cls: P },
  { name: 'Payload Format Indicator 2', versions: V5, bytes: publish5(hex`02 01 02`), cls: P },
  { name: 'Topic Alias 0', versions: V5, bytes: publish5(hex`03 23 00 00`), cls: P, statement: 'MQTT-3.3.2-8' },
  { name: 'Response Topic with a wildcard', versions: V5, bytes: publish5(hex`06 08 00 03 61 2f 23`), cls: P, statement: 'MQTT-3.3.2-14' },
  { name: 'Subscription Identifier 0 in PUBLISH', versions: V5, bytes: publish5(hex`02 0b 00`), cls: P },
  { name: 'Subscription Identifier 0 in SUBSCRIBE', versions: V5, bytes: frame(0x82, hex`00 01 02 0b 00 00 01 61 00`), cls: P },
  { name: 'Maximum QoS 2 in CONNACK', versions: V5, bytes: frame(0x20, hex`00 00 02 24 02`), cls: P },
  { name: 'Retain Available 2 in CONNACK', versions: V5, bytes: frame(0x20, hex`00 00 02 25 02`), cls: P },
  { name: 'Authentication Data without Authentication Method', versions: V5, bytes: connect5(hex`04 16 00 01 01`), cls: P },
  // ---- CONNECT
  { name: 'CONNECT reserved flag set', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`03 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-3' },
  { name: 'CONNECT reserved flag set', versions: V5, bytes: frame(0x10, Buffer.concat([CONNECT_V5, hex`03 00 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-3' },
  { name: 'Will QoS without Will Flag', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`0a 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-13' },
  { name: 'Will QoS without Will Flag', versions: V5, bytes: frame(0x10, Buffer.concat([CONNECT_V5, hex`0a 00 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-11' },
  { name: 'Will Retain without Will Flag', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`22 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-15' },
  { name: 'Will Retain without Will Flag', versions: V5, bytes: frame(0x10, Buffer.concat([CONNECT_V5, hex`22 00 00 00 00 01 63`])), cls: M, statement: 'MQTT-3.1.2-13' },
  { name: 'Will QoS 3', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`1e 00 00 00 01 63 00 01 77 00 00`])), cls: M, statement: 'MQTT-3.1.2-14' },
  { name: 'Will QoS 3', versions: V5, bytes: frame(0x10, Buffer.concat([CONNECT_V5, hex`1e 00 00 00 00 01 63 00 00 01 77 00 00`])), cls: M, statement: 'MQTT-3.1.2-12' },
  { name: 'Password Flag without User Name Flag', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`42 00 00 00 01 63 00 01 70`])), cls: M, statement: 'MQTT-3.1.2-22' },
  { name: 'User Name Flag set but no User Name', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`82 00 00 00 01 63`])), cls: M },
  { name: 'Will Flag set but no Will Topic', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`06 00 00 00 01 63`])), cls: M },
  { name: 'CONNECT with bytes after the payload', versions: [4], bytes: frame(0x10, Buffer.concat([CONNECT_V4, hex`02 00 00 00 01 63 00`])), cls: M },
  // ---- CONNACK
  { name: 'CONNACK reserved flag bits', versions: V5, bytes: hex`20 03 02 00 00`, cls: M, statement: 'MQTT-3.2.2-1' },
  { name: 'CONNACK reserved flag bits', versions: V3_4, bytes: hex`20 02 80 00`, cls: M },
  { name: 'CONNACK Session Present with an error', versions: V5, bytes: hex`20 03 01 87 00`, cls: P, statement: 'MQTT-3.2.2-6' },
  { name: 'CONNACK Session Present with a refusal', versions: V3_4, bytes: hex`20 02 01 05`, cls: P, statement: 'MQTT-3.2.2-4' },
  { name: 'CONNACK reason code 0x01', versions: V5, bytes: hex`20 03 00 01 00`, cls: P, statement: 'MQTT-3.2.2-8' },
  { name: 'CONNACK return code 6', versions: V3_4, bytes: hex`20 02 00 06`, cls: P },
  { name: 'CONNACK without properties', versions: V5, bytes: hex`20 02 00 00`, cls: M },
  // ---- acknowledgements
  { name: 'PUBACK with Packet Identifier 0', versions: ALL, bytes: hex`40 02 00 00`, cls: P, statement: { v5: 'MQTT-2.2.1-5', v311: 'MQTT-2.3.1-6' } },
  { name: 'PUBREL with Packet Identifier 0', versions: ALL, bytes: hex`62 02 00 00`, cls: P, statement: { v5: 'MQTT-2.2.1-5', v311: 'MQTT-2.3.1-6' } },
  { name: 'PUBACK reason code 0x11', versions: V5, bytes: hex`40 03 00 01 11`, cls: P, statement: 'MQTT-3.4.2-1' },
  { name: 'PUBREC reason code 0x92', versions: V5, bytes: hex`50 03 00 01 92`, cls: P, statement: 'MQTT-3.5.2-1' },
  { name: 'PUBREL reason code 0x10', versions: V5, bytes: hex`62 03 00 01 10`, cls: P, statement: 'MQTT-3.6.2-1' },
  { name: 'PUBCOMP reason code 0x80', versions: V5, bytes: hex`70 03 00 01 80`, cls: P, statement: 'MQTT-3.7.2-1' },
  { name: 'PUBACK with properties beyond its end', versions: V5, bytes: hex`40 04 00 01 00 05`, cls: M },
  // ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
  { name: 'SUBSCRIBE without a Topic Filter', versions: V3_4, bytes: hex`82 02 00 01`, cls: P, statement: { v311: 'MQTT-3.8.3-3' } },
  { name: 'SUBSCRIBE without a Topic Filter', versions: V5, bytes: hex`82 03 00 01 00`, cls: P, statement: 'MQTT-3.8.3-2' },
  { name: 'SUBSCRIBE with Packet Identifier 0', versions: V3_4, bytes: hex`82 06 00 00 00 01 61 00`, cls: P, statement: 'MQTT-2.3.1-1' },
  { name: 'SUBSCRIBE with Packet Identifier 0', versions: V5, bytes: hex`82 07 00 00 00 00 01 61 00`, cls: P, statement: 'MQTT-2.2.1-3' },
  { name: 'SUBSCRIBE filter without its options byte', versions: V3_4, bytes: hex`82 05 00 01 00 01 61`, cls: M },
  { name: 'SUBSCRIBE reserved bits in Requested QoS', versions: V3_4, bytes: hex`82 06 00 01 00 01 61 04`, cls: M, statement: { v311: 'MQTT-3.8.3-4' } },
  { name: 'SUBSCRIBE Requested QoS 3', versions: V3_4, bytes: hex`82 06 00 01 00 01 61 03`, cls: M, statement: { v311: 'MQTT-3.8.3-4' } },
  { name: 'SUBSCRIBE reserved option bits 7-6', versions: V5, bytes: hex`82 07 00 01 00 00 01 61 c0`, cls: M, statement: 'MQTT-3.8.3-5' },
  { name: 'SUBSCRIBE Maximum QoS 3', versions: V5, bytes: hex`82 07 00 01 00 00 01 61 03`, cls: P },
  { name: 'SUBSCRIBE Retain Handling 3', versions: V5, bytes: hex`82 07 00 01 00 00 01 61 30`, cls: P },
  { name: 'SUBSCRIBE No Local on a Shared Subscription', versions: V5, bytes: frame(0x82, hex`00 01 00 | 00 0a 24 73 68 61 72 65 2f 67 2f 74 | 04`), cls: P, statement: 'MQTT-3.8.3-4' },
  { name: 'SUBACK without return codes', versions: V3_4, bytes: hex`90 02 00 01`, cls: P, statement: { v311: 'MQTT-3.8.4-5' } },
  { name: 'SUBACK without reason codes', versions: V5, bytes: hex`90 03 00 01 00`, cls: P, statement: 'MQTT-3.8.4-6' },
  { name: 'SUBACK return code 3', versions: V3_4, bytes: hex`90 03 00 01 03`, cls: P, statement: { v311: 'MQTT-3.9.3-2' } },
  { name: 'SUBACK reason code 0x92', versions: V5, bytes: hex`90 04 00 01 00 92`, cls: P, statement: 'MQTT-3.9.3-2' },
  { name: 'SUBACK with Packet Identifier 0', versions: ALL, bytes: hex`90 03 00 00 00`, cls: P, statement: { v5: 'MQTT-2.2.1-6', v311: 'MQTT-2.3.1-7' } },
  { name: 'UNSUBSCRIBE without a Topic Filter', versions: V3_4, bytes: hex`a2 02 00 01`, cls: P, statement: 'MQTT-3.10.3-2' },
  { name: 'UNSUBSCRIBE without a Topic Filter', versions: V5, bytes: hex`a2 03 00 01 00`, cls: P, statement: 'MQTT-3.10.3-2' },
  { name: 'UNSUBSCRIBE with Packet Identifier 0', versions: ALL, bytes: hex`a2 05 00 00 00 01 61`, cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  { name: 'UNSUBACK without reason codes', versions: V5, bytes: hex`b0 03 00 01 00`, cls: P, statement: 'MQTT-3.11.3-2' },
  { name: 'UNSUBACK reason code 0x01', versions: V5, bytes: hex`b0 04 00 01 00 01`, cls: P, statement: 'MQTT-3.11.3-2' },
  // ---- DISCONNECT, AUTH
  { name: 'DISCONNECT reason code 0x01', versions: V5, bytes: hex`e0 01 01`, cls: P, statement: 'MQTT-3.14.2-1' },
  { name: 'DISCONNECT property not allowed (Topic Alias)', versions: V5, bytes: hex`e0 05 00 03 23 00 01`, cls: M },
  { name: 'AUTH reason code 0x01', versions: V5, bytes: hex`f0 02 01 00`, cls: P, statement: 'MQTT-3.15.2-1' },
  { name: 'AUTH continue without Authentication Method', versions: V5, bytes: hex`f0 02 18 00`, cls: P },
];

function statementFor(row: Row, v: ProtocolVersion): string | undefined {
  const s = row.statement;
  if (s === undefined || typeof s === 'string') return s;
  return v === 5 ? s.v5 : s.v311;
}

function cite(statement: string | undefined, v: ProtocolVersion): string {
  return statement ? ` [${v === 5 ? 'v5' : '3.1.1'} ${statement}]` : '';
}

describe('codec malformed input', () => {
  for (const row of ROWS) {
    for (const v of row.versions) {
      const statement = statementFor(row, v);
      it(`level ${v}: ${row.name} -> ${row.cls.name}${cite(statement, v)}`, () => {
        assertMqttError(() => decode(row.bytes, v), { cls: row.cls, code: CODES.get(row.cls)!, statement });
      });
    }
  }

  it('[v5 MQTT-3.1.2-19] a 5.0 CONNECT may carry a Password without a User Name', () => {
    const bytes = frame(0x10, Buffer.concat([CONNECT_V5, hex`42 00 00 00 00 01 63 00 01 70`]));
    const p = decode(bytes, 5);
    assert.ok(p.type === 'connect' && p.username === undefined && p.password?.toString() === 'p');
  });
});

describe('codec AUTH forms', () => {
  it('accepts 0x00 Success as Remaining Length 0, as a lone reason code and with an empty property block', () => {
    for (const bytes of [hex`f0 00`, hex`f0 01 00`, hex`f0 02 00 00`]) assert.deepStrictEqual(decode(bytes, 5), { type: 'auth', reasonCode: 0 });
  });
});

describe('codec CONNECT protocol name and level', () => {
  const connect = (name: string, level: number): Buffer =>
    frame(0x10, Buffer.concat([Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([level, 2, 0, 0, 0, 1, 0x63])]));

  it('[v5 MQTT-3.1.2-2] [3.1.1 MQTT-3.1.2-2] level 6 -> UnsupportedProtocolVersionError, answer CONNACK 0x84 in 5.0', () => {
    for (const decodeIt of [(b: Buffer) => decode(b, 4), (b: Buffer) => decodeConnect(b)]) {
      assertMqttError(() => decodeIt(connect('MQTT', 6)), { cls: UnsupportedProtocolVersionError, code: 0x84, statement: 'MQTT-3.1.2-2' });
    }
    try {
      decodeConnect(connect('MQTT', 6));
    } catch (err) {
      assert.ok(err instanceof UnsupportedProtocolVersionError);
      assert.deepStrictEqual([err.protocolName, err.protocolLevel, err.replyVersion, err.replyCode], ['MQTT', 6, 5, 0x84]);
    }
  });

  it('[3.1.1 MQTT-3.1.2-2] "MQTT" level 3 and "MQIsdp" level 4 are mismatches: answer return code 1', () => {
    for (const [name, level] of [['MQTT', 3], ['MQIsdp', 4], ['MQTT', 2], ['MQTT', 0x84]] as const) {
      try {
        decodeConnect(connect(name, level));
        assert.fail('no error');
      } catch (err) {
        assert.ok(err instanceof UnsupportedProtocolVersionError, String(err));
        assert.equal(err.statement, 'MQTT-3.1.2-2');
        assert.deepStrictEqual([err.replyVersion, err.replyCode], [4, 1], `${name} ${level}`);
      }
    }
  });

  it('[v5 MQTT-3.1.2-1] [3.1.1 MQTT-3.1.2-1] an unknown protocol name is refused', () => {
    assertMqttError(() => decodeConnect(connect('MQTX', 4)), { cls: UnsupportedProtocolVersionError, code: 0x84, statement: 'MQTT-3.1.2-1' });
  });

  it('decodeConnect reads the version from the packet: 3, 4 and 5', () => {
    assert.equal((decodeConnect(connect('MQIsdp', 3)) as { protocolVersion: number }).protocolVersion, 3);
    assert.equal((decodeConnect(connect('MQTT', 4)) as { protocolVersion: number }).protocolVersion, 4);
    const v5 = frame(0x10, Buffer.concat([CONNECT_V5, hex`02 00 00 00 00 01 63`]));
    assert.equal(decodeConnect(v5).protocolVersion, 5);
    assert.equal((decode(v5, 4) as { protocolVersion: number }).protocolVersion, 5, 'decode() takes the level from the bytes too');
  });

  it('[v5 MQTT-3.1.0-1] [3.1.1 MQTT-3.1.0-1] decodeConnect refuses a first packet that is not CONNECT', () => {
    assertMqttError(() => decodeConnect(hex`c0 00`), { cls: ProtocolError, code: 0x82, statement: 'MQTT-3.1.0-1' });
  });
});

describe('codec UTF-8 strings', () => {
  it('[v5 MQTT-1.5.4-3] [3.1.1 MQTT-1.5.3-3] keeps U+FEFF (EF BB BF) wherever it appears', () => {
    for (const v of ALL) {
      const p = decode(v === 5 ? hex`30 0a | 00 07 ef bb bf 61 ef bb bf | 00` : hex`30 09 | 00 07 ef bb bf 61 ef bb bf`, v);
      assert.ok(p.type === 'publish');
      assert.equal(p.topic, '\ufeffa\ufeff');
      assert.equal(p.topic.length, 3);
    }
  });

  it('[v5 MQTT-1.5.4-1] [3.1.1 MQTT-1.5.3-1] accepts well-formed 2, 3 and 4 byte characters at the edges of the ranges', () => {
    const samples = ['\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10ffff}', 'é/日本/😀'];
    for (const s of samples) {
      const body = Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
      const p = decode(frame(0x30, body), 4);
      assert.ok(p.type === 'publish');
      assert.equal(p.topic, s);
    }
  });

  it('[v5 MQTT-4.7.3-2] [3.1.1 MQTT-4.7.3-2] refuses U+0000 in Topic Names and Topic Filters', () => {
    for (const v of ALL) {
      const prop = v === 5 ? hex`00` : hex``;
      assertMqttError(() => decode(frame(0x30, Buffer.concat([hex`00 03 61 00 62`, prop])), v), { cls: M, code: 0x81, statement: v === 5 ? 'MQTT-1.5.4-2' : 'MQTT-1.5.3-2' });
      assertMqttError(() => decode(frame(0x82, Buffer.concat([hex`00 01`, prop, hex`00 02 61 00 01`])), v), { cls: M, code: 0x81, statement: v === 5 ? 'MQTT-1.5.4-2' : 'MQTT-1.5.3-2' });
      assertMqttError(() => decode(frame(0xa2, Buffer.concat([hex`00 01`, prop, hex`00 02 00 61`])), v), { cls: M, code: 0x81, statement: v === 5 ? 'MQTT-1.5.4-2' : 'MQTT-1.5.3-2' });
    }
  });

  it('[v5 MQTT-4.7.0-1] [3.1.1 MQTT-4.7.1-1] accepts wildcards in Topic Filters and refuses them in Topic Names', () => {
    for (const v of ALL) {
      const prop = v === 5 ? hex`00` : hex``;
      const sub = decode(frame(0x82, Buffer.concat([hex`00 01`, prop, hex`00 03 2b 2f 23 01`])), v);
      assert.ok(sub.type === 'subscribe' && sub.subscriptions[0].topicFilter === '+/#');
      const unsub = decode(frame(0xa2, Buffer.concat([hex`00 01`, prop, hex`00 03 2b 2f 23`])), v);
      assert.ok(unsub.type === 'unsubscribe' && unsub.topicFilters[0] === '+/#');
      assertMqttError(() => decode(frame(0x30, Buffer.concat([hex`00 03 2b 2f 23`, prop])), v), { cls: P, code: 0x82, statement: 'MQTT-3.3.2-2' });
    }
  });

  it('[v5 MQTT-1.5.7-1] both halves of a User Property pair follow the string rules', () => {
    assertMqttError(() => decode(publish5(hex`07 26 00 01 61 00 01 00`), 5), { cls: M, code: 0x81, statement: 'MQTT-1.5.4-2' });
  });
});
