// Fault injection: malformed and protocol-violating packets, byte by byte. Each one must end that connection
// with the right reason code (v5 DISCONNECT, or a refusing CONNACK before the session exists; 3.1.1: a plain
// close), and must never disturb anyone else: a bystander connected through the whole suite proves a full
// QoS 1 round trip after every case, and the broker ends with only the bystander's connection open.
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker';
import type { ProtocolVersion } from '../../src/codec/types';
import { TestClient, closeBrokers, connected, makeBroker } from './helpers';

/** A packet from its first byte and body (the Remaining Length is computed). */
function pkt(first: number, ...body: number[][]): number[] {
  const bytes = body.flat();
  const len: number[] = [];
  let n = bytes.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return [first, ...len, ...bytes];
}
const str = (s: string): number[] => {
  const b = Buffer.from(s);
  return [b.length >> 8, b.length & 0xff, ...b];
};
const u16 = (n: number): number[] => [n >> 8, n & 0xff];
/** v5 property block: length + bytes. */
const props = (...p: number[][]): number[] => [p.flat().length, ...p.flat()];

interface Case {
  name: string;
  /** Bytes sent after a successful CONNECT (or instead of CONNECT when `raw`). */
  bytes: number[];
  /** The DISCONNECT reason code a v5 client gets (the CONNECT cases: acceptable CONNACK codes, if one is sent). */
  codes: number[];
  /** Statement ids in the title. */
  cite: string;
  /** Sent on a fresh connection with no CONNECT first. */
  raw?: boolean;
}

