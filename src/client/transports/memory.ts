// In-memory duplex transport: connects a client to a broker in the same process without a socket. The
// client end is a Transport; the server end is a plain Node.js Duplex, so a broker accepts it exactly
// like a net.Socket. Bytes cross asynchronously (never re-entrantly inside write()).
import { Duplex } from 'node:stream';
import { TransportError } from '../errors';
import { BaseTransport, DEFAULT_END_TIMEOUT_MS, type Endpoint, type OpenOptions, type Transport } from './transport';

const HIGH_WATER_BYTES = 1024 * 1024;

/** The server end of an in-memory connection: a Duplex stream a broker reads from and writes to. */
export class MemoryServerSocket extends Duplex {
  /** Mirrors net.Socket for brokers that log the peer address. */
  readonly remoteAddress = 'memory';
  private client: MemoryClientTransport | undefined;

  constructor() {
    super({ allowHalfOpen: false });
  }

  attach(client: MemoryClientTransport): void {
    this.client = client;
  }

  override _read(): void {
    this.client?.serverWantsMore();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The client end receives on a later turn of the event loop, never inside the broker's write().
    setImmediate(() => {
      this.client?.receive(chunk);
      callback();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    setImmediate(() => {
      this.client?.peerClosed();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    setImmediate(() => this.client?.peerClosed());
    callback(error);
  }

  /** No-ops so code written for net.Socket (setNoDelay, setKeepAlive, setTimeout) works unchanged. */
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
}

export class MemoryClientTransport extends BaseTransport {
  readonly description: string;
  private waitingForDrain = false;
  private closing = false;

  constructor(
    private readonly server: MemoryServerSocket,
    private readonly name: string,
  ) {
    super();
    this.description = `memory ${name}`;
    server.attach(this);
  }

  get bufferedBytes(): number {
    return this.server.readableLength;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.closing || this.server.destroyed) return false;
    this.server.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    const ok = this.server.readableLength < HIGH_WATER_BYTES;
    if (!ok) this.waitingForDrain = true;
    return ok;
  }

  /**
   * Half-closes like a socket's FIN: the server reads everything written so far (a DISCONNECT), then
   * end-of-stream; the pair is destroyed once the server closes its side or after `timeoutMs`.
   */
  async end(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.server.push(null);
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.destroy(), options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  }

  destroy(error?: TransportError): void {
    if (this.closed) return;
    this.server.destroy();
    this.emitClose(error);
  }

  /** @internal called by the server end */
  receive(chunk: Buffer): void {
    if (!this.closed) this.pushData(chunk);
  }

  /** @internal */
  serverWantsMore(): void {
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.emit('drain');
    }
  }

  /** @internal */
  peerClosed(): void {
    if (this.closing) this.emitClose();
    else this.emitClose(new TransportError(`connection closed by in-process broker ${this.name}`, 'reset'));
  }
}

/** A connected pair: `client` for the connection driver, `server` for a broker (or a scripted test peer). */
export function createMemoryPair(name = 'pair'): { client: MemoryClientTransport; server: MemoryServerSocket } {
  const server = new MemoryServerSocket();
  const client = new MemoryClientTransport(server, name);
  return { client, server };
}

type Acceptor = (socket: MemoryServerSocket) => void;
const memoryListeners = new Map<string, Acceptor>();
/** Connection attempts waiting for a listener of that name to appear (woken by listenMemory). */
const waiting = new Map<string, Set<() => void>>();

/**
 * Registers an in-process listener reachable as `memory://<name>`. The embedded broker calls this so
 * config nodes in the same Node-RED runtime can reach it without loopback TCP. Connection attempts already
 * waiting for this name connect now.
 */
export function listenMemory(name: string, accept: Acceptor): { close(): void } {
  if (memoryListeners.has(name)) throw new Error(`in-memory listener "${name}" already exists`);
  memoryListeners.set(name, accept);
  for (const wake of waiting.get(name) ?? []) wake();
  return {
    close: () => {
      if (memoryListeners.get(name) === accept) memoryListeners.delete(name);
    },
  };
}

/**
 * Connects to the listener named by the endpoint. Node-RED starts config nodes before the embedded broker
 * node that listens for them, so an attempt waits for the listener to appear, up to `timeoutMs` (the
 * connect timeout), before it is refused.
 */
export async function openMemory(endpoint: Endpoint, opts: OpenOptions): Promise<Transport> {
  const name = endpoint.host;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw new TransportError(`connection to memory://${name} aborted`, 'closed');
    const accept = memoryListeners.get(name);
    if (accept) {
      const { client, server } = createMemoryPair(name);
      accept(server);
      return client;
    }
    // Woken when a listener of this name registers; it may close again before we run, so look again.
    const outcome = await listenerAppears(name, deadline - Date.now(), opts.signal);
    if (outcome === 'timeout') {
      throw new TransportError(`no in-process broker listening as memory://${name} (waited ${opts.timeoutMs} ms)`, 'refused');
    }
  }
}

/** Resolves when `listenMemory(name)` is called, the time is up, or the signal aborts. */
function listenerAppears(name: string, ms: number, signal: AbortSignal | undefined): Promise<'appeared' | 'timeout' | 'aborted'> {
  if (ms <= 0) return Promise.resolve('timeout');
  return new Promise((resolve) => {
    const set = waiting.get(name) ?? new Set<() => void>();
    waiting.set(name, set);
    const finish = (outcome: 'appeared' | 'timeout' | 'aborted'): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      set.delete(onAppear);
      if (set.size === 0 && waiting.get(name) === set) waiting.delete(name);
      resolve(outcome);
    };
    const onAppear = (): void => finish('appeared');
    const onAbort = (): void => finish('aborted');
    const timer = setTimeout(() => finish('timeout'), ms);
    set.add(onAppear);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
