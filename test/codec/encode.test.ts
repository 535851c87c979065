// encode() validates what it writes: every row is a packet object the codec must refuse, with the error
// class, reason code and statement expected. encodedSize() refuses the same packets the same way.
import assert from 'node:assert/strict';
import {
  LARGE_PAYLOAD, MAX_VARINT, MalformedPacketError, PacketTooLargeError, ProtocolError, decode, encode, encodeChunks, encodedSize,
  type MqttError, type Packet, type ProtocolVersion, type PublishPacket,
} from '../../src/codec/index';
import { assertMqttError } from './helpers';

type ErrorClass = abstract new (...args: never[]) => MqttError;

interface Row {
  name: string;
  versions: ProtocolVersion[];
  packet: Packet;
  cls: ErrorClass;
  statement?: string | { v5?: string; v311?: string };
}

const CODES = new Map<ErrorClass, number>([[MalformedPacketError, 0x81], [ProtocolError, 0x82], [PacketTooLargeError, 0x95]]);
const M = MalformedPacketError;
const P = ProtocolError;
const V3_4: ProtocolVersion[] = [3, 4];
const ALL: ProtocolVersion[] = [3, 4, 5];
const V5: ProtocolVersion[] = [5];

const pub = (over: Partial<PublishPacket>): PublishPacket =>
  ({ type: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, ...over });
