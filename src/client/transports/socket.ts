// TCP and TLS transports: both are a net.Socket underneath (TLSSocket extends it), so one class carries
// the bytes and two openers differ only in how the socket is made and which event means "ready".
import * as net from 'node:net';
import * as tls from 'node:tls';
import { mapTransportError, type ErrorContext } from './map-error';
import { awaitReady, StreamTransport } from './stream';
import { hostPort, type Endpoint, type OpenOptions, type Transport } from './transport';

export class SocketTransport extends StreamTransport {
  readonly description: string;

  constructor(
    private readonly socket: net.Socket,
    ctx: ErrorContext & { kind: string },
  ) {
    super(ctx);
    this.description = `${ctx.kind} ${hostPort(ctx.host, ctx.port)}`;
    socket.on('data', (chunk: Buffer) => this.pushData(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => this.noteFailure(mapTransportError(err, ctx)));
    socket.on('close', () => this.underlyingClosed());
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

  protected closeGracefully(): void {
    this.socket.end();
  }

  protected kill(): void {
    this.socket.destroy();
  }
}

/** Applies the socket settings every MQTT connection wants: no Nagle delay, optional TCP keepalive. */
function tuneSocket(socket: net.Socket, endpoint: Endpoint): void {
  socket.setNoDelay(true);
  if (endpoint.tcpKeepAliveMs > 0) socket.setKeepAlive(true, endpoint.tcpKeepAliveMs);
}

/** Waits for `ready` on a connecting socket; on failure the socket is destroyed so nothing half-open remains. */
function socketReady(socket: net.Socket, ready: string, ctx: ErrorContext, opts: OpenOptions): Promise<void> {
  return awaitReady(socket, { ready, ctx, opts, mapError: (err) => mapTransportError(err, ctx), abandon: () => socket.destroy() });
}

export async function openTcp(endpoint: Endpoint, opts: OpenOptions): Promise<Transport> {
  const ctx = { host: endpoint.host, port: endpoint.port, kind: 'tcp' };
  const socket = net.connect({ host: endpoint.host, port: endpoint.port });
  await socketReady(socket, 'connect', ctx, opts);
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
  await socketReady(socket, 'secureConnect', ctx, opts);
  tuneSocket(socket, endpoint);
  return new SocketTransport(socket, ctx);
}
