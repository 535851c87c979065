// Fixed header rules shared by decode() and the packet modules (MQTT 5.0 §2.1, 3.1.1 §2.2).
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from './errors';
import { sid } from './spec';
import type { PacketType, ProtocolVersion } from './types';
import { MAX_VARINT } from './varint';

/** Packet type names by type number; 0 is reserved, 15 (AUTH) exists only in MQTT 5. */
export const TYPE_NAMES: ReadonlyArray<PacketType | undefined> = [
  undefined, 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/** Required flag bits per type number (PUBLISH's are DUP/QoS/RETAIN, checked in publish.ts). */
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** Statements about reserved flags where a packet's section has its own; the general one otherwise. */
const FLAG_STATEMENTS_V5: Record<number, string> = {
  6: 'MQTT-3.6.1-1', 8: 'MQTT-3.8.1-1', 10: 'MQTT-3.10.1-1', 14: 'MQTT-3.14.1-1', 15: 'MQTT-3.15.1-1',
};
const FLAG_STATEMENTS_V311: Record<number, string> = {
  6: 'MQTT-3.6.1-1', 8: 'MQTT-3.8.1-1', 10: 'MQTT-3.10.1-1', 14: 'MQTT-3.14.1-1',
};

/** Checks the type number and reserved flags of a fixed header's first byte. */
export function checkFirstByte(b0: number, v: ProtocolVersion): void {
  const type = b0 >> 4;
  if (type === 0 || (type === 15 && v !== 5)) {
    throw new MalformedPacketError(`reserved packet type ${type}${type === 15 ? ' (AUTH needs MQTT 5)' : ''}`);
  }
  const flags = b0 & 0x0f;
  const required = REQUIRED_FLAGS[type];
  if (required >= 0 && flags !== required) {
    const statement = sid(v, FLAG_STATEMENTS_V5[type] ?? 'MQTT-2.1.3-1', FLAG_STATEMENTS_V311[type] ?? 'MQTT-2.2.2-2');
    throw new MalformedPacketError(
      `${TYPE_NAMES[type]!.toUpperCase()} reserved flags 0b${flags.toString(2).padStart(4, '0')}, ` +
      `must be 0b${required.toString(2).padStart(4, '0')}`,
      statement,
    );
  }
}

/** Refuses a Remaining Length that cannot be encoded (the packet would exceed 268,435,460 bytes). */
export function checkRemainingLength(rl: number): void {
  if (rl > MAX_VARINT) {
    throw new PacketTooLargeError(`Remaining Length ${rl} exceeds the largest expressible, ${MAX_VARINT} (§2.1.4)`);
  }
}

/** Encoder-side check that a v5-only part of a packet is absent for 3.1/3.1.1. */
export function refuseV5Only(v: ProtocolVersion, present: boolean, what: string): void {
  if (v !== 5 && present) throw new ProtocolError(`${what} needs MQTT 5; cannot encode it for protocol level ${v}`);
}

/** True when a properties object has at least one defined value (an empty object counts as absent). */
export function hasDefined(o: object | undefined): boolean {
  if (o === undefined) return false;
  for (const k in o) if ((o as Record<string, unknown>)[k] !== undefined) return true;
  return false;
}

/** Encoder-side Packet Identifier check: an integer 1-65535. */
export function checkPacketId(id: unknown, v: ProtocolVersion, what: string, statements: [string, string]): void {
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 0xffff) {
    throw new ProtocolError(`${what} needs a Packet Identifier 1-65535, got ${String(id)}`, sid(v, ...statements));
  }
}