const big = 'x'.repeat(65536);
const ack = (type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', reasonCode: number): Packet => ({ type, packetId: 1, reasonCode });

const ROWS: Row[] = [
  // ---- PUBLISH
  { name: 'PUBLISH with QoS 3', versions: ALL, packet: pub({ qos: 3 as never, packetId: 1 }), cls: M, statement: 'MQTT-3.3.1-4' },
  { name: 'QoS 0 PUBLISH with DUP', versions: ALL, packet: pub({ dup: true }), cls: M, statement: 'MQTT-3.3.1-2' },
  { name: 'QoS 0 PUBLISH with a Packet Identifier', versions: ALL, packet: pub({ packetId: 3 }), cls: P, statement: { v5: 'MQTT-2.2.1-2', v311: 'MQTT-2.3.1-5' } },
  { name: 'QoS 1 PUBLISH without a Packet Identifier', versions: ALL, packet: pub({ qos: 1 }), cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  { name: 'QoS 2 PUBLISH with Packet Identifier 0', versions: ALL, packet: pub({ qos: 2, packetId: 0 }), cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  { name: 'QoS 1 PUBLISH with Packet Identifier 65536', versions: ALL, packet: pub({ qos: 1, packetId: 65536 }), cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  { name: 'PUBLISH Topic Name with +', versions: ALL, packet: pub({ topic: 'a/+' }), cls: P, statement: 'MQTT-3.3.2-2' },
  { name: 'PUBLISH Topic Name with #', versions: ALL, packet: pub({ topic: '#' }), cls: P, statement: 'MQTT-3.3.2-2' },
  { name: 'PUBLISH with an empty Topic Name', versions: V3_4, packet: pub({ topic: '' }), cls: P, statement: { v311: 'MQTT-4.7.3-1' } },
  { name: 'PUBLISH with an empty Topic Name and no Topic Alias', versions: V5, packet: pub({ topic: '' }), cls: P },
  { name: 'Topic Name with U+0000', versions: ALL, packet: pub({ topic: 'a\u0000b' }), cls: M, statement: { v5: 'MQTT-1.5.4-2', v311: 'MQTT-1.5.3-2' } },
  { name: 'Topic Name with an unpaired high surrogate', versions: ALL, packet: pub({ topic: 'a\ud800' }), cls: M, statement: { v5: 'MQTT-1.5.4-1', v311: 'MQTT-1.5.3-1' } },
  { name: 'Topic Name with an unpaired low surrogate', versions: ALL, packet: pub({ topic: '\udc00a' }), cls: M, statement: { v5: 'MQTT-1.5.4-1', v311: 'MQTT-1.5.3-1' } },
  { name: 'Topic Name of 65,536 bytes', versions: ALL, packet: pub({ topic: big }), cls: M, statement: 'MQTT-4.7.3-3' },
  { name: 'PUBLISH over 268,435,455 bytes of Remaining Length', versions: ALL, packet: pub({ payload: { length: MAX_VARINT } as unknown as Buffer }), cls: PacketTooLargeError },
  { name: 'PUBLISH properties for protocol level < 5', versions: V3_4, packet: pub({ properties: { contentType: 'x' } }), cls: P },
  { name: 'property not allowed in PUBLISH', versions: V5, packet: pub({ properties: { sessionExpiryInterval: 1 } as never }), cls: P },
  { name: 'misspelt property', versions: V5, packet: pub({ properties: { topicAlais: 1 } as never }), cls: P },
  { name: 'Topic Alias 0', versions: V5, packet: pub({ properties: { topicAlias: 0 } }), cls: P, statement: 'MQTT-3.3.2-8' },
  { name: 'Topic Alias 65536', versions: V5, packet: pub({ properties: { topicAlias: 65536 } }), cls: P },
  { name: 'Message Expiry Interval -1', versions: V5, packet: pub({ properties: { messageExpiryInterval: -1 } }), cls: P },
  { name: 'Message Expiry Interval 2^32', versions: V5, packet: pub({ properties: { messageExpiryInterval: 2 ** 32 } }), cls: P },
  { name: 'Message Expiry Interval 1.5', versions: V5, packet: pub({ properties: { messageExpiryInterval: 1.5 } }), cls: P },
  { name: 'Payload Format Indicator 1 (not a boolean)', versions: V5, packet: pub({ properties: { payloadFormatIndicator: 1 as never } }), cls: P },
  { name: 'Subscription Identifiers not an array', versions: V5, packet: pub({ properties: { subscriptionIdentifiers: 3 as never } }), cls: P },
  { name: 'Subscription Identifier 0', versions: V5, packet: pub({ properties: { subscriptionIdentifiers: [1, 0] } }), cls: P },
  { name: 'Subscription Identifier above 268,435,455', versions: V5, packet: pub({ properties: { subscriptionIdentifiers: [MAX_VARINT + 1] } }), cls: P },
  { name: 'User Property that is not a pair', versions: V5, packet: pub({ properties: { userProperties: [['a'] as never] } }), cls: P },
  { name: 'User Property value with U+0000', versions: V5, packet: pub({ properties: { userProperties: [['a', '\u0000']] } }), cls: M, statement: 'MQTT-1.5.4-2' },
  { name: 'Response Topic with a wildcard', versions: V5, packet: pub({ properties: { responseTopic: 'r/+' } }), cls: P, statement: 'MQTT-3.3.2-14' },
  { name: 'Content Type of 65,536 bytes', versions: V5, packet: pub({ properties: { contentType: big } }), cls: M },
  { name: 'Correlation Data of 65,536 bytes', versions: V5, packet: pub({ properties: { correlationData: Buffer.alloc(65536) } }), cls: M },
  // ---- CONNECT
  { name: 'CONNECT whose protocolVersion differs from the encoding version', versions: V3_4, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0 }, cls: P },
  { name: 'CONNECT Keep Alive 65536', versions: [4], packet: { type: 'connect', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 65536 }, cls: P },
  { name: 'MQTT 3.1 CONNECT with an empty Client Identifier', versions: [3], packet: { type: 'connect', protocolVersion: 3, clientId: '', clean: true, keepalive: 0 }, cls: P },
  { name: 'empty Client Identifier with Clean Session 0', versions: [4], packet: { type: 'connect', protocolVersion: 4, clientId: '', clean: false, keepalive: 0 }, cls: P, statement: 'MQTT-3.1.3-7' },
  { name: 'Will QoS 3', versions: [4], packet: { type: 'connect', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.alloc(0), qos: 3 as never, retain: false } }, cls: M, statement: 'MQTT-3.1.2-14' },
  { name: 'Will QoS 3', versions: V5, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.alloc(0), qos: 3 as never, retain: false } }, cls: M, statement: 'MQTT-3.1.2-12' },
  { name: 'Password without User Name', versions: [4], packet: { type: 'connect', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 0, password: Buffer.from('p') }, cls: M, statement: 'MQTT-3.1.2-22' },
  { name: 'Will Properties for 3.1.1', versions: [4], packet: { type: 'connect', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, properties: { willDelayInterval: 1 } } }, cls: P },
  { name: 'CONNECT Authentication Data without Method', versions: V5, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { authenticationData: Buffer.from('d') } }, cls: P },
  { name: 'Receive Maximum 0', versions: V5, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { receiveMaximum: 0 } }, cls: P },
  { name: 'Maximum Packet Size 0', versions: V5, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { maximumPacketSize: 0 } }, cls: P },
  { name: 'Will Delay Interval in CONNECT properties', versions: V5, packet: { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { willDelayInterval: 1 } as never }, cls: P },
  // ---- CONNACK
  { name: 'CONNACK reason code 0x01', versions: V5, packet: { type: 'connack', sessionPresent: false, reasonCode: 1 }, cls: P, statement: 'MQTT-3.2.2-8' },
  { name: 'CONNACK return code 6', versions: V3_4, packet: { type: 'connack', sessionPresent: false, reasonCode: 6 }, cls: P },
  { name: 'CONNACK Session Present with an error', versions: V5, packet: { type: 'connack', sessionPresent: true, reasonCode: 0x80 }, cls: P, statement: 'MQTT-3.2.2-6' },
  { name: 'CONNACK Session Present with a refusal', versions: V3_4, packet: { type: 'connack', sessionPresent: true, reasonCode: 2 }, cls: P, statement: 'MQTT-3.2.2-4' },
  { name: 'CONNACK properties for 3.1.1', versions: V3_4, packet: { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 1 } }, cls: P },
  { name: 'CONNACK Maximum QoS 2', versions: V5, packet: { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 2 as never } }, cls: P },
  // ---- acknowledgements
  { name: 'PUBACK with Packet Identifier 0', versions: ALL, packet: { type: 'puback', packetId: 0, reasonCode: 0 }, cls: P, statement: { v5: 'MQTT-2.2.1-5', v311: 'MQTT-2.3.1-6' } },
  { name: 'PUBACK with a reason code for 3.1.1', versions: V3_4, packet: ack('puback', 0x10), cls: P },
  { name: 'PUBREL with properties for 3.1.1', versions: V3_4, packet: { type: 'pubrel', packetId: 1, reasonCode: 0, properties: { reasonString: 'r' } }, cls: P },
  { name: 'PUBACK reason code 0x92', versions: V5, packet: ack('puback', 0x92), cls: P, statement: 'MQTT-3.4.2-1' },
  { name: 'PUBREC reason code 0x92', versions: V5, packet: ack('pubrec', 0x92), cls: P, statement: 'MQTT-3.5.2-1' },
  { name: 'PUBREL reason code 0x80', versions: V5, packet: ack('pubrel', 0x80), cls: P, statement: 'MQTT-3.6.2-1' },
  { name: 'PUBCOMP reason code 0x10', versions: V5, packet: ack('pubcomp', 0x10), cls: P, statement: 'MQTT-3.7.2-1' },
  // ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
  { name: 'SUBSCRIBE without subscriptions', versions: V3_4, packet: { type: 'subscribe', packetId: 1, subscriptions: [] }, cls: P, statement: 'MQTT-3.8.3-3' },
  { name: 'SUBSCRIBE without subscriptions', versions: V5, packet: { type: 'subscribe', packetId: 1, subscriptions: [] }, cls: P, statement: 'MQTT-3.8.3-2' },
  { name: 'SUBSCRIBE with Packet Identifier 0', versions: ALL, packet: { type: 'subscribe', packetId: 0, subscriptions: [{ topicFilter: 'a', qos: 0 }] }, cls: P, statement: { v5: 'MQTT-2.2.1-3', v311: 'MQTT-2.3.1-1' } },
  { name: 'SUBSCRIBE Requested QoS 3', versions: V3_4, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 3 as never }] }, cls: M, statement: 'MQTT-3.8.3-4' },
  { name: 'SUBSCRIBE Maximum QoS 3', versions: V5, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 3 as never }] }, cls: P },
  { name: 'SUBSCRIBE No Local for 3.1.1', versions: V3_4, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0, noLocal: true }] }, cls: P },
  { name: 'SUBSCRIBE Retain Handling for 3.1.1', versions: V3_4, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0, retainHandling: 1 }] }, cls: P },
  { name: 'SUBSCRIBE Retain Handling 3', versions: V5, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0, retainHandling: 3 as never }] }, cls: P },
  { name: 'SUBSCRIBE No Local on a Shared Subscription', versions: V5, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '$share/g/a', qos: 0, noLocal: true }] }, cls: P, statement: 'MQTT-3.8.3-4' },
  { name: 'SUBSCRIBE Subscription Identifiers array (PUBLISH only)', versions: V5, packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0 }], properties: { subscriptionIdentifiers: [1] } as never }, cls: P },
  { name: 'SUBACK without codes', versions: ALL, packet: { type: 'suback', packetId: 1, reasonCodes: [] }, cls: P, statement: { v5: 'MQTT-3.8.4-6', v311: 'MQTT-3.8.4-5' } },
  { name: 'SUBACK return code 3', versions: V3_4, packet: { type: 'suback', packetId: 1, reasonCodes: [3] }, cls: P, statement: 'MQTT-3.9.3-2' },
  { name: 'SUBACK reason code 0x11', versions: V5, packet: { type: 'suback', packetId: 1, reasonCodes: [0x11] }, cls: P, statement: 'MQTT-3.9.3-2' },
  { name: 'UNSUBSCRIBE without filters', versions: ALL, packet: { type: 'unsubscribe', packetId: 1, topicFilters: [] }, cls: P, statement: 'MQTT-3.10.3-2' },
  { name: 'UNSUBACK with reason codes for 3.1.1', versions: V3_4, packet: { type: 'unsuback', packetId: 1, reasonCodes: [0] }, cls: P },
  { name: 'UNSUBACK without reason codes', versions: V5, packet: { type: 'unsuback', packetId: 1 }, cls: P, statement: 'MQTT-3.11.3-2' },
  { name: 'UNSUBACK reason code 0x10', versions: V5, packet: { type: 'unsuback', packetId: 1, reasonCodes: [0x10] }, cls: P, statement: 'MQTT-3.11.3-2' },
  // ---- DISCONNECT, AUTH, unknowns
  { name: 'DISCONNECT with a reason code for 3.1.1', versions: V3_4, packet: { type: 'disconnect', reasonCode: 4 }, cls: P },
  { name: 'DISCONNECT reason code 0x01', versions: V5, packet: { type: 'disconnect', reasonCode: 1 }, cls: P, statement: 'MQTT-3.14.2-1' },
  { name: 'AUTH for 3.1.1', versions: V3_4, packet: { type: 'auth', reasonCode: 0 }, cls: P },
  { name: 'AUTH reason code 0x01', versions: V5, packet: { type: 'auth', reasonCode: 1 }, cls: P, statement: 'MQTT-3.15.2-1' },
  { name: 'AUTH continue without Authentication Method', versions: V5, packet: { type: 'auth', reasonCode: 0x18 }, cls: P },
  { name: 'unknown packet type', versions: ALL, packet: { type: 'publsh' } as never, cls: P },
];

