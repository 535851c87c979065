// Variable Byte Integer (MQTT 5.0 §1.5.5, 3.1.1 §2.2.3): 7 bits per byte, low group first, at most 4 bytes.
import { MalformedPacketError } from './errors';

export const MAX_VARINT = 268_435_455;

/** Bytes needed to encode n (0 <= n <= MAX_VARINT). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : 4;
}

/** Writes n at buf[pos] and returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/**
 * Reads a Variable Byte Integer starting at buf[pos]; its length is varintSize(value) because only the
 * shortest form is accepted. Returns -1 when the bytes end (at `end`) before the integer does.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  let b = buf[pos];
  if (b < 0x80) return b; // the common case: one byte
  let value = b & 0x7f;
  let shift = 7;
  for (let i = 1; i < 4; i++) {
    if (pos + i >= end) return -1;
    b = buf[pos + i];
    value |= (b & 0x7f) << shift; // at most 28 bits: stays a positive int32
    if (b < 0x80) {
      // A zero last byte means a shorter encoding existed.
      if (b === 0) throw new MalformedPacketError('Variable Byte Integer not in its shortest form', 'MQTT-1.5.5-1');
      return value;
    }
    shift += 7;
  }
  throw new MalformedPacketError('Variable Byte Integer longer than 4 bytes (§1.5.5)');
}
