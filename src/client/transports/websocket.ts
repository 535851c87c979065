// WebSocket transport (ws:// and wss://) on the `ws` package, the package's one runtime dependency. It is
// imported lazily, so flows that never use WebSocket never load it, and the bundle keeps it external.
import type WebSocketType from 'ws';
import { TransportError } from '../errors';
import { abortedError, closedByPeerError, mapTransportError, timeoutError, type ErrorContext } from './map-error';
import { tlsConnectOptions } from './socket';
import {
  BaseTransport,
  DEFAULT_END_TIMEOUT_MS,
  hostPort,
  type Endpoint,
  type OpenOptions,
  type Transport,
} from './transport';

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

export class WebSocketTransport extends BaseTransport {
  readonly description: string;
  private closing = false;
  private failure: TransportError | undefined;
  private waitingForDrain = false;

  constructor(
    private readonly ws: WebSocketType,
    private readonly ctx: ErrorContext,
    scheme: string,
  ) {
    super();
    this.description = `${scheme} ${hostPort(ctx.host, ctx.port)}`;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.pushData(toBuffer(data)));
    ws.on('error', (err) => {
      this.failure ??= mapTransportError(err, ctx);
    });
    ws.on('close', () => this.onClose());
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

  async end(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.ws.terminate(), options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS);
    this.ws.close(1000);
    await closed;
    clearTimeout(timer);
  }

  destroy(error?: TransportError): void {
    if (error) this.failure ??= error;
    else this.closing = true;
    this.ws.terminate();
  }

  private checkDrain(): void {
    if (this.waitingForDrain && this.ws.bufferedAmount < HIGH_WATER_BYTES) {
      this.waitingForDrain = false;
      this.emit('drain');
    }
  }

  private onClose(): void {
    if (this.failure) this.emitClose(this.failure);
    else if (this.closing) this.emitClose();
    else this.emitClose(closedByPeerError(this.ctx));
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

function awaitOpen(ws: WebSocketType, ctx: ErrorContext, url: string, opts: OpenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: TransportError): void => {
      cleanup();
      ws.on('error', () => undefined); // late errors from the terminated socket are expected
      ws.terminate();
      reject(err);
    };
    const onError = (err: Error): void => fail(mapUpgradeError(err, ctx, url));
    const onClose = (): void => fail(closedByPeerError(ctx));
    const onAbort = (): void => fail(abortedError(ctx));
    const timer = setTimeout(() => fail(timeoutError(ctx, opts.timeoutMs)), opts.timeoutMs);
    const onOpen = (): void => {
      cleanup();
      resolve();
    };
    function cleanup(): void {
      clearTimeout(timer);
      ws.off('error', onError).off('close', onClose).off('open', onOpen);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    ws.once('error', onError).once('close', onClose).once('open', onOpen);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