const V5_CASES: Case[] = [
  { name: 'reserved packet type 0', bytes: [0x00, 0x00], codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'Remaining Length of 5 bytes', bytes: [0x30, 0xff, 0xff, 0xff, 0xff, 0x7f], codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'Remaining Length not in its shortest form', bytes: [0xc0, 0x80, 0x00], codes: [0x81], cite: '[v5 MQTT-1.5.5-1]' },
  { name: 'PINGREQ with a body', bytes: [0xc0, 0x01, 0x00], codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH topic length beyond the packet', bytes: [0x30, 0x04, 0x00, 0x09, 0x61, 0x00], codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH property length beyond the packet', bytes: pkt(0x30, str('t'), [0x20]), codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH QoS 1 with packet id 0', bytes: pkt(0x32, str('t'), u16(0), props()), codes: [0x82], cite: '[v5 MQTT-2.2.1-3]' },
  { name: 'PUBLISH QoS 0 with DUP set', bytes: pkt(0x38, str('t'), props()), codes: [0x81], cite: '[v5 MQTT-3.3.1-2]' },
  { name: 'PUBLISH with both QoS bits', bytes: pkt(0x36, str('t'), u16(1), props()), codes: [0x81], cite: '[v5 MQTT-3.3.1-4]' },
  { name: 'PUBLISH with an unknown property', bytes: pkt(0x30, str('t'), props([0x7f, 0x00])), codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH with Payload Format Indicator twice', bytes: pkt(0x30, str('t'), props([0x01, 0x00], [0x01, 0x01])), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH with a CONNECT-only property (Session Expiry Interval)', bytes: pkt(0x30, str('t'), props([0x11, 0, 0, 0, 1])), codes: [0x81], cite: '[v5 MQTT-4.13.1-1]' },
  // The spec forbids alias 0 [MQTT-3.3.2-8] but names 0x94 only for an alias above the maximum: 0 is a Protocol Error.
  { name: 'PUBLISH with Topic Alias 0', bytes: pkt(0x30, str('t'), props([0x23, 0x00, 0x00])), codes: [0x82], cite: '[v5 MQTT-3.3.2-8]' },
  { name: 'PUBLISH with Topic Alias above the maximum', bytes: pkt(0x30, str('t'), props([0x23, 0xff, 0xff])), codes: [0x94], cite: '[v5 MQTT-3.3.2-9]' },
  { name: 'PUBLISH with an empty topic and an unknown alias', bytes: pkt(0x30, str(''), props([0x23, 0x00, 0x01])), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PUBLISH with an empty topic and no alias', bytes: pkt(0x30, str(''), props()), codes: [0x82], cite: '[v5 MQTT-4.7.3-1]' },
  { name: 'PUBLISH with a Subscription Identifier', bytes: pkt(0x30, str('t'), props([0x0b, 0x01])), codes: [0x82], cite: '[v5 MQTT-3.3.4-6]' },
  // A wildcard in a Topic Name breaks [MQTT-3.3.2-2]: the codec refuses it as a Protocol Error (0x90 would also do).
  { name: 'PUBLISH to a topic with a wildcard', bytes: pkt(0x30, str('a/#'), props()), codes: [0x82], cite: '[v5 MQTT-4.7.0-1]' },
  { name: 'PUBLISH topic with U+0000', bytes: pkt(0x30, str('a\u0000b'), props()), codes: [0x81], cite: '[v5 MQTT-1.5.4-2]' },
  { name: 'PUBLISH topic with an encoded surrogate', bytes: pkt(0x30, [0x00, 0x03, 0xed, 0xa0, 0x80], props()), codes: [0x81], cite: '[v5 MQTT-1.5.4-1]' },
  { name: 'SUBSCRIBE with no filters', bytes: pkt(0x82, u16(1), props()), codes: [0x82], cite: '[v5 MQTT-3.8.3-2]' },
  { name: 'SUBSCRIBE with packet id 0', bytes: pkt(0x82, u16(0), props(), str('a'), [0x00]), codes: [0x82], cite: '[v5 MQTT-2.2.1-3]' },
  { name: 'SUBSCRIBE with reserved flags 0000', bytes: pkt(0x80, u16(1), props(), str('a'), [0x00]), codes: [0x81], cite: '[v5 MQTT-3.8.1-1]' },
  { name: 'SUBSCRIBE options with reserved bits', bytes: pkt(0x82, u16(1), props(), str('a'), [0xc0]), codes: [0x81], cite: '[v5 MQTT-3.8.3-5]' },
  { name: 'SUBSCRIBE options with Retain Handling 3', bytes: pkt(0x82, u16(1), props(), str('a'), [0x30]), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'SUBSCRIBE $share with No Local', bytes: pkt(0x82, u16(1), props(), str('$share/g/a'), [0x04]), codes: [0x82], cite: '[v5 MQTT-3.8.3-4]' },
  { name: 'SUBSCRIBE with Subscription Identifier 0', bytes: pkt(0x82, u16(1), props([0x0b, 0x00]), str('a'), [0x00]), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'UNSUBSCRIBE with no filters', bytes: pkt(0xa2, u16(1), props()), codes: [0x82], cite: '[v5 MQTT-3.10.3-2]' },
  { name: 'PUBREL with flags 0000', bytes: [0x60, 0x02, 0x00, 0x01], codes: [0x81], cite: '[v5 MQTT-3.6.1-1]' },
  { name: 'a second CONNECT', bytes: pkt(0x10, str('MQTT'), [5, 0x02], u16(0), props(), str('again')), codes: [0x82], cite: '[v5 MQTT-3.1.0-2]' },
  { name: 'CONNACK from a client', bytes: pkt(0x20, [0x00, 0x00], props()), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'SUBACK from a client', bytes: pkt(0x90, u16(1), props(), [0x00]), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'UNSUBACK from a client', bytes: pkt(0xb0, u16(1), props(), [0x00]), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'PINGRESP from a client', bytes: [0xd0, 0x00], codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'AUTH without an authentication method in CONNECT', bytes: pkt(0xf0, [0x18], props([0x15, ...str('m')])), codes: [0x82], cite: '[v5 MQTT-4.13.1-1]' },
  { name: 'DISCONNECT with Session Expiry after CONNECT said 0', bytes: pkt(0xe0, [0x00], props([0x11, 0, 0, 0, 9])), codes: [0x82], cite: '[v5 MQTT-3.14.2-2]' },
];

const V4_CASES: Case[] = [
  { name: 'reserved packet type 0', bytes: [0x00, 0x00], codes: [], cite: '[3.1.1 MQTT-4.8.0-1]' },
  { name: 'AUTH (packet type 15, reserved in 3.1.1)', bytes: [0xf0, 0x00], codes: [], cite: '[3.1.1 MQTT-4.8.0-1]' },
  { name: 'Remaining Length of 5 bytes', bytes: [0x30, 0xff, 0xff, 0xff, 0xff, 0x7f], codes: [], cite: '[3.1.1 MQTT-4.8.0-1]' },
  { name: 'PUBLISH topic length beyond the packet', bytes: [0x30, 0x04, 0x00, 0x09, 0x61, 0x00], codes: [], cite: '[3.1.1 MQTT-4.8.0-1]' },
  { name: 'PUBLISH QoS 1 with packet id 0', bytes: pkt(0x32, str('t'), u16(0)), codes: [], cite: '[3.1.1 MQTT-2.3.1-1]' },
  { name: 'PUBLISH with both QoS bits', bytes: pkt(0x36, str('t'), u16(1)), codes: [], cite: '[3.1.1 MQTT-3.3.1-4]' },
  // A wildcard in a Topic Name breaks [MQTT-3.3.2-2]: the codec refuses it as a Protocol Error (0x90 would also do).
  { name: 'PUBLISH to a topic with a wildcard', bytes: pkt(0x30, str('a/+')), codes: [], cite: '[3.1.1 MQTT-4.7.1-1]' },
  { name: 'PUBLISH topic with U+0000', bytes: pkt(0x30, str('a\u0000b')), codes: [], cite: '[3.1.1 MQTT-1.5.3-2]' },
  { name: 'SUBSCRIBE with no filters', bytes: pkt(0x82, u16(1)), codes: [], cite: '[3.1.1 MQTT-3.8.3-3]' },
  { name: 'SUBSCRIBE with reserved flags 0000', bytes: pkt(0x80, u16(1), str('a'), [0x00]), codes: [], cite: '[3.1.1 MQTT-3.8.1-1]' },
  { name: 'SUBSCRIBE requested QoS 3', bytes: pkt(0x82, u16(1), str('a'), [0x03]), codes: [], cite: '[3.1.1 MQTT-3.8.3-4]' },
  { name: 'UNSUBSCRIBE with no filters', bytes: pkt(0xa2, u16(1)), codes: [], cite: '[3.1.1 MQTT-3.10.3-2]' },
  { name: 'a second CONNECT', bytes: pkt(0x10, str('MQTT'), [4, 0x02], u16(0), str('again')), codes: [], cite: '[3.1.1 MQTT-3.1.0-2]' },
  { name: 'SUBACK from a client', bytes: pkt(0x90, u16(1), [0x00]), codes: [], cite: '[3.1.1 MQTT-4.8.0-1]' },
];

/** Malformed CONNECT packets: refused with a CONNACK >= 0x80 (or return code != 0), or just closed. */
const CONNECT_CASES: Array<Case & { version: ProtocolVersion }> = [
  { version: 5, name: 'a PINGREQ instead of CONNECT', bytes: [0xc0, 0x00], codes: [], raw: true, cite: '[v5 MQTT-3.1.4-1]' },
  { version: 4, name: 'a PUBLISH instead of CONNECT', bytes: pkt(0x30, str('t')), codes: [], raw: true, cite: '[3.1.1 MQTT-3.1.4-1]' },
  { version: 5, name: 'CONNECT with the reserved flag set', bytes: pkt(0x10, str('MQTT'), [5, 0x03], u16(0), props(), str('c')), codes: [0x81], raw: true, cite: '[v5 MQTT-3.1.2-3]' },
  { version: 4, name: 'CONNECT with the reserved flag set', bytes: pkt(0x10, str('MQTT'), [4, 0x03], u16(0), str('c')), codes: [], raw: true, cite: '[3.1.1 MQTT-3.1.2-3]' },
  { version: 5, name: 'CONNECT with Will QoS 3', bytes: pkt(0x10, str('MQTT'), [5, 0x1e], u16(0), props(), str('c'), props(), str('w'), str('x')), codes: [0x81], raw: true, cite: '[v5 MQTT-3.1.2-12]' },
  { version: 5, name: 'CONNECT with Will QoS but no Will flag', bytes: pkt(0x10, str('MQTT'), [5, 0x0a], u16(0), props(), str('c')), codes: [0x81], raw: true, cite: '[v5 MQTT-3.1.2-11]' },
  { version: 4, name: 'CONNECT with a password but no user name', bytes: pkt(0x10, str('MQTT'), [4, 0x42], u16(0), str('c'), str('pw')), codes: [], raw: true, cite: '[3.1.1 MQTT-3.1.2-22]' },
  { version: 5, name: 'CONNECT with a client id of invalid UTF-8', bytes: pkt(0x10, str('MQTT'), [5, 0x02], u16(0), props(), [0x00, 0x02, 0xc3, 0x28]), codes: [0x81, 0x85], raw: true, cite: '[v5 MQTT-1.5.4-1]' },
  { version: 5, name: 'CONNECT cut short inside its payload', bytes: [0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x09], codes: [0x81], raw: true, cite: '[v5 MQTT-3.1.4-1]' },
  { version: 5, name: 'CONNECT with Receive Maximum 0', bytes: pkt(0x10, str('MQTT'), [5, 0x02], u16(0), props([0x21, 0x00, 0x00]), str('c')), codes: [0x82], raw: true, cite: '[v5 MQTT-4.13.1-1]' },
];

describe('broker faults: malformed packets', () => {
  let broker: Broker;
  let bystander: TestClient;
  let rounds = 0;

  before(async () => {
    broker = makeBroker({ topicAliasMaximum: 10 });
    bystander = await connected(broker, { clientId: 'bystander' });
    await bystander.subscribe('bystander/echo', 1);
  });
  after(closeBrokers);

  /** The bystander still publishes, receives and gets acknowledgements: a full QoS 1 round trip. */
  async function bystanderWorks(): Promise<void> {
    const id = (++rounds % 65535) + 1;
    bystander.publish('bystander/echo', `alive ${id}`, { qos: 1, packetId: id });
    const got = [await bystander.nextAny(), await bystander.nextAny()];
    const publish = got.find((p) => p.type === 'publish');
    assert.ok(publish && publish.type === 'publish' && publish.payload.toString() === `alive ${id}`, JSON.stringify(got));
    bystander.send({ type: 'puback', packetId: publish.packetId!, reasonCode: 0 });
    assert.ok(got.some((p) => p.type === 'puback' && p.packetId === id));
    await bystander.expectQuiet();
    assert.equal(broker.stats.connections, 1, 'only the bystander is left');
  }

  async function expectRefusal(c: TestClient, codes: number[]): Promise<void> {
    const got = await c.expectClose({ allow: ['disconnect', 'connack'] });
    if (codes.length === 0 || c.version !== 5) {
      // 3.1.1: closed without a DISCONNECT; a CONNACK, if any, refuses.
      for (const p of got) {
        assert.equal(p.type, 'connack', `unexpected ${p.type}`);
        assert.notEqual((p as { reasonCode: number }).reasonCode, 0);
      }
      return;
    }
    assert.equal(got.length, 1, `exactly one DISCONNECT/CONNACK, got ${JSON.stringify(got)}`);
    const code = (got[0] as { reasonCode: number }).reasonCode;
    assert.ok(codes.includes(code), `reason 0x${code.toString(16)}, expected one of ${codes.map((x) => `0x${x.toString(16)}`).join(', ')}`);
  }

  for (const [version, cases] of [[5, V5_CASES], [4, V4_CASES]] as const) {
    for (const c of cases) {
      const expected = version === 5 ? `DISCONNECT 0x${c.codes[0]!.toString(16)}` : 'close';
      it(`${c.cite} ${version === 5 ? 'v5' : '3.1.1'}: ${c.name} -> ${expected}; others unaffected`, async () => {
        const client = await connected(broker, { clientId: `bad-${version}`, version });
        client.sendRaw(c.bytes);
        await expectRefusal(client, c.codes);
        await bystanderWorks();
      });
    }
  }

  for (const c of CONNECT_CASES) {
    const expected = c.codes.length > 0 && c.version === 5 ? `CONNACK 0x${c.codes[0]!.toString(16)} or close` : 'close';
    it(`${c.cite} ${c.version === 5 ? 'v5' : '3.1.1'}: ${c.name} -> ${expected}, no session; others unaffected`, async () => {
      const client = TestClient.inMemory(broker, c.version);
      client.sendRaw(c.bytes);
      const got = await client.expectClose({ allow: ['connack'] });
      for (const p of got) {
        const code = (p as { reasonCode: number }).reasonCode;
        if (c.version === 5) assert.ok(c.codes.includes(code), `CONNACK 0x${code.toString(16)}`);
        else assert.notEqual(code, 0);
      }
      assert.equal(broker.stats.sessions, 1, 'no session was created');
      await bystanderWorks();
    });
  }

  it('[v5 MQTT-4.13.1-1] a malformed packet after valid ones in the same chunk: the valid ones take effect, nothing after it does', async () => {
    const client = await connected(broker, { clientId: 'mixed' });
    await client.subscribe('mixed/#', 0);
    const good = pkt(0x30, str('bystander/echo'), props(), [...Buffer.from('before')]);
    const after = pkt(0x30, str('bystander/echo'), props(), [...Buffer.from('after')]);
    client.sendRaw([...good, 0x00, 0x00, ...after]);
    await expectRefusal(client, [0x81]);
    const seen = await bystander.next('publish');
    assert.equal(seen.payload.toString(), 'before');
    await bystanderWorks();
  });

  it('a client that only sends garbage at full speed is closed once; the broker keeps serving', async () => {
    const floods = await Promise.all([0, 1, 2].map((i) => connected(broker, { clientId: `junk${i}`, version: i === 1 ? 4 : 5 })));
    for (const f of floods) for (let i = 0; i < 20; i++) f.sendRaw(Buffer.alloc(1024, 0xff));
    await Promise.all(floods.map((f) => f.expectClose({ allow: ['disconnect'] })));
    await bystanderWorks();
  });
});