function statementFor(row: Row, v: ProtocolVersion): string | undefined {
  const s = row.statement;
  if (s === undefined || typeof s === 'string') return s;
  return v === 5 ? s.v5 : s.v311;
}

describe('codec encode refuses invalid packets', () => {
  for (const row of ROWS) {
    for (const v of row.versions) {
      const statement = statementFor(row, v);
      const cite = statement ? ` [${v === 5 ? 'v5' : '3.1.1'} ${statement}]` : '';
      it(`level ${v}: ${row.name} -> ${row.cls.name}${cite}`, () => {
        const expected = { cls: row.cls, code: CODES.get(row.cls)!, statement };
        assertMqttError(() => encode(row.packet, v), expected);
        assertMqttError(() => encodedSize(row.packet, v), expected);
      });
    }
  }

  it('refuses an unknown protocol version', () => {
    assertMqttError(() => encode({ type: 'pingreq' }, 6 as never), { cls: P, code: 0x82, statement: undefined });
  });
});

describe('codec encode', () => {
  it('[v5 MQTT-2.2.2-1] writes Property Length 0 where a packet has no properties', () => {
    const cases: Array<[Packet, string]> = [
      [{ type: 'connect', protocolVersion: 5, clientId: '', clean: true, keepalive: 0 }, '100d00044d5154540502000000' + '0000'],
      [{ type: 'connack', sessionPresent: false, reasonCode: 0 }, '2003000000'],
      [{ type: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false }, '3004000174' + '00'],
      [{ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0 }] }, '8207000100000174' + '00'],
      [{ type: 'suback', packetId: 1, reasonCodes: [0] }, '900400010000'],
      [{ type: 'unsubscribe', packetId: 1, topicFilters: ['t'] }, 'a2060001000001' + '74'],
      [{ type: 'unsuback', packetId: 1, reasonCodes: [0] }, 'b00400010000'],
      [{ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false } },
        '101400044d51545405060000' + '00' + '000163' + '00' + '000174' + '0000'],
    ];
    for (const [packet, hexBytes] of cases) assert.equal(encode(packet, 5).toString('hex'), hexBytes, packet.type);
  });

  it('[v5 MQTT-1.5.5-1] writes Remaining Length in the fewest bytes at every size boundary', () => {
    const boundaries: Array<[number, string]> = [
      [127, '7f'], [128, '8001'], [16383, 'ff7f'], [16384, '808001'], [2097151, 'ffff7f'], [2097152, '80808001'],
    ];
    for (const [rl, header] of boundaries) {
      // topic "t" (3 bytes) + payload = rl
      const p = pub({ topic: 't', payload: Buffer.alloc(rl - 3) });
      const bytes = encode(p, 4);
      assert.equal(bytes.subarray(1, 1 + header.length / 2).toString('hex'), header, `rl ${rl}`);
      assert.equal(encodedSize(p, 4), bytes.length);
      assert.deepStrictEqual(decode(bytes, 4), p);
    }
  });

  it('[v5 MQTT-3.3.1-2] [3.1.1 MQTT-3.3.1-2] [v5 MQTT-2.2.1-2] [3.1.1 MQTT-2.3.1-5] a QoS 0 PUBLISH goes out with DUP 0 and no Packet Identifier', () => {
    const bytes = encode(pub({ qos: 0 }), 4);
    assert.equal(bytes[0], 0x30);
    assert.equal(bytes.length, 2 + 5 + 1);
  });

  it('[v5 MQTT-3.3.2-1] [3.1.1 MQTT-3.3.2-1] writes the Topic Name first, as a UTF-8 string', () => {
    const bytes = encode(pub({ topic: 'é/😀', qos: 1, packetId: 9 }), 5);
    assert.equal(bytes.subarray(2, 2 + 2 + 7).toString('hex'), '0007' + Buffer.from('é/😀').toString('hex'));
  });

  it('[v5 MQTT-3.3.2-18] [v5 MQTT-3.1.3-10] keeps the order of User Properties, repeated names included', () => {
    const userProperties: Array<[string, string]> = [['b', '1'], ['a', '2'], ['b', '3']];
    const p = pub({ properties: { userProperties } });
    const back = decode(encode(p, 5), 5);
    assert.ok(back.type === 'publish');
    assert.deepStrictEqual(back.properties?.userProperties, userProperties);
    const will = { topic: 't', payload: Buffer.alloc(0), qos: 0 as const, retain: false, properties: { userProperties } };
    const c = decode(encode({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, will }, 5), 5);
    assert.ok(c.type === 'connect');
    assert.deepStrictEqual(c.will?.properties?.userProperties, userProperties);
  });

  it('[v5 MQTT-3.1.2-9] [v5 MQTT-3.1.2-11] [v5 MQTT-3.1.2-13] [v5 MQTT-3.1.2-16] [v5 MQTT-3.1.2-17] [v5 MQTT-3.1.2-18] [v5 MQTT-3.1.2-19] [3.1.1 MQTT-3.1.2-9] [3.1.1 MQTT-3.1.2-11] [3.1.1 MQTT-3.1.2-13] [3.1.1 MQTT-3.1.2-15] [3.1.1 MQTT-3.1.2-18] [3.1.1 MQTT-3.1.2-19] [3.1.1 MQTT-3.1.2-20] [3.1.1 MQTT-3.1.2-21] sets each CONNECT flag exactly when its field is written', () => {
    for (const v of [3, 4, 5] as const) {
      for (let mask = 0; mask < 16; mask++) {
        const withWill = (mask & 1) !== 0;
        const username = mask & 2 ? 'u' : undefined;
        const password = mask & 4 ? Buffer.from('p') : undefined;
        if (v !== 5 && password && !username) continue; // [3.1.1 MQTT-3.1.2-22], refused (see the table)
        const will = withWill ? { topic: 't', payload: Buffer.from('w'), qos: 2 as const, retain: (mask & 8) !== 0 } : undefined;
        const p: Packet = { type: 'connect', protocolVersion: v, clientId: 'c', clean: true, keepalive: 0, will, username, password };
        if (!will) delete p.will;
        if (!username) delete p.username;
        if (!password) delete p.password;
        const bytes = encode(p, v);
        const flags = bytes[2 + (v === 3 ? 8 : 6) + 1];
        assert.equal((flags & 0x04) !== 0, withWill, 'Will Flag');
        assert.equal((flags >> 3) & 3, withWill ? 2 : 0, 'Will QoS is 0 without a will');
        assert.equal((flags & 0x20) !== 0, withWill && (mask & 8) !== 0, 'Will Retain is 0 without a will');
        assert.equal((flags & 0x80) !== 0, username !== undefined, 'User Name Flag');
        assert.equal((flags & 0x40) !== 0, password !== undefined, 'Password Flag');
        assert.deepStrictEqual(decode(bytes, v), p, 'the fields are present exactly when flagged');
      }
    }
  });

  it('[v5 MQTT-3.1.3-1] [3.1.1 MQTT-3.1.3-1] writes CONNECT payload fields in order: ClientID, will, user name, password', () => {
    const bytes = encode({
      type: 'connect', protocolVersion: 4, clientId: 'C', clean: true, keepalive: 0,
      will: { topic: 'T', payload: Buffer.from('P'), qos: 0, retain: false }, username: 'U', password: Buffer.from('W'),
    }, 4);
    assert.equal(bytes.subarray(12).toString('latin1'), '\0\x01C\0\x01T\0\x01P\0\x01U\0\x01W');
  });

  it('skips properties whose value is undefined, and accepts an empty properties object for 3.1.1', () => {
    const p = pub({ properties: { contentType: undefined, topicAlias: 3 } });
    assert.equal(encode(p, 5).toString('hex'), '300a' + '0003612f62' + '03' + '230003' + '78');
    assert.equal(encode(pub({ properties: {} }), 4).toString('hex'), '3006' + '0003612f62' + '78');
  });

  it('writes short and long Topic Names alike, whatever character comes where (ASCII fast path and fallback)', () => {
    for (let len = 1; len <= 40; len++) {
      for (const odd of ['', 'é', '日', '😀', '\ufeff']) {
        for (const at of [0, Math.floor(len / 2), len - 1]) {
          const ascii = 'abcdefghijklmnopqrstuvwxyz0123456789/-_.'.slice(0, len);
          const topic = odd ? ascii.slice(0, at) + odd + ascii.slice(at + 1) : ascii;
          const p = pub({ topic, qos: 1, packetId: len });
          const bytes = encode(p, 4);
          const n = Buffer.byteLength(topic);
          assert.equal(bytes.length, encodedSize(p, 4));
          assert.equal(bytes.readUInt16BE(2), n);
          assert.equal(bytes.subarray(4, 4 + n).toString(), topic);
          assert.deepStrictEqual(decode(bytes, 4), p);
        }
      }
    }
    for (const bad of ['abc\u0000', 'a/+/b', 'x'.repeat(20) + '#', 'a\ud800b']) {
      assert.throws(() => encode(pub({ topic: bad }), 4), (e: unknown) => e instanceof MalformedPacketError || e instanceof ProtocolError);
    }
  });

  it('encodes a string of exactly 65,535 bytes', () => {
    const topic = 'a'.repeat(65535);
    const bytes = encode(pub({ topic }), 4);
    assert.equal(bytes.length, encodedSize(pub({ topic }), 4));
    assert.equal((decode(bytes, 4) as PublishPacket).topic, topic);
  });
});

