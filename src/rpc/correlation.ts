// Correlation data: 16 bytes per request, an 8-byte random prefix per requester followed by an 8-byte
// counter. Unique among one requester's requests for 2^64 requests, unguessable across requesters, and
// cheaper than 16 fresh random bytes per call. Keys for the in-flight table are the bytes as a latin1
// string: a bijection with the bytes, hashed by the engine's Map without copying a Buffer.
import { randomBytes } from 'node:crypto';

export const CORRELATION_BYTES = 16;

export class CorrelationIds {
  private readonly prefix: Buffer;
  private hi = 0;
  private lo = 0;

  constructor(prefix: Buffer = randomBytes(8)) {
    if (prefix.length !== 8) throw new RangeError('correlation prefix must be 8 bytes');
    this.prefix = Buffer.from(prefix);
  }

  /** The next correlation data: prefix + 64-bit big-endian counter. */
  next(): Buffer {
    const out = Buffer.allocUnsafe(CORRELATION_BYTES);
    this.prefix.copy(out, 0);
    if (++this.lo > 0xffff_ffff) {
      this.lo = 0;
      this.hi = (this.hi + 1) >>> 0;
    }
    out.writeUInt32BE(this.hi, 8);
    out.writeUInt32BE(this.lo, 12);
    return out;
  }
}

/** The in-flight table key of correlation data. */
export function correlationKey(data: Uint8Array): string {
  return Buffer.isBuffer(data) ? data.toString('latin1') : Buffer.from(data).toString('latin1');
}

/** Correlation data as one topic level (3.1.1 response topics): lowercase hex. */
export function correlationLevel(data: Buffer): string {
  return data.toString('hex');
}

/** The correlation key of a topic level made by correlationLevel, or undefined if it is not one. */
export function keyOfLevel(level: string): string | undefined {
  if (level.length === 0 || level.length % 2 !== 0 || !/^[0-9a-f]+$/.test(level)) return undefined;
  return Buffer.from(level, 'hex').toString('latin1');
}
