// Writes one packet into one buffer whose size was computed beforehand (encode = size, allocate, write).
import type { FastBuffer } from './utf8';
import { varintSize, writeVarint } from './varint';

export class Writer {
  readonly buf: Buffer;
  pos: number;

  /**
   * Allocates the packet and writes its fixed header. `tailBytes` (a large PUBLISH payload sent as its own
   * chunk, see encodeChunks) are counted in the Remaining Length but not allocated.
   */
  constructor(firstByte: number, remainingLength: number, tailBytes = 0) {
    const buf = Buffer.allocUnsafe(1 + varintSize(remainingLength) + remainingLength - tailBytes);
    buf[0] = firstByte;
    this.buf = buf;
    this.pos = writeVarint(buf, 1, remainingLength);
  }

  u8(n: number): void {
    this.buf[this.pos++] = n;
  }

  u16(n: number): void {
    const p = this.pos;
    this.buf[p] = n >>> 8;
    this.buf[p + 1] = n & 0xff;
    this.pos = p + 2;
  }

  u32(n: number): void {
    const p = this.pos;
    const b = this.buf;
    b[p] = n >>> 24;
    b[p + 1] = (n >>> 16) & 0xff;
    b[p + 2] = (n >>> 8) & 0xff;
    b[p + 3] = n & 0xff;
    this.pos = p + 4;
  }

  varint(n: number): void {
    this.pos = writeVarint(this.buf, this.pos, n);
  }

  /** Two byte length, then the UTF-8 bytes. s was validated and measured by utf8Length() already. */
  utf8(s: string): void {
    const p = this.pos;
    const n = writeString(this.buf, s, p + 2);
    this.buf[p] = n >>> 8;
    this.buf[p + 1] = n & 0xff;
    this.pos = p + 2 + n;
  }

  /**
   * Writes s as a UTF-8 string if it is a plain ASCII Topic Name (no U+0000, no wildcard), which lets
   * the caller size the packet from s.length without a separate validation pass. Returns false, having
   * written nothing that counts, for anything else: the caller then measures s properly and starts over.
   */
  asciiTopicName(s: string): boolean {
    const p = this.pos + 2;
    const buf = this.buf;
    const len = s.length;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 0 || c === 0x23 || c === 0x2b) return false;
      buf[p + i] = c;
    }
    buf[p - 2] = len >>> 8;
    buf[p - 1] = len & 0xff;
    this.pos = p + len;
    return true;
  }

  /** Two byte length, then the bytes. */
  binary(b: Uint8Array): void {
    this.u16(b.length);
    this.bytes(b);
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Returns the packet, checking the size computation and the writes agreed (a codec bug otherwise). */
  done(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`codec bug: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/**
 * Writes s at buf[pos] and returns the byte count. Short strings are copied by a JS loop when they turn
 * out to be ASCII: cheaper than crossing into C++ below about 20 characters (measured on Node 20).
 */
export function writeString(buf: Buffer, s: string, pos: number): number {
  const len = s.length;
  if (len < 20) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === len) return len;
  }
  return (buf as FastBuffer).utf8Write(s, pos);
}
