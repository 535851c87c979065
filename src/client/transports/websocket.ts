// WebSocket transport (ws:// and wss://) on the `ws` package, the package's one runtime dependency. It is
// imported lazily, so flows that never use WebSocket never load it, and the bundle keeps it external.
import type WebSocketType from 'ws';
import { TransportError } from '../errors';
import { mapTransportError, type ErrorContext } from './map-error';
import { tlsConnectOptions } from './socket';
import { awaitReady, StreamTransport } from './stream';
import { hostPort, type Endpoint, type OpenOptions, type Transport } from './transport';

/** Above this many queued bytes write() asks the caller to wait for 'drain'. */
const HIGH_WATER_BYTES = 64 * 1024;
/** The WebSocket subprotocol MQTT registers [MQTT-6.0.0-3]; 'mqttv3.1' is only for MQTT 3.1 servers. */
export const MQTT_SUBPROTOCOL = 'mqtt';

let wsClass: typeof WebSocketType | undefined;
function loadWs(): typeof WebSocketType {
  // A plain require keeps `ws` external in the esbuild bundle and unloaded until first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  wsClass ??= require('ws') as typeof WebSocketType;
  return wsClass;
}

export function websocketUrl(endpoint: Endpoint): string {
  const scheme = endpoint.protocol === 'wss' ? 'wss' : 'ws';
  return `${scheme}://${hostPort(endpoint.host, endpoint.port)}${endpoint.path || '/'}`;
}

export class WebSocketTransport extends StreamTransport {
  readonly description: string;
  private waitingForDrain = false;

  constructor(
    private readonly ws: WebSocketType,
    ctx: ErrorContext,
    scheme: string,
  ) {
    super(ctx);
    this.description = `${scheme} ${hostPort(ctx.host, ctx.port)}`;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.pushData(toBuffer(data)));
    ws.on('error', (err) => this.noteFailure(mapTransportError(err, ctx)));
    ws.on('close', () => this.underlyingClosed());
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  write(bytes: Uint8Array): boolean {
    if (this.ws.readyState !== this.ws.OPEN || this.closing) return false;
    this.ws.send(bytes, { binary: true }, () => this.checkDrain());
    const ok = this.ws.bufferedAmount < HIGH_WATER_BYTES;
    if (!ok) this.waitingForDrain = true;
    return ok;
  }

  protected closeGracefully(): void {
    this.ws.close(1000);
  }

  protected kill(): void {
    this.ws.terminate();
  }

  private checkDrain(): void {
    if (this.waitingForDrain && this.ws.bufferedAmount < HIGH_WATER_BYTES) {
      this.waitingForDrain = false;
      this.emit('drain');
    }
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** ws reports a refused upgrade as "Unexpected server response: 404"; name it as such. */
function mapUpgradeError(err: Error, ctx: ErrorContext, url: string): TransportError {
  const m = /Unexpected server response: (\d+)/.exec(err.message);
  if (m) return new TransportError(`WebSocket: upgrade refused by ${url} (HTTP ${m[1]})`, 'websocket', { original: err });
  if (/subprotocol/i.test(err.message)) {
    return new TransportError(`WebSocket: server did not accept subprotocol "mqtt" (${err.message})`, 'websocket', {
      original: err,
    });
  }
  return mapTransportError(err, ctx);
}

export async function openWebSocket(endpoint: Endpoint, opts: OpenOptions): Promise<Transport> {
  const WebSocket = loadWs();
  const ctx = { host: endpoint.host, port: endpoint.port };
  const url = websocketUrl(endpoint);
  const secure = endpoint.protocol === 'wss';
  let ws: WebSocketType;
  try {
    ws = new WebSocket(url, [MQTT_SUBPROTOCOL], {
      headers: endpoint.wsHeaders,
      perMessageDeflate: false,
      ...(secure ? tlsConnectOptions(endpoint) : {}),
    });
  } catch (err) {
    throw mapTransportError(err, ctx);
  }
  await awaitOpen(ws, ctx, url, opts);
  return new WebSocketTransport(ws, ctx, secure ? 'wss' : 'ws');
}

/** Waits for the upgrade; on failure the socket is terminated (its late errors are expected and ignored). */
function awaitOpen(ws: WebSocketType, ctx: ErrorContext, url: string, opts: OpenOptions): Promise<void> {
  const abandon = (): void => {
    ws.on('error', () => undefined);
    ws.terminate();
  };
  return awaitReady(ws, { ready: 'open', ctx, opts, mapError: (err) => mapUpgradeError(err, ctx, url), abandon });
}
