// UTF-8 Encoded Strings (MQTT 5.0 §1.5.4, 3.1.1 §1.5.3). Both directions refuse what the spec forbids:
// ill-formed UTF-8 (including encoded surrogates and overlong forms) and U+0000. U+FEFF is an ordinary
// character here: it is decoded and kept like any other [MQTT-1.5.4-3]. Control characters and
// non-characters are only "SHOULD NOT"s; they pass and are left to the application.
import * as nodeBuffer from 'node:buffer';
import { MalformedPacketError, ProtocolError } from './errors';
import { sid } from './spec';
import type { ProtocolVersion } from './types';

/** Node's Buffer has these fast paths; they skip the encoding dispatch of toString()/write(). */
export interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number, length?: number): number;
}

function illFormed(v: ProtocolVersion, what: string): MalformedPacketError {
  return new MalformedPacketError(`ill-formed UTF-8 string: ${what}`, sid(v, 'MQTT-1.5.4-1', 'MQTT-1.5.3-1'));
}

function nulChar(v: ProtocolVersion): MalformedPacketError {
  return new MalformedPacketError('UTF-8 string contains U+0000', sid(v, 'MQTT-1.5.4-2', 'MQTT-1.5.3-2'));
}

/**
 * Decodes buf[start, end) as an MQTT UTF-8 string, validating it first. The ASCII loop is the fast path:
 * topics, client ids and property names are nearly always ASCII, which latin1Slice turns into a
 * one-byte string without a UTF-8 decoder.
 */
export function decodeUtf8(buf: Buffer, start: number, end: number, v: ProtocolVersion): string {
  let i = start;
  for (; i < end; i++) {
    const b = buf[i];
    if (b === 0) throw nulChar(v);
    if (b >= 0x80) break;
  }
  if (i === end) return (buf as FastBuffer).latin1Slice(start, end);
  validateFrom(buf, i, end, v);
  return (buf as FastBuffer).utf8Slice(start, end);
}

/** Validates multi-byte UTF-8 from buf[i] on (RFC 3629 §4 well-formed sequences). */
function validateFrom(buf: Uint8Array, i: number, end: number, v: ProtocolVersion): void {
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      if (b === 0) throw nulChar(v);
      i++;
      continue;
    }
    let n: number; // continuation bytes
    let lo = 0x80; // allowed range of the first continuation byte
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      else if (b === 0xed) hi = 0x9f; // U+D800..U+DFFF surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      else if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else throw illFormed(v, `byte 0x${b.toString(16)} cannot start a character`);
    if (i + n >= end) throw illFormed(v, 'truncated multi-byte sequence');
    const c1 = buf[i + 1];
    if (c1 < lo || c1 > hi) throw illFormed(v, 'overlong, surrogate or invalid sequence');
    for (let k = 2; k <= n; k++) {
      const c = buf[i + k];
      if (c < 0x80 || c > 0xbf) throw illFormed(v, 'invalid continuation byte');
    }
    i += n + 1;
  }
}

/** String.prototype.isWellFormed (Node 20+): a native scan for unpaired surrogates. */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Below this many UTF-16 units a JS loop beats the native calls (measured on Node 20). */
const SHORT_STRING = 32;

/**
 * UTF-8 byte length of s, refusing what may not be sent: U+0000 and unpaired surrogates (which
 * Buffer.write would silently turn into U+FFFD).
 */
export function utf8Length(s: string, v: ProtocolVersion): number {
  const len = s.length;
  if (len > SHORT_STRING && isWellFormed !== undefined) {
    if (s.includes('\0')) throw nulChar(v);
    if (!isWellFormed.call(s)) throw illFormed(v, 'unpaired surrogate');
    return Buffer.byteLength(s, 'utf8');
  }
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw nulChar(v);
    } else if (c < 0x800) n += 1;
    else if (c < 0xd800 || c > 0xdfff) n += 2;
    else {
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) throw illFormed(v, 'unpaired surrogate');
      n += 2; // two UTF-16 units, four bytes
      i++;
    }
  }
  return n;
}

/**
 * utf8Length() for a PUBLISH Topic Name, which also may not contain wildcards [MQTT-3.3.2-2]. One tight
 * loop covers the usual ASCII topic; anything unusual takes the slow path that says what is wrong.
 */
export function topicNameLength(s: string, v: ProtocolVersion): number {
  const len = s.length;
  if (len > SHORT_STRING) return topicNameLengthSlow(s, v);
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0 || c === 0x23 || c === 0x2b) return topicNameLengthSlow(s, v);
  }
  return len;
}

function topicNameLengthSlow(s: string, v: ProtocolVersion): number {
  checkNoWildcards(s, v);
  return utf8Length(s, v);
}

/** Wildcards belong in Topic Filters only [MQTT-3.3.2-2]. */
export function checkNoWildcards(topic: string, v: ProtocolVersion): void {
  if (topic.includes('+') || topic.includes('#')) {
    throw new ProtocolError(`Topic Name "${topic}" contains a wildcard character`, sid(v, 'MQTT-3.3.2-2', 'MQTT-3.3.2-2'));
  }
}

// buffer.isUtf8 exists from Node 18.14; the fatal TextDecoder gives the same answer on older 18.x.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const nodeIsUtf8 = (nodeBuffer as { isUtf8?: (b: Uint8Array) => boolean }).isUtf8;

/**
 * True when `bytes` is well-formed UTF-8 text. This is the payload question (is it text?), not the MQTT
 * string rule: U+0000 is allowed here, as in any text a publisher may send.
 */
export function isUtf8(bytes: Uint8Array): boolean {
  if (nodeIsUtf8) return nodeIsUtf8(bytes);
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
