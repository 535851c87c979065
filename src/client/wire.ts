// One open transport as the driver uses it: bytes in -> frames -> decoded packets, packets out -> encoded
// bytes, and backpressure. The framer enforces the Maximum Packet Size we announced before buffering.
import { decode, encode, Framer } from '../codec';
import type { Packet, ProtocolVersion } from '../codec/types';
import type { Transport } from './transports';

export interface WireSink {
  packet(packet: Packet): void;
  /** The bytes could not be framed or decoded (an MqttError with its reason code, normally). */
  malformed(error: unknown): void;
}

export class Wire {
  private framer: Framer | undefined;
  private backpressured = false;
  private waiters: Array<() => void> = [];

  constructor(
    readonly transport: Transport,
    private readonly version: ProtocolVersion,
    maximumPacketSize: number | undefined,
    private readonly sink: WireSink,
  ) {
    this.framer = new Framer(maximumPacketSize ? { maximumPacketSize } : {});
    transport.on('data', (chunk) => this.onData(chunk));
    transport.on('drain', () => this.release());
  }

  send(packet: Packet): void {
    const t = this.transport;
    if (t.closed) return;
    if (!t.write(encode(packet, this.version))) this.backpressured = true;
  }

  /** Runs `fn` once what was written so far has been handed to the OS (at once when not backpressured). */
  afterFlush(fn: () => void): void {
    if (this.backpressured && !this.transport.closed) this.waiters.push(fn);
    else fn();
  }

  /** Nothing more is read (after a protocol error the stream position is lost). */
  stopReading(): void {
    this.framer = undefined;
  }

  /** Releases flush waiters (on drain, and when the transport closes). */
  release(): void {
    this.backpressured = false;
    for (const w of this.waiters.splice(0)) w();
  }

  private onData(chunk: Buffer): void {
    const framer = this.framer;
    if (!framer) return;
    let frames: Buffer[];
    try {
      frames = framer.push(chunk);
    } catch (err) {
      return this.fail(err);
    }
    for (const frame of frames) {
      let packet: Packet;
      try {
        packet = decode(frame, this.version);
      } catch (err) {
        return this.fail(err);
      }
      this.sink.packet(packet);
      if (!this.framer) return;
    }
  }

  private fail(err: unknown): void {
    this.framer = undefined;
    this.sink.malformed(err);
  }
}
