// The one table of MQTT 5 properties (MQTT 5.0 §2.2.2.2, Table 2-4). It drives encoding, decoding and the
// per-packet validation in properties.ts; test/codec/properties.test.ts checks it against the property
// interfaces in types.ts at compile time.
//
// `key` is the field name in the packet model. Subscription Identifier (0x0B) has two rows because the
// model names it differently: PUBLISH may carry several (`subscriptionIdentifiers`, an array), SUBSCRIBE
// exactly one (`subscriptionIdentifier`).

/** Wire kinds. `bool` is a Byte that must be 0 or 1 and maps to a boolean. `pair` is a UTF-8 String Pair. */
export type PropertyKind = 'bool' | 'byte' | 'u16' | 'u32' | 'varint' | 'utf8' | 'binary' | 'pair';

/** Where a property may appear: a packet type, or `will` for the Will Properties inside CONNECT. */
export type PropertyContext =
  | 'connect' | 'will' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'
  | 'subscribe' | 'suback' | 'unsubscribe' | 'unsuback' | 'disconnect' | 'auth';

export interface PropertyDef {
  readonly id: number;
  readonly key: string;
  readonly kind: PropertyKind;
  readonly in: readonly PropertyContext[];
  /** May appear more than once; decodes to an array in wire order. */
  readonly repeatable?: boolean;
  /** Smallest value allowed (receive maximum, maximum packet size, topic alias, subscription identifier). */
  readonly min?: number;
  /** Largest value allowed (maximum QoS). */
  readonly max?: number;
  /** The value is a Topic Name: no wildcard characters [MQTT-3.3.2-14]. */
  readonly topicName?: boolean;
  /** Normative statement broken by a value below `min` or by a wildcard in a `topicName`. */
  readonly statement?: string;
}

const ACKS = ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

export const PROPERTIES = [
  { id: 0x01, key: 'payloadFormatIndicator', kind: 'bool', in: ['publish', 'will'] },
  { id: 0x02, key: 'messageExpiryInterval', kind: 'u32', in: ['publish', 'will'] },
  { id: 0x03, key: 'contentType', kind: 'utf8', in: ['publish', 'will'] },
  {
    id: 0x08, key: 'responseTopic', kind: 'utf8', in: ['publish', 'will'], topicName: true,
    statement: 'MQTT-3.3.2-14',
  },
  { id: 0x09, key: 'correlationData', kind: 'binary', in: ['publish', 'will'] },
  { id: 0x0b, key: 'subscriptionIdentifiers', kind: 'varint', in: ['publish'], repeatable: true, min: 1 },
  { id: 0x0b, key: 'subscriptionIdentifier', kind: 'varint', in: ['subscribe'], min: 1 },
  { id: 0x11, key: 'sessionExpiryInterval', kind: 'u32', in: ['connect', 'connack', 'disconnect'] },
  { id: 0x12, key: 'assignedClientIdentifier', kind: 'utf8', in: ['connack'] },
  { id: 0x13, key: 'serverKeepAlive', kind: 'u16', in: ['connack'] },
  { id: 0x15, key: 'authenticationMethod', kind: 'utf8', in: ['connect', 'connack', 'auth'] },
  { id: 0x16, key: 'authenticationData', kind: 'binary', in: ['connect', 'connack', 'auth'] },
  { id: 0x17, key: 'requestProblemInformation', kind: 'bool', in: ['connect'] },
  { id: 0x18, key: 'willDelayInterval', kind: 'u32', in: ['will'] },
  { id: 0x19, key: 'requestResponseInformation', kind: 'bool', in: ['connect'] },
  { id: 0x1a, key: 'responseInformation', kind: 'utf8', in: ['connack'] },
  { id: 0x1c, key: 'serverReference', kind: 'utf8', in: ['connack', 'disconnect'] },
  {
    id: 0x1f, key: 'reasonString', kind: 'utf8',
    in: ['connack', ...ACKS, 'suback', 'unsuback', 'disconnect', 'auth'],
  },
  { id: 0x21, key: 'receiveMaximum', kind: 'u16', in: ['connect', 'connack'], min: 1 },
  { id: 0x22, key: 'topicAliasMaximum', kind: 'u16', in: ['connect', 'connack'] },
  { id: 0x23, key: 'topicAlias', kind: 'u16', in: ['publish'], min: 1, statement: 'MQTT-3.3.2-8' },
  { id: 0x24, key: 'maximumQoS', kind: 'byte', in: ['connack'], max: 1 },
  { id: 0x25, key: 'retainAvailable', kind: 'bool', in: ['connack'] },
  {
    id: 0x26, key: 'userProperties', kind: 'pair', repeatable: true,
    in: ['connect', 'will', 'connack', 'publish', ...ACKS, 'subscribe', 'suback', 'unsubscribe', 'unsuback',
      'disconnect', 'auth'],
  },
  { id: 0x27, key: 'maximumPacketSize', kind: 'u32', in: ['connect', 'connack'], min: 1 },
  { id: 0x28, key: 'wildcardSubscriptionAvailable', kind: 'bool', in: ['connack'] },
  { id: 0x29, key: 'subscriptionIdentifiersAvailable', kind: 'bool', in: ['connack'] },
  { id: 0x2a, key: 'sharedSubscriptionAvailable', kind: 'bool', in: ['connack'] },
] as const satisfies readonly PropertyDef[];

/** Property keys the table allows in context C (used to check types.ts against the table). */
export type PropertyKeysIn<C extends PropertyContext> = KeysIn<C, (typeof PROPERTIES)[number]>;

// D is a naked type parameter so that the condition distributes over the rows one by one.
type KeysIn<C, D> = D extends { in: readonly (infer E)[]; key: infer K } ? (C extends E ? K : never) : never;
