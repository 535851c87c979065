// Annotated byte fixtures: every packet type in every protocol version it exists in. Each is checked both
// ways (decode -> object, object -> encode) and split at every offset through the framer (fixtures.test.ts),
// and parsed by mqtt-packet as a cross-check (differential.test.ts).
import type { Packet, ProtocolVersion } from '../../src/codec/index';
import { hex } from './helpers';

export interface Fixture {
  name: string;
  versions: ProtocolVersion[];
  bytes: Buffer;
  packet: Packet;
}

const b = (s: string): Buffer => Buffer.from(s);
const V3_4: ProtocolVersion[] = [3, 4];
const ALL: ProtocolVersion[] = [3, 4, 5];

export const FIXTURES: Fixture[] = [
  // ---------------------------------------------------------------- CONNECT
  {
    name: 'CONNECT 3.1 minimal', versions: [3],
    bytes: hex`10 10 | 00 06 4d 51 49 73 64 70 | 03 | 02 | 00 1e | 00 02 63 31`, // rl=16 | "MQIsdp" | level 3 | clean | ka 30 | "c1"
    packet: { type: 'connect', protocolVersion: 3, clientId: 'c1', clean: true, keepalive: 30 },
  },
  {
    name: 'CONNECT 3.1.1 with will, user name and password', versions: [4],
    bytes: hex`10 20 | 00 04 4d 51 54 54 | 04 | ee | 00 3c | 00 03 63 69 64 | 00 03 77 2f 74 | 00 03 62 79 65 | 00 01 75 | 00 02 70 77`,
    // rl=32 | "MQTT" | level 4 | user+pass+willRetain+willQoS1+will+clean | ka 60 | "cid" | will "w/t" | "bye" | "u" | "pw"
    packet: {
      type: 'connect', protocolVersion: 4, clientId: 'cid', clean: true, keepalive: 60,
      will: { topic: 'w/t', payload: b('bye'), qos: 1, retain: true }, username: 'u', password: b('pw'),
    },
  },
  {
    name: 'CONNECT 3.1.1 empty client id', versions: [4],
    bytes: hex`10 0c | 00 04 4d 51 54 54 | 04 | 02 | 00 00 | 00 00`, // rl=12 | "MQTT" | 4 | clean | ka 0 | ""
    packet: { type: 'connect', protocolVersion: 4, clientId: '', clean: true, keepalive: 0 },
  },
  {
    name: 'CONNECT 5 with every CONNECT property and will properties', versions: [5],
    bytes: hex`10 65 | 00 04 4d 51 54 54 | 05 | d4 | 00 0a
      28 | 11 00 00 00 78 | 21 00 14 | 27 00 00 10 00 | 22 00 05 | 19 01 | 17 00 | 26 00 01 6b 00 01 76 | 15 00 05 53 43 52 41 4d | 16 00 02 01 02
      00 02 63 35
      22 | 18 00 00 00 0a | 01 01 | 02 00 00 00 3c | 03 00 04 74 65 78 74 | 08 00 01 72 | 09 00 01 ff | 26 00 01 61 00 01 62
      00 01 77 | 00 00 | 00 01 75 | 00 01 00`,
    // rl=101 | "MQTT" | 5 | user+pass+willQoS2+will | ka 10
    // props(40): session expiry 120 | receive max 20 | max packet 4096 | alias max 5 | req resp info 1 | req problem info 0 | k=v | auth "SCRAM" | data 01 02
    // "c5" | will props(34): delay 10 | utf8 payload | expiry 60 | "text" | response "r" | corr ff | a=b
    // will topic "w" | empty will payload | user "u" | password 00
    packet: {
      type: 'connect', protocolVersion: 5, clientId: 'c5', clean: false, keepalive: 10,
      properties: {
        sessionExpiryInterval: 120, receiveMaximum: 20, maximumPacketSize: 4096, topicAliasMaximum: 5,
        requestResponseInformation: true, requestProblemInformation: false, userProperties: [['k', 'v']],
        authenticationMethod: 'SCRAM', authenticationData: Buffer.from([1, 2]),
      },
      will: {
        topic: 'w', payload: Buffer.alloc(0), qos: 2, retain: false,
        properties: {
          willDelayInterval: 10, payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'text',
          responseTopic: 'r', correlationData: Buffer.from([0xff]), userProperties: [['a', 'b']],
        },
      },
      username: 'u', password: Buffer.from([0]),
    },
  },
  // ---------------------------------------------------------------- CONNACK
  {
    name: 'CONNACK accepted, session present', versions: V3_4,
    bytes: hex`20 02 | 01 | 00`, // rl=2 | session present | accepted
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0 },
  },
  {
    name: 'CONNACK refused: not authorized (return code 5)', versions: V3_4,
    bytes: hex`20 02 | 00 | 05`,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 5 },
  },
  {
    name: 'CONNACK 5 success, no properties', versions: [5],
    bytes: hex`20 03 | 00 | 00 | 00`, // rl=3 | flags | success | property length 0
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0 },
  },
  {
    name: 'CONNACK 5 not authorized', versions: [5],
    bytes: hex`20 03 | 00 | 87 | 00`,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0x87 },
  },
  {
    name: 'CONNACK 5 with every CONNACK property', versions: [5],
    bytes: hex`20 44 | 00 | 00 | 41
      11 00 00 00 3c | 21 00 0a | 24 01 | 25 00 | 27 00 01 00 00 | 12 00 03 61 62 63 | 22 00 0a | 1f 00 02 6f 6b
      26 00 01 78 00 01 79 | 28 00 | 29 01 | 2a 01 | 13 00 1e | 1a 00 02 72 69 | 1c 00 02 73 32 | 15 00 01 6d | 16 00 01 aa`,
    // rl=68 | flags | success | props(65): expiry 60 | receive max 10 | max QoS 1 | no retain | max packet 65536
    // assigned "abc" | alias max 10 | reason "ok" | x=y | no wildcards | sub ids | shared | keep alive 30 | "ri" | "s2" | "m" | aa
    packet: {
      type: 'connack', sessionPresent: false, reasonCode: 0,
      properties: {
        sessionExpiryInterval: 60, receiveMaximum: 10, maximumQoS: 1, retainAvailable: false, maximumPacketSize: 65536,
        assignedClientIdentifier: 'abc', topicAliasMaximum: 10, reasonString: 'ok', userProperties: [['x', 'y']],
        wildcardSubscriptionAvailable: false, subscriptionIdentifiersAvailable: true, sharedSubscriptionAvailable: true,
        serverKeepAlive: 30, responseInformation: 'ri', serverReference: 's2', authenticationMethod: 'm',
        authenticationData: Buffer.from([0xaa]),
      },
    },
  },
  // ---------------------------------------------------------------- PUBLISH
  {
    name: 'PUBLISH QoS 0', versions: V3_4,
    bytes: hex`30 07 | 00 03 61 2f 62 | 68 69`, // hdr qos0 rl=7 | "a/b" | "hi"
    packet: { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 0, retain: false, dup: false },
  },
  {
    name: 'PUBLISH QoS 1', versions: V3_4,
    bytes: hex`32 0a | 00 03 61 2f 62 | 00 07 | 68 69 21`, // hdr qos1 rl=10 | "a/b" | id 7 | "hi!"
    packet: { type: 'publish', topic: 'a/b', payload: b('hi!'), qos: 1, retain: false, dup: false, packetId: 7 },
  },
  {
    name: 'PUBLISH QoS 2, DUP, RETAIN, empty payload', versions: V3_4,
    bytes: hex`3d 07 | 00 03 61 2f 62 | ff ff`, // hdr dup qos2 retain rl=7 | "a/b" | id 65535 | no payload
    packet: { type: 'publish', topic: 'a/b', payload: Buffer.alloc(0), qos: 2, retain: true, dup: true, packetId: 65535 },
  },
  {
    name: 'PUBLISH 5 QoS 0 without properties', versions: [5],
    bytes: hex`30 08 | 00 03 61 2f 62 | 00 | 68 69`, // hdr rl=8 | "a/b" | property length 0 | "hi"
    packet: { type: 'publish', topic: 'a/b', payload: b('hi'), qos: 0, retain: false, dup: false },
  },
  {
    name: 'PUBLISH 5 QoS 1 with every PUBLISH property', versions: [5],
    bytes: hex`32 37 | 00 01 74 | 00 01 | 2f
      01 01 | 02 00 00 0e 10 | 23 00 02 | 08 00 03 72 2f 31 | 09 00 02 63 64 | 26 00 01 6b 00 01 76 | 26 00 01 6b 00 01 77
      0b 01 | 0b 80 01 | 03 00 04 6a 73 6f 6e
      7b 7d`,
    // hdr qos1 rl=55 | "t" | id 1 | props(47): utf8 payload | expiry 3600 | alias 2 | response "r/1" | corr "cd"
    // k=v | k=w (same name twice, order kept) | sub id 1 | sub id 128 | content type "json" | payload "{}"
    packet: {
      type: 'publish', topic: 't', payload: b('{}'), qos: 1, retain: false, dup: false, packetId: 1,
      properties: {
        payloadFormatIndicator: true, messageExpiryInterval: 3600, topicAlias: 2, responseTopic: 'r/1',
        correlationData: b('cd'), userProperties: [['k', 'v'], ['k', 'w']], subscriptionIdentifiers: [1, 128],
        contentType: 'json',
      },
    },
  },
  {
    name: 'PUBLISH 5 empty topic with a Topic Alias', versions: [5],
    bytes: hex`30 07 | 00 00 | 03 23 00 05 | 78`, // hdr rl=7 | "" | props(3): alias 5 | "x"
    packet: { type: 'publish', topic: '', payload: b('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 5 } },
  },
  // ---------------------------------------------------------------- PUBACK, PUBREC, PUBREL, PUBCOMP
  ...(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const).map((type, i): Fixture => ({
    name: `${type.toUpperCase()}`, versions: ALL,
    bytes: Buffer.from([[0x40, 0x50, 0x62, 0x70][i], 0x02, 0x00, 0x07]), // hdr rl=2 | id 7 (v5: reason 0 implied)
    packet: { type, packetId: 7, reasonCode: 0 },
  })),
  {
    name: 'PUBACK 5 with a reason code only', versions: [5],
    bytes: hex`40 03 | 00 07 | 10`, // rl=3 | id 7 | no matching subscribers
    packet: { type: 'puback', packetId: 7, reasonCode: 0x10 },
  },
  {
    name: 'PUBREC 5 with reason code and reason string', versions: [5],
    bytes: hex`50 0a | 00 07 | 80 | 06 1f 00 03 62 61 64`, // rl=10 | id 7 | unspecified error | props(6): "bad"
    packet: { type: 'pubrec', packetId: 7, reasonCode: 0x80, properties: { reasonString: 'bad' } },
  },
  {
    name: 'PUBREL 5 packet identifier not found', versions: [5],
    bytes: hex`62 03 | 00 07 | 92`,
    packet: { type: 'pubrel', packetId: 7, reasonCode: 0x92 },
  },
  {
    name: 'PUBCOMP 5 success with a user property', versions: [5],
    bytes: hex`70 0b | 00 07 | 00 | 07 26 00 01 61 00 01 62`, // rl=11 | id 7 | success | props(7): a=b
    packet: { type: 'pubcomp', packetId: 7, reasonCode: 0, properties: { userProperties: [['a', 'b']] } },
  },
  // ---------------------------------------------------------------- SUBSCRIBE, SUBACK
  {
    name: 'SUBSCRIBE two filters', versions: V3_4,
    bytes: hex`82 0c | 00 0a | 00 03 61 2f 2b | 01 | 00 01 23 | 02`, // hdr rl=12 | id 10 | "a/+" qos1 | "#" qos2
    packet: { type: 'subscribe', packetId: 10, subscriptions: [{ topicFilter: 'a/+', qos: 1 }, { topicFilter: '#', qos: 2 }] },
  },
  {
    name: 'SUBSCRIBE 5 with options, subscription identifier and user property', versions: [5],
    bytes: hex`82 1f | 00 01 | 09 0b 05 26 00 01 61 00 01 62 | 00 03 61 2f 23 | 2d | 00 0a 24 73 68 61 72 65 2f 67 2f 74 | 10`,
    // hdr rl=31 | id 1 | props(9): sub id 5, a=b | "a/#" qos1 noLocal RAP rh2 | "$share/g/t" qos0 rh1
    packet: {
      type: 'subscribe', packetId: 1,
      properties: { subscriptionIdentifier: 5, userProperties: [['a', 'b']] },
      subscriptions: [
        { topicFilter: 'a/#', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 },
        { topicFilter: '$share/g/t', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 1 },
      ],
    },
  },
  {
    name: 'SUBACK granted QoS 0/1/2 and failure', versions: V3_4,
    bytes: hex`90 06 | 00 0a | 00 01 02 80`, // rl=6 | id 10 | 0 1 2 failure
    packet: { type: 'suback', packetId: 10, reasonCodes: [0, 1, 2, 0x80] },
  },
  {
    name: 'SUBACK 5 with reason string', versions: [5],
    bytes: hex`90 0a | 00 01 | 04 1f 00 01 78 | 01 87 a2`, // rl=10 | id 1 | props(4): "x" | qos1, not authorized, no wildcards
    packet: { type: 'suback', packetId: 1, reasonCodes: [1, 0x87, 0xa2], properties: { reasonString: 'x' } },
  },
  // ---------------------------------------------------------------- UNSUBSCRIBE, UNSUBACK
  {
    name: 'UNSUBSCRIBE two filters', versions: V3_4,
    bytes: hex`a2 0a | 00 0b | 00 03 61 2f 62 | 00 01 63`, // hdr rl=10 | id 11 | "a/b" | "c"
    packet: { type: 'unsubscribe', packetId: 11, topicFilters: ['a/b', 'c'] },
  },
  {
    name: 'UNSUBSCRIBE 5 with a user property', versions: [5],
    bytes: hex`a2 0f | 00 0b | 07 26 00 01 61 00 01 62 | 00 03 61 2f 62`, // rl=15 | id 11 | props(7): a=b | "a/b"
    packet: { type: 'unsubscribe', packetId: 11, topicFilters: ['a/b'], properties: { userProperties: [['a', 'b']] } },
  },
  {
    name: 'UNSUBACK', versions: V3_4,
    bytes: hex`b0 02 | 00 0b`,
    packet: { type: 'unsuback', packetId: 11 },
  },
  {
    name: 'UNSUBACK 5 with reason codes', versions: [5],
    bytes: hex`b0 05 | 00 0b | 00 | 00 11`, // rl=5 | id 11 | no props | success, no subscription existed
    packet: { type: 'unsuback', packetId: 11, reasonCodes: [0, 0x11] },
  },
  // ---------------------------------------------------------------- PINGREQ, PINGRESP, DISCONNECT, AUTH
  { name: 'PINGREQ', versions: ALL, bytes: hex`c0 00`, packet: { type: 'pingreq' } },
  { name: 'PINGRESP', versions: ALL, bytes: hex`d0 00`, packet: { type: 'pingresp' } },
  { name: 'DISCONNECT', versions: V3_4, bytes: hex`e0 00`, packet: { type: 'disconnect' } },
  {
    name: 'DISCONNECT 5 normal (Remaining Length 0)', versions: [5],
    bytes: hex`e0 00`, packet: { type: 'disconnect', reasonCode: 0 },
  },
  {
    name: 'DISCONNECT 5 with will message', versions: [5],
    bytes: hex`e0 01 | 04`, packet: { type: 'disconnect', reasonCode: 4 },
  },
  {
    name: 'DISCONNECT 5 with properties', versions: [5],
    bytes: hex`e0 10 | 80 | 0e 11 00 00 00 00 1f 00 02 62 79 1c 00 01 73`,
    // rl=16 | unspecified error | props(14): session expiry 0 | reason "by" | server reference "s"
    packet: {
      type: 'disconnect', reasonCode: 0x80,
      properties: { sessionExpiryInterval: 0, reasonString: 'by', serverReference: 's' },
    },
  },
  { name: 'AUTH 5 success (Remaining Length 0)', versions: [5], bytes: hex`f0 00`, packet: { type: 'auth', reasonCode: 0 } },
  {
    name: 'AUTH 5 continue authentication', versions: [5],
    bytes: hex`f0 10 | 18 | 0e 15 00 05 53 43 52 41 4d 16 00 03 01 02 03`,
    // rl=16 | continue | props(14): method "SCRAM" | data 01 02 03
    packet: {
      type: 'auth', reasonCode: 0x18,
      properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from([1, 2, 3]) },
    },
  },
];
