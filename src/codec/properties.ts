// Encoding, decoding and validation of MQTT 5 property blocks, all driven by PROPERTIES (property-table.ts).
//
// Decode: an identifier the table does not allow in this packet is a Malformed Packet (§2.2.2.2); a second
// copy of a non-repeatable property and a value outside its range are Protocol Errors (the sections of
// each property say so; they carry no statement number unless the table names one).
// Encode: the same rules, plus "is this key known here at all" so that a misspelt or misplaced property
// is an error instead of being dropped silently.
import { MalformedPacketError, ProtocolError } from './errors';
import { PROPERTIES, type PropertyContext, type PropertyDef } from './property-table';
import type { Reader } from './reader';
import type { ProtocolVersion } from './types';
import { utf8Length } from './utf8';
import { MAX_VARINT, varintSize } from './varint';
import type { Writer } from './writer';

type Props = Record<string, unknown>;

const CONTEXTS: readonly PropertyContext[] = [
  'connect', 'will', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth',
];

const BY_ID = {} as Record<PropertyContext, Array<PropertyDef | undefined>>;
const BY_KEY = {} as Record<PropertyContext, Record<string, PropertyDef | undefined>>;
for (const ctx of CONTEXTS) {
  BY_ID[ctx] = new Array<PropertyDef | undefined>(0x80).fill(undefined);
  BY_KEY[ctx] = Object.create(null) as Record<string, PropertyDef | undefined>;
}
for (const def of PROPERTIES as readonly PropertyDef[]) {
  for (const ctx of def.in) {
    BY_ID[ctx][def.id] = def;
    BY_KEY[ctx][def.key] = def;
  }
}

/** The table row for an identifier in a context, if the property is allowed there. */
export function propertyById(ctx: PropertyContext, id: number): PropertyDef | undefined {
  return BY_ID[ctx][id];
}

const KNOWN_IDS = new Set(PROPERTIES.map((d) => d.id as number));

