// Streaming framer: bytes in, complete frames out (rumqtt's "frame first, then decode"). It looks at the
// fixed header only: type/flag rules and the body are decode()'s business.
//
// No copies on the common path: a frame lying inside one chunk is returned as a subarray of it; only a
// frame split across chunks is assembled into a new buffer, once, when its last byte arrives. A frame
// bigger than the Maximum Packet Size is refused from its fixed header, before its body is buffered.
//
// The framer keeps references to the chunks it is given and returns views into them: callers must not
// reuse a chunk's memory after pushing it (socket 'data' buffers are fresh, so drivers need not care).
// After push() throws, the stream is unusable (the byte position is lost): close the connection.
import { PacketTooLargeError } from './errors';
import { MAX_VARINT, readVarint, varintSize } from './varint';

/** The largest packet MQTT can express: 1 byte type, 4 bytes Remaining Length, 268,435,455 bytes. */
export const MAX_PACKET_SIZE = 1 + 4 + MAX_VARINT;

export interface FramerOptions {
  /**
   * Largest packet accepted, fixed header included: the Maximum Packet Size this side announced (v5),
   * or a local limit. Default and upper bound: MAX_PACKET_SIZE.
   */
  maximumPacketSize?: number;
}

export class Framer {
  private max: number;
  /** Bytes of the frame being assembled, in arrival order. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Total size of the frame being assembled, or 0 while its fixed header is still incomplete. */
  private need = 0;

  constructor(options: FramerOptions = {}) {
    this.max = checkMax(options.maximumPacketSize ?? MAX_PACKET_SIZE);
  }

  get maximumPacketSize(): number {
    return this.max;
  }

  /** Changes the limit for frames whose fixed header has not been read yet. */
  set maximumPacketSize(n: number) {
    this.max = checkMax(n);
  }

  /** Bytes held for a frame that is not complete yet. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Drops any partial frame (e.g. when the transport reconnects). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.need = 0;
  }

  /** Feeds a chunk; returns the frames it completes (possibly none), in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    if (this.partBytes > 0) {
      offset = this.continueFrame(chunk, frames);
      if (offset < 0) return frames;
    }
    const len = chunk.length;
    while (offset < len) {
      const size = this.frameSize(chunk, offset, len);
      if (size < 0 || offset + size > len) {
        this.hold(chunk.subarray(offset), size);
        break;
      }
      frames.push(chunk.subarray(offset, offset + size));
      offset += size;
    }
    return frames;
  }

  /** Size of the frame starting at buf[pos], -1 if its fixed header is incomplete. Enforces the maximum. */
  private frameSize(buf: Buffer, pos: number, end: number): number {
    if (pos + 1 >= end) return -1;
    const rl = readVarint(buf, pos + 1, end);
    if (rl < 0) return -1;
    const size = 1 + varintSize(rl) + rl;
    if (size > this.max) {
      throw new PacketTooLargeError(`packet of ${size} bytes exceeds the Maximum Packet Size ${this.max}`);
    }
    return size;
  }

  private hold(part: Buffer, size: number): void {
    this.parts.push(part);
    this.partBytes += part.length;
    this.need = size > 0 ? size : 0;
  }

  /**
   * Adds a chunk to the frame being assembled. Returns the offset in `chunk` after the frame if it
   * completed (the frame is pushed onto `frames`), or -1 when the whole chunk was taken.
   */
  private continueFrame(chunk: Buffer, frames: Buffer[]): number {
    if (this.need === 0) {
      // The fixed header itself was split: it is at most 5 bytes, so joining its pieces is cheap.
      const head = Buffer.concat([...this.parts, chunk.subarray(0, 5)]);
      const size = this.frameSize(head, 0, head.length);
      if (size < 0) {
        this.hold(chunk, -1);
        return -1;
      }
      this.need = size;
    }
    const missing = this.need - this.partBytes;
    if (chunk.length < missing) {
      this.hold(chunk, this.need);
      return -1;
    }
    frames.push(this.assemble(chunk.subarray(0, missing)));
    return missing;
  }

  private assemble(last: Buffer): Buffer {
    const frame = Buffer.allocUnsafe(this.need);
    let pos = 0;
    for (const part of this.parts) {
      frame.set(part, pos);
      pos += part.length;
    }
    frame.set(last, pos);
    this.reset();
    return frame;
  }
}

function checkMax(n: number): number {
  if (!Number.isInteger(n) || n < 2 || n > MAX_PACKET_SIZE) {
    throw new RangeError(`maximumPacketSize must be an integer 2-${MAX_PACKET_SIZE}, got ${n}`);
  }
  return n;
}
