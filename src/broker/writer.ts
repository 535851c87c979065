// The only place on the broker side where bytes meet a socket. Writes of one tick are corked together
// and flushed in one writev on the next tick, so a fan-out of many small PUBLISH frames costs one
// system call per connection, not one per frame.

import type { Duplex } from 'node:stream';
import { encode } from '../codec';
import type { Packet, ProtocolVersion } from '../codec/types';

const EMPTY = Buffer.alloc(0);

export interface WriteStats {
  bytesOut: number;
  packetsOut: number;
}

export class Writer {
  private corked = false;
  private open = true;
  version: ProtocolVersion = 4;

  constructor(private readonly socket: Duplex, private readonly stats: WriteStats) {}

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
      process.nextTick(uncork, this);
    }
    this.stats.bytesOut += frame.length;
    this.stats.packetsOut++;
    this.socket.write(frame);
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
    this.socket.uncork();
  }
}

function uncork(writer: Writer): void {
  writer.flush();
}
