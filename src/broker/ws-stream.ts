// One WebSocket as the Duplex byte stream the broker reads MQTT from. MQTT travels in binary frames only:
// a text frame closes the connection (1003) [MQTT-6.0.0-1]. Frames carry arbitrary slices of the byte
// stream: one frame may hold part of a packet or several packets, and the broker's framer reassembles
// them [MQTT-6.0.0-2]. Reading pauses the socket when the broker is not keeping up.

import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

const UNSUPPORTED_DATA = 1003;

export class WebSocketDuplex extends Duplex {
  constructor(private readonly ws: WebSocket, readonly remoteAddress: string) {
    super({ allowHalfOpen: false });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => {
      this.push(null);
      this.destroy();
    });
    ws.on('error', (err: Error) => this.destroy(err));
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!isBinary) {
      this.ws.close(UNSUPPORTED_DATA, 'MQTT uses binary frames');
      this.destroy();
      return;
    }
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!this.push(chunk)) this.ws.pause();
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A zero-length write is the broker's flush marker: nothing to frame.
    if (chunk.length === 0) {
      callback();
      return;
    }
    this.send(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const parts = chunks.map((c) => c.chunk).filter((c) => c.length > 0);
    if (parts.length === 0) {
      callback();
      return;
    }
    // One frame for everything corked in this turn of the event loop.
    this.send(parts.length === 1 ? parts[0]! : Buffer.concat(parts), callback);
  }

  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      callback(new Error('WebSocket is closed'));
      return;
    }
    this.ws.send(data, { binary: true }, (err) => callback(err ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A close handshake already started (ours or the peer's) finishes on its own; otherwise cut the socket.
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    callback(error);
  }

  /** No-ops so code written for net.Socket works unchanged. */
  setNoDelay(): this {
    return this;
  }
}
