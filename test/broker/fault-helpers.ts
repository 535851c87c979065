// Shared by the broker fault suites.
import type { Duplex } from 'node:stream';
import { TcpListener, type Accept, type Listener } from '../../src/broker';

/** A TcpListener that keeps the broker's end of every connection, to wait until the broker has closed them. */
export class RecordingListener implements Listener {
  readonly name = 'tcp';
  /** One promise per accepted connection, settled after the broker handled its 'close' event. */
  readonly closed: Array<Promise<void>> = [];
  /** The broker's end of every accepted connection, in order. */
  readonly streams: Duplex[] = [];
  private readonly inner = new TcpListener({ port: 0, host: '127.0.0.1' });

  start(accept: Accept): Promise<void> {
    return this.inner.start((stream, meta) => {
      this.streams.push(stream);
      accept(stream, meta);
      // Registered after the broker's own listener, so it runs once the broker has seen the close.
      this.closed.push(new Promise((resolve) => stream.once('close', () => resolve())));
    });
  }

  /** Drops the references to past connections (before measuring memory). */
  forget(): void {
    this.closed.length = 0;
    this.streams.length = 0;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  address(): { host: string; port: number } | undefined {
    return this.inner.address();
  }

  /** Resolves once the broker's end of the first `count` connections (default: all so far) has closed. */
  async allClosed(count = this.closed.length, timeout = 2000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the broker kept a connection open')), timeout);
    });
    try {
      await Promise.race([Promise.all(this.closed.slice(0, count)), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