describe('codec encodeChunks', () => {
  it('returns a large PUBLISH payload as its own chunk, not copied, after the rest of the packet', () => {
    for (const v of ALL) {
      const payload = Buffer.alloc(LARGE_PAYLOAD, 7);
      const p = pub({ payload, qos: 1, packetId: 5, properties: v === 5 ? { contentType: 'bin' } : undefined });
      const chunks = encodeChunks(p, v);
      assert.equal(chunks.length, 2);
      assert.equal(chunks[1], payload, 'the payload object itself');
      assert.deepStrictEqual(Buffer.concat(chunks), encode(p, v));
      assert.equal(chunks[0].length + payload.length, encodedSize(p, v));
    }
  });

  it('returns smaller PUBLISH packets and every other packet as the single buffer encode() makes', () => {
    const small = pub({ payload: Buffer.alloc(LARGE_PAYLOAD - 1) });
    assert.deepStrictEqual(encodeChunks(small, 4), [encode(small, 4)]);
    assert.deepStrictEqual(encodeChunks({ type: 'pingreq' }, 4), [Buffer.from([0xc0, 0])]);
  });

  it('validates like encode()', () => {
    assertMqttError(() => encodeChunks(pub({ topic: 'a/#', payload: Buffer.alloc(LARGE_PAYLOAD) }), 4), { cls: P, code: 0x82, statement: 'MQTT-3.3.2-2' });
  });
});
