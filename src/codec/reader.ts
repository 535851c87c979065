// Bounds-checked reads over one complete frame. A read past `end` is a Malformed Packet: a field claims
// more bytes than the Remaining Length (or an enclosing Property Length) leaves for it.
import { MalformedPacketError, ProtocolError } from './errors';
import { sid } from './spec';
import type { ProtocolVersion } from './types';
import { decodeUtf8 } from './utf8';
import { readVarint } from './varint';

export class Reader {
  buf: Buffer;
  pos: number;
  /** Reads stop here; property blocks narrow it temporarily. */
  end: number;
  readonly v: ProtocolVersion;

  constructor(buf: Buffer, pos: number, end: number, v: ProtocolVersion) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.v = v;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless every byte was consumed: leftover bytes mean the Remaining Length was wrong. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new MalformedPacketError(`${what}: ${this.end - this.pos} unexpected bytes at the end (§2.1.4)`);
    }
  }

  private short(what: string): MalformedPacketError {
    return new MalformedPacketError(`${what} runs past the end of the packet or of its property block`);
  }

  u8(what = 'a byte'): number {
    if (this.pos >= this.end) throw this.short(what);
    return this.buf[this.pos++];
  }

  u16(what = 'a two byte integer'): number {
    const p = this.pos;
    if (p + 2 > this.end) throw this.short(what);
    this.pos = p + 2;
    return (this.buf[p] << 8) | this.buf[p + 1];
  }

  u32(what = 'a four byte integer'): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.short(what);
    this.pos = p + 4;
    const b = this.buf;
    return b[p] * 0x100_0000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  varint(what = 'a Variable Byte Integer'): number {
    const value = readVarint(this.buf, this.pos, this.end);
    if (value < 0) throw this.short(what);
    this.pos += value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : 4;
    return value;
  }

  /** Packet Identifier; 0 is never valid where one is present. */
  packetId(statement5: string, statement311: string): number {
    const id = this.u16('the Packet Identifier');
    if (id === 0) throw new ProtocolError('Packet Identifier 0', sid(this.v, statement5, statement311));
    return id;
  }

  utf8(what = 'a UTF-8 string'): string {
    const len = this.u16(what);
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw this.short(what);
    this.pos = stop;
    return decodeUtf8(this.buf, start, stop, this.v);
  }

  /** Binary Data: a two byte length and that many bytes, shared with the frame (no copy). */
  binary(what = 'Binary Data'): Buffer {
    const len = this.u16(what);
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw this.short(what);
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  /** The bytes up to the end (a PUBLISH payload), shared with the frame. */
  rest(): Buffer {
    const start = this.pos;
    this.pos = this.end;
    return this.buf.subarray(start, this.end);
  }
}