function where(ctx: PropertyContext): string {
  return ctx === 'will' ? 'Will Properties' : ctx.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** Reads Property Length and the properties; undefined when the block is empty. */
export function decodeProperties(r: Reader, ctx: PropertyContext): Props | undefined {
  const len = r.varint('the Property Length');
  if (len === 0) return undefined;
  const stop = r.pos + len;
  if (stop > r.end) throw new MalformedPacketError(`${where(ctx)} Property Length ${len} exceeds the packet`);
  const outerEnd = r.end;
  r.end = stop; // a property value cannot run past its block
  const table = BY_ID[ctx];
  const out: Props = {};
  while (r.pos < stop) {
    const id = r.u8();
    const def = id < 0x80 ? table[id] : undefined;
    if (def === undefined) {
      const what = KNOWN_IDS.has(id) ? 'not allowed in' : 'unknown in';
      throw new MalformedPacketError(`property 0x${id.toString(16).padStart(2, '0')} ${what} ${where(ctx)} (§2.2.2.2)`);
    }
    const value = readValue(r, def);
    if (def.repeatable) {
      const list = out[def.key] as unknown[] | undefined;
      if (list === undefined) out[def.key] = [value];
      else list.push(value);
    } else {
      if (out[def.key] !== undefined) throw new ProtocolError(`${def.key} included twice in ${where(ctx)}`);
      out[def.key] = value;
    }
  }
  r.end = outerEnd;
  checkTogether(out, ctx);
  return out;
}

function readValue(r: Reader, def: PropertyDef): unknown {
  switch (def.kind) {
    case 'bool': {
      const b = r.u8(def.key);
      if (b > 1) throw badValue(def, b);
      return b === 1;
    }
    case 'byte':
      return checkRange(def, r.u8(def.key));
    case 'u16':
      return checkRange(def, r.u16(def.key));
    case 'u32':
      return checkRange(def, r.u32(def.key));
    case 'varint':
      return checkRange(def, r.varint(def.key));
    case 'utf8': {
      const s = r.utf8(def.key);
      if (def.topicName) checkNoWildcards(def, s);
      return s;
    }
    case 'binary':
      return r.binary(def.key);
    case 'pair':
      return [r.utf8('a User Property name'), r.utf8('a User Property value')];
  }
}

function badValue(def: PropertyDef, value: unknown, statement?: string): ProtocolError {
  return new ProtocolError(`${def.key} may not be ${String(value)}`, statement);
}

/** The statements in the table are about the minimum (Topic Alias 0) or about wildcards. */
function checkRange(def: PropertyDef, n: number): number {
  if (def.min !== undefined && n < def.min) throw badValue(def, n, def.statement);
  if (def.max !== undefined && n > def.max) throw badValue(def, n);
  return n;
}

function checkNoWildcards(def: PropertyDef, s: string): void {
  if (s.includes('+') || s.includes('#')) {
    throw new ProtocolError(`${def.key} "${s}" contains a wildcard character`, def.statement);
  }
}

/** Rules that involve two properties at once. */
function checkTogether(p: Props, ctx: PropertyContext): void {
  if (p.authenticationData !== undefined && p.authenticationMethod === undefined) {
    throw new ProtocolError(`${where(ctx)} has Authentication Data without an Authentication Method (§3.1.2.11.10)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/**
 * Byte length of the properties (without the Property Length prefix), validating every value.
 * Keys whose value is undefined are skipped, as if absent.
 */
export function propertiesLength(props: object | undefined, ctx: PropertyContext, v: ProtocolVersion): number {
  if (props === undefined) return 0;
  const table = BY_KEY[ctx];
  let n = 0;
  for (const key in props) {
    const value = (props as Props)[key];
    if (value === undefined) continue;
    const def = table[key];
    if (def === undefined) throw new ProtocolError(`property ${key} is not allowed in ${where(ctx)} (§2.2.2.2)`);
    if (!def.repeatable) n += 1 + valueSize(def, value, v);
    else {
      if (!Array.isArray(value)) throw badValue(def, value);
      for (const item of value) n += 1 + valueSize(def, item, v);
    }
  }
  if (n > 0) checkTogether(props as Props, ctx);
  return n;
}

/** Size of the block as written: Property Length prefix plus the properties. */
export function propertiesBlockSize(length: number): number {
  return varintSize(length) + length;
}

const INT_LIMITS: Partial<Record<PropertyDef['kind'], number>> = {
  byte: 0xff, u16: 0xffff, u32: 0xffff_ffff, varint: MAX_VARINT,
};

function valueSize(def: PropertyDef, value: unknown, v: ProtocolVersion): number {
  switch (def.kind) {
    case 'bool':
      if (value !== true && value !== false) throw badValue(def, value);
      return 1;
    case 'byte':
    case 'u16':
    case 'u32':
    case 'varint':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > INT_LIMITS[def.kind]!) {
        throw badValue(def, value);
      }
      checkRange(def, value as number);
      return def.kind === 'byte' ? 1 : def.kind === 'u16' ? 2 : def.kind === 'u32' ? 4 : varintSize(value as number);
    case 'utf8':
      if (typeof value !== 'string') throw badValue(def, value);
      if (def.topicName) checkNoWildcards(def, value);
      return stringSize(value, v);
    case 'binary':
      if (!(value instanceof Uint8Array)) throw badValue(def, value);
      return binarySize(value);
    case 'pair':
      if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
        throw badValue(def, value);
      }
      return stringSize(value[0], v) + stringSize(value[1], v);
  }
}

/** Encoded size of a UTF-8 Encoded String field (length prefix included), refusing over-long ones. */
export function stringSize(s: string, v: ProtocolVersion): number {
  const n = utf8Length(s, v);
  if (n > 0xffff) throw new MalformedPacketError(`UTF-8 string of ${n} bytes is longer than 65,535 (§1.5.4)`);
  return n + 2;
}

/** Encoded size of a Binary Data field (length prefix included). */
export function binarySize(b: Uint8Array): number {
  if (b.length > 0xffff) throw new MalformedPacketError(`Binary Data of ${b.length} bytes is longer than 65,535 (§1.5.6)`);
  return b.length + 2;
}

/** Writes Property Length and the properties (validated by propertiesLength, which gave `length`). */
export function writeProperties(w: Writer, props: object | undefined, ctx: PropertyContext, length: number): void {
  w.varint(length);
  if (length === 0 || props === undefined) return;
  const table = BY_KEY[ctx];
  for (const key in props) {
    const value = (props as Props)[key];
    if (value === undefined) continue;
    const def = table[key]!;
    if (!def.repeatable) writeValue(w, def, value);
    else for (const item of value as unknown[]) writeValue(w, def, item);
  }
}

function writeValue(w: Writer, def: PropertyDef, value: unknown): void {
  w.u8(def.id);
  switch (def.kind) {
    case 'bool':
      return w.u8(value ? 1 : 0);
    case 'byte':
      return w.u8(value as number);
    case 'u16':
      return w.u16(value as number);
    case 'u32':
      return w.u32(value as number);
    case 'varint':
      return w.varint(value as number);
    case 'utf8':
      return w.utf8(value as string);
    case 'binary':
      return w.binary(value as Uint8Array);
    case 'pair': {
      const [name, val] = value as [string, string];
      w.utf8(name);
      return w.utf8(val);
    }
  }
}
