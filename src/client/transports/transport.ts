// The one interface every byte carrier implements (TCP, TLS, WebSocket, in-memory duplex). The connection
// driver sees only this: bytes in, bytes out, backpressure, one close event that says why.
import { EventEmitter } from 'node:events';
import { TransportError } from '../errors';

export type TransportProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'memory';

/** TLS settings shared by `mqtts://` and `wss://`. PEM text or DER/PKCS#12 bytes. */
export interface TlsSettings {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** PKCS#12 bundle (client certificate + key), with `passphrase` when it is encrypted. */
  pfx?: Buffer;
  passphrase?: string;
  /** SNI server name; defaults to the host when it is a name (not an IP literal). */
  servername?: string;
  /** ALPN protocol names, e.g. ['mqtt'] for AWS IoT on port 443. */
  alpnProtocols?: string[];
  /** Verify the server certificate chain and host name. Default true. */
  rejectUnauthorized: boolean;
}

/** Where and how to open a transport: the normalized form that options parsing produces. */
export interface Endpoint {
  protocol: TransportProtocol;
  /** Host name or IP literal without brackets; for 'memory', the listener name. */
  host: string;
  port: number;
  /** WebSocket request path (ws/wss only). */
  path: string;
  tls: TlsSettings;
  /** Extra HTTP headers for the WebSocket upgrade request. */
  wsHeaders: Record<string, string>;
  /** TCP keepalive: initial delay in ms before the first probe (0 = keepalive off). */
  tcpKeepAliveMs: number;
}

export interface TransportCloseInfo {
  /** Absent when the transport was closed on purpose by our side. */
  error?: TransportError;
}

export interface TransportEvents {
  data: [chunk: Buffer];
  /** The write buffer drained below the high-water mark after write() returned false. */
  drain: [];
  /**
   * Exactly once. A failure is reported here (info.error), not through an 'error' event, so that no
   * unhandled 'error' can crash the process and `events.once(t, 'close')` never rejects.
   */
  close: [info: TransportCloseInfo];
}

export interface Transport {
  /** Human description for logs, e.g. 'tls 127.0.0.1:8883'. */
  readonly description: string;
  /** Bytes accepted by write() and not yet handed to the OS. */
  readonly bufferedBytes: number;
  readonly closed: boolean;
  /** Queue bytes; returns false when the caller should wait for 'drain' before writing more. */
  write(bytes: Uint8Array): boolean;
  /** Close gracefully (flush, FIN / close frame); destroy if that takes longer than `timeoutMs`. */
  end(options?: { timeoutMs?: number }): Promise<void>;
  /** Close at once; with an error, 'close' reports it. */
  destroy(error?: TransportError): void;
  on<K extends keyof TransportEvents>(event: K, listener: (...args: TransportEvents[K]) => void): this;
  once<K extends keyof TransportEvents>(event: K, listener: (...args: TransportEvents[K]) => void): this;
  off<K extends keyof TransportEvents>(event: K, listener: (...args: TransportEvents[K]) => void): this;
}

export interface OpenOptions {
  /** Give up (and destroy the half-open socket) after this many ms. */
  timeoutMs: number;
  /** Abort the attempt, e.g. when the user disconnects while connecting. */
  signal?: AbortSignal;
}

export const DEFAULT_END_TIMEOUT_MS = 2000;

/**
 * Shared plumbing: typed events, a data buffer for chunks that arrive before the first 'data' listener
 * (a server may answer in the same tick the transport opens), and exactly one 'close'.
 */
export abstract class BaseTransport extends EventEmitter implements Transport {
  abstract readonly description: string;
  abstract readonly bufferedBytes: number;
  abstract write(bytes: Uint8Array): boolean;
  abstract end(options?: { timeoutMs?: number }): Promise<void>;
  abstract destroy(error?: TransportError): void;

  private pending: Buffer[] | null = [];
  private closeEmitted = false;
  private flushScheduled = false;

  get closed(): boolean {
    return this.closeEmitted;
  }

  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'data' && this.pending) this.flushPending();
    return this;
  }

  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    super.once(event, listener);
    if (event === 'data' && this.pending) this.flushPending();
    return this;
  }

  protected pushData(chunk: Buffer): void {
    if (this.pending) this.pending.push(chunk);
    else this.emit('data', chunk);
  }

  protected emitClose(error?: TransportError): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', error ? { error } : {});
  }

  private flushPending(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Deliver on a microtask so the caller finishes attaching its listeners first; chunks that arrive
    // meanwhile join the same queue, so order is kept.
    queueMicrotask(() => {
      const chunks = this.pending ?? [];
      this.pending = null;
      for (const c of chunks) this.emit('data', c);
    });
  }
}

/** Describe host:port for messages, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
