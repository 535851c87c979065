// mqtt-spec: 5.0
// The property table against the packet model (compile time) and against the wire (run time): every
// property round-trips in every context that allows it, and is refused in every context that does not.
import assert from 'node:assert/strict';
import {
  MalformedPacketError, PROPERTIES, ProtocolError, decode, encode, propertyById,
  type AckProperties, type AuthProperties, type ConnackProperties, type ConnectProperties, type DisconnectProperties,
  type Packet, type PropertyContext, type PropertyDef, type PropertyKeysIn, type PublishProperties,
  type SubscribeProperties, type UnsubscribeProperties, type WillProperties,
} from '../../src/codec/index';
import { assertMqttError } from './helpers';

// ---- compile-time: the interfaces in types.ts name exactly the properties the table allows
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Array<true> = [
  true satisfies Same<keyof ConnectProperties, PropertyKeysIn<'connect'>>,
  true satisfies Same<keyof WillProperties, PropertyKeysIn<'will'>>,
  true satisfies Same<keyof ConnackProperties, PropertyKeysIn<'connack'>>,
  true satisfies Same<keyof PublishProperties, PropertyKeysIn<'publish'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'puback'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'pubrec'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'pubrel'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'pubcomp'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'suback'>>,
  true satisfies Same<keyof AckProperties, PropertyKeysIn<'unsuback'>>,
  true satisfies Same<keyof SubscribeProperties, PropertyKeysIn<'subscribe'>>,
  true satisfies Same<keyof UnsubscribeProperties, PropertyKeysIn<'unsubscribe'>>,
  true satisfies Same<keyof DisconnectProperties, PropertyKeysIn<'disconnect'>>,
  true satisfies Same<keyof AuthProperties, PropertyKeysIn<'auth'>>,
];

const CONTEXTS: PropertyContext[] = [
  'connect', 'will', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth',
];

/** A valid sample value for a property. */
function sample(def: PropertyDef): unknown {
  const one = (): unknown => {
    switch (def.kind) {
      case 'bool': return true;
      case 'byte': return 1;
      case 'u16': return 0x1234;
      case 'u32': return 0x12345678;
      case 'varint': return 268_435_455;
      case 'utf8': return 'välue/1';
      case 'binary': return Buffer.from([0, 1, 0xff]);
      case 'pair': return ['näme', 'välue'];
    }
  };
  return def.repeatable ? [one(), one()] : one();
}

/** A packet of context ctx carrying `properties` (AUTH and CONNACK also get the method their rules need). */
function packetWith(ctx: PropertyContext, properties: Record<string, unknown>): Packet {
  const p = properties as never;
  switch (ctx) {
    case 'connect': return { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: p };
    case 'will': return { type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, properties: p } };
    case 'connack': return { type: 'connack', sessionPresent: false, reasonCode: 0, properties: p };
    case 'publish': return { type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: p };
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': return { type: ctx, packetId: 1, reasonCode: 0, properties: p };
    case 'subscribe': return { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: p };
    case 'suback': return { type: 'suback', packetId: 1, reasonCodes: [0], properties: p };
    case 'unsubscribe': return { type: 'unsubscribe', packetId: 1, topicFilters: ['t'], properties: p };
    case 'unsuback': return { type: 'unsuback', packetId: 1, reasonCodes: [0], properties: p };
    case 'disconnect': return { type: 'disconnect', reasonCode: 0, properties: p };
    case 'auth': return { type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'm', ...properties } };
  }
}

describe('codec property table', () => {
  it('agrees with the property interfaces of types.ts (checked by tsc)', () => {
    assert.equal(sameKeys.length, 14);
  });

  it('has unique identifiers per context and unique keys', () => {
    for (const ctx of CONTEXTS) {
      const ids = PROPERTIES.filter((d) => (d.in as readonly string[]).includes(ctx)).map((d) => d.id);
      assert.equal(new Set(ids).size, ids.length, ctx);
    }
    assert.equal(new Set(PROPERTIES.map((d) => d.key)).size, PROPERTIES.length);
    assert.equal(new Set(PROPERTIES.map((d) => d.id)).size, 27, 'MQTT 5 defines 27 properties');
  });

  for (const def of PROPERTIES as readonly PropertyDef[]) {
    const name = `${def.key} (0x${def.id.toString(16).padStart(2, '0')})`;
    it(`${name} round-trips in ${def.in.join(', ')}`, () => {
      for (const ctx of def.in) {
        const props: Record<string, unknown> = { [def.key]: sample(def) };
        if (def.key === 'authenticationData') props.authenticationMethod = 'm';
        const packet = packetWith(ctx, props);
        assert.deepStrictEqual(decode(encode(packet, 5), 5), packet, ctx);
      }
    });

    const elsewhere = CONTEXTS.filter((c) => !def.in.includes(c) && propertyById(c, def.id) === undefined);
    it(`${name} is refused in ${elsewhere.join(', ') || 'no other packet'}`, () => {
      for (const ctx of elsewhere) {
        const props: Record<string, unknown> = { [def.key]: sample(def) };
        assertMqttError(() => encode(packetWith(ctx, props), 5), { cls: ProtocolError, code: 0x82, statement: undefined, message: 'not allowed' });
        // Same property spliced into a valid packet of that context on the wire: a Malformed Packet.
        const wire = spliceProperty(ctx, def);
        assertMqttError(() => decode(wire, 5), { cls: MalformedPacketError, code: 0x81, statement: undefined, message: 'not allowed' });
      }
    });
  }
});

/** Encodes a context's packet with a User Property, then swaps that property's bytes for `def`'s. */
function spliceProperty(ctx: PropertyContext, def: PropertyDef): Buffer {
  const marker = 'zz';
  const bytes = encode(packetWith(ctx, { userProperties: [[marker, marker]] }), 5);
  const pair = Buffer.from([0x26, 0, 2, 0x7a, 0x7a, 0, 2, 0x7a, 0x7a]);
  const at = bytes.indexOf(pair);
  assert.ok(at > 0, `user property not found in ${ctx}`);
  // Same length replacement keeps every length field valid: id + padding bytes the decoder must not reach.
  const replacement = Buffer.alloc(pair.length, 0);
  replacement[0] = def.id;
  return Buffer.concat([bytes.subarray(0, at), replacement, bytes.subarray(at + pair.length)]);
}
