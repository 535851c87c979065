// The only place on the broker side where bytes meet a socket. Writes are corked and flushed together in
// the check phase of the event loop (one setImmediate for all connections), after every socket read of
// this loop iteration was handled: a fan-out, or a fan-in from many publishers, costs one writev per
// connection per loop iteration, not one per frame or per incoming chunk.

import type { Duplex } from 'node:stream';
import { encode } from '../codec';
import type { Packet, ProtocolVersion } from '../codec/types';

const EMPTY = Buffer.alloc(0);

export interface WriteStats {
  bytesOut: number;
  packetsOut: number;
}

/** Corked bytes after which a writer flushes at once instead of waiting for the end of the loop iteration. */
export const FLUSH_AT = 64 * 1024;

export class Writer {
  private corked = false;
  private corkedBytes = 0;
  private open = true;
  version: ProtocolVersion = 4;

  /**
   * `flushAt` bounds what waits corked: a burst (many PUBLISH read in one iteration) reaches the socket as it
   * grows, so `backlog` measures what the peer has not taken rather than what we have not tried to send yet
   * (otherwise a fast subscriber would look slow, and lose QoS 0, during a burst above maxWriteBuffer).
   */
  constructor(private readonly socket: Duplex, private readonly stats: WriteStats, private readonly flushAt = FLUSH_AT) {}

  /** Bytes accepted but not yet handed to the operating system. */
  get backlog(): number {
    return this.socket.writableLength;
  }

  get writable(): boolean {
    return this.open;
  }

  /** Encodes and writes a packet in the connection's protocol version. */
  send(packet: Packet): void {
    this.write(encode(packet, this.version));
  }

  write(frame: Buffer): void {
    if (!this.open) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      scheduleFlush(this);
    }
    this.stats.bytesOut += frame.length;
    this.stats.packetsOut++;
    this.socket.write(frame);
    this.corkedBytes += frame.length;
    if (this.corkedBytes >= this.flushAt) this.flush();
  }

  /**
   * Calls fn once everything written so far has left the stream's buffer. A zero-length write goes through
   * the stream in order, so its callback marks the point; this works whatever the stream's high water
   * mark (a 'drain' event only comes when a write() returned false).
   */
  whenFlushed(fn: () => void): void {
    if (!this.open) return;
    this.socket.write(EMPTY, () => fn());
  }

  /** Writes the last frame (if any), then ends the stream: nothing is sent after it [MQTT-3.14.4-1]. */
  end(last?: Buffer): void {
    if (!this.open) return;
    if (last) this.write(last);
    this.open = false;
    this.flush();
    this.socket.end();
  }

  /** Stops writing without flushing (the socket is being destroyed). */
  abort(): void {
    this.open = false;
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }
}

const corked: Writer[] = [];
let flushScheduled = false;

function scheduleFlush(writer: Writer): void {
  corked.push(writer);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushAll);
}

function flushAll(): void {
  flushScheduled = false;
  // flush() may write (and cork) again only through new events, so a plain loop over a snapshot is safe.
  const writers = corked.splice(0);
  for (let i = 0; i < writers.length; i++) writers[i]!.flush();
}
