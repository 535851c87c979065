// TCP and TLS transports: both are a net.Socket underneath (TLSSocket extends it), so one class carries
// the bytes and two openers differ only in how the socket is made and which event means "ready".
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TransportError } from '../errors';
import { abortedError, closedByPeerError, mapTransportError, timeoutError, type ErrorContext } from './map-error';
import {
  BaseTransport,
  DEFAULT_END_TIMEOUT_MS,
  hostPort,
  type Endpoint,
  type OpenOptions,
  type Transport,
} from './transport';

export class SocketTransport extends BaseTransport {
  readonly description: string;
  private closing = false;
  private failure: TransportError | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: ErrorContext & { kind: string },
  ) {
    super();
    this.description = `${ctx.kind} ${hostPort(ctx.host, ctx.port)}`;
    socket.on('data', (chunk: Buffer) => this.pushData(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => {
      this.failure ??= mapTransportError(err, ctx);
    });
    socket.on('close', () => this.onSocketClose());
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed || this.closing) return false;
    // Packets written in one tick leave in one writev() instead of one syscall each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.socket.write(bytes);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  async end(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.socket.destroy(), options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS);
    this.socket.end();
    await closed;
    clearTimeout(timer);
  }

  destroy(error?: TransportError): void {
    if (error) this.failure ??= error;
    else this.closing = true;
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.failure) this.emitClose(this.failure);
    else if (this.closing) this.emitClose();
    else this.emitClose(closedByPeerError(this.ctx));
  }
}

/** Applies the socket settings every MQTT connection wants: no Nagle delay, optional TCP keepalive. */
function tuneSocket(socket: net.Socket, endpoint: Endpoint): void {
  socket.setNoDelay(true);
  if (endpoint.tcpKeepAliveMs > 0) socket.setKeepAlive(true, endpoint.tcpKeepAliveMs);
}

/**
 * Waits for `readyEvent` on a connecting socket, failing on error, timeout or abort; on failure the
 * socket is destroyed so nothing half-open remains.
 */
function awaitReady(socket: net.Socket, readyEvent: string, ctx: ErrorContext, opts: OpenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: TransportError): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error): void => fail(mapTransportError(err, ctx));
    const onClose = (): void => fail(closedByPeerError(ctx));
    const onAbort = (): void => fail(abortedError(ctx));
    const timer = setTimeout(() => fail(timeoutError(ctx, opts.timeoutMs)), opts.timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('error', onError).off('close', onClose).off(readyEvent, onReady);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    socket.once('error', onError).once('close', onClose).once(readyEvent, onReady);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function openTcp(endpoint: Endpoint, opts: OpenOptions): Promise<Transport> {
  const ctx = { host: endpoint.host, port: endpoint.port, kind: 'tcp' };
  const socket = net.connect({ host: endpoint.host, port: endpoint.port });
  await awaitReady(socket, 'connect', ctx, opts);
  tuneSocket(socket, endpoint);
  return new SocketTransport(socket, ctx);
}

/** The node:tls options for an endpoint; exported for the WebSocket transport (wss). */
export function tlsConnectOptions(endpoint: Endpoint): tls.ConnectionOptions {
  const t = endpoint.tls;
  const options: tls.ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized };
  if (t.ca !== undefined) options.ca = t.ca;
  if (t.cert !== undefined) options.cert = t.cert;
  if (t.key !== undefined) options.key = t.key;
  if (t.pfx !== undefined) options.pfx = t.pfx;
  if (t.passphrase !== undefined) options.passphrase = t.passphrase;
  if (t.alpnProtocols?.length) options.ALPNProtocols = t.alpnProtocols;
  // SNI must not carry an IP literal (RFC 6066 section 3); Node warns and some servers reject it.
  const servername = t.servername ?? (net.isIP(endpoint.host) ? undefined : endpoint.host);
  if (servername) options.servername = servername;
  return options;
}

export async function openTls(endpoint: Endpoint, opts: OpenOptions): Promise<Transport> {
  const ctx = { host: endpoint.host, port: endpoint.port, kind: 'tls' };
  let socket: tls.TLSSocket;
  try {
    // Bad key material (wrong passphrase, unreadable PEM) throws here, synchronously.
    socket = tls.connect({ host: endpoint.host, port: endpoint.port, ...tlsConnectOptions(endpoint) });
  } catch (err) {
    throw mapTransportError(err, ctx);
  }
  await awaitReady(socket, 'secureConnect', ctx, opts);
  tuneSocket(socket, endpoint);
  return new SocketTransport(socket, ctx);
}
