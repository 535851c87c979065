// MQTT over WebSocket: on a port of its own (ws, or wss with TLS settings), or on a path of an HTTP server
// that already exists (Node-RED's), where only upgrades for that path are taken and every other upgrade
// (the editor's own comms socket, websocket nodes) is left to its owner.
//
// The subprotocol chosen is "mqtt" (MQTT 3.1.1 and 5) or "mqttv3.1" (MQTT 3.1) [MQTT-6.0.0-4]; a client
// that offers subprotocols but none of these is refused with HTTP 400. One that offers none is accepted
// (lenient, as Mosquitto and aedes are). Each socket becomes a WebSocketDuplex handed to the broker.

import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type VerifyClientCallbackAsync, type VerifyClientCallbackSync, type WebSocket } from 'ws';
import type { Accept, Listener } from './listeners';
import { SocketTracker, boundAddress, closeServer, listen } from './server-socket';
import { certificateIdentityOf, serverTlsOptions, type TlsSettings } from './tls-listener';
import { WebSocketDuplex } from './ws-stream';

export const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

export type VerifyClient = VerifyClientCallbackSync | VerifyClientCallbackAsync;

interface UpgradeOptions {
  /** Largest WebSocket message accepted, in bytes. Default 16 MiB. */
  maxPayload?: number;
  /** Checks each upgrade request (Node-RED's webSocketNodeVerifyClient has this shape). */
  verifyClient?: VerifyClient;
}

export interface WebSocketListenerOptions extends UpgradeOptions {
  /** Default 9001. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Default 'wss' with tls, else 'ws'. */
  name?: string;
  /** Only upgrades for this path are accepted (others get 404); any path when absent. */
  path?: string;
  /** wss: key/cert/CA, client certificates and certificate identity as for the TLS listener. */
  tls?: TlsSettings;
}

export interface WebSocketPathOptions extends UpgradeOptions {
  /** Full request path, e.g. "/mqtt" (with Node-RED's httpNodeRoot already applied). */
  path: string;
  /** Default 'ws-path'. */
  name?: string;
  /** TLS settings of the server, for certificate identity on an https server. */
  tls?: TlsSettings;
}

/** Picks the MQTT subprotocol; false when none is offered. */
function chooseProtocol(protocols: Set<string>): string | false {
  for (const p of MQTT_SUBPROTOCOLS) if (protocols.has(p)) return p;
  return false;
}

function pathOf(req: http.IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Turns upgrade requests into MQTT streams for one listener. */
class Upgrader {
  private readonly wss: WebSocketServer;

  constructor(private readonly name: string, private readonly options: UpgradeOptions & { tls?: TlsSettings | undefined }) {
    this.wss = new WebSocketServer({
      noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: options.maxPayload ?? 16 * 1024 * 1024,
      handleProtocols: (protocols) => chooseProtocol(protocols),
      ...(options.verifyClient ? { verifyClient: options.verifyClient } : {}),
    });
  }

  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer, accept: Accept): void {
    const offered = req.headers['sec-websocket-protocol'];
    if (offered !== undefined && !offered.split(',').some((p) => (MQTT_SUBPROTOCOLS as readonly string[]).includes(p.trim()))) {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const raw = req.socket;
      const remote = `${raw.remoteAddress}:${raw.remotePort}`;
      const identity = this.options.tls?.certificateIdentity && 'authorized' in raw
        ? certificateIdentityOf(raw as TLSSocket) : undefined;
      accept(new WebSocketDuplex(ws, remote), {
        remoteAddress: remote, listener: this.name, ...(identity === undefined ? {} : { identity }),
      });
    });
  }
}

/** A WebSocket (or secure WebSocket) server on its own port. */
export class WebSocketListener implements Listener {
  readonly name: string;
  private server: http.Server | https.Server | undefined;
  private readonly tracker = new SocketTracker();

  constructor(private readonly options: WebSocketListenerOptions = {}) {
    this.name = options.name ?? (options.tls ? 'wss' : 'ws');
  }

  start(accept: Accept): Promise<void> {
    const { tls, path } = this.options;
    const upgrader = new Upgrader(this.name, this.options);
    const plain = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('MQTT over WebSocket: upgrade required\n');
    };
    const server = tls ? https.createServer(serverTlsOptions(tls), plain) : http.createServer(plain);
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (path !== undefined && pathOf(req) !== path) refuse(socket, 404, 'Not Found');
      else upgrader.handle(req, socket, head, accept);
    });
    if (tls) server.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
    this.tracker.watch(server);
    this.server = server;
    return listen(server, { listener: this.name, host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 9001 });
  }

  close(): Promise<void> {
    return closeServer(this.server, this.tracker);
  }

  address(): { host: string; port: number } | undefined {
    return boundAddress(this.server);
  }
}

/**
 * MQTT over WebSocket on one path of an existing HTTP(S) server (Node-RED's): its 'upgrade' events for
 * that path are handled, every other upgrade is left alone for the server's other listeners.
 */
export class WebSocketPathListener implements Listener {
  readonly name: string;
  private onUpgrade: ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;

  constructor(private readonly server: http.Server | https.Server, private readonly options: WebSocketPathOptions) {
    this.name = options.name ?? 'ws-path';
  }

  async start(accept: Accept): Promise<void> {
    const upgrader = new Upgrader(this.name, this.options);
    const path = this.options.path;
    this.onUpgrade = (req, socket, head) => {
      if (pathOf(req) === path) upgrader.handle(req, socket, head, accept);
    };
    this.server.on('upgrade', this.onUpgrade);
  }

  async close(): Promise<void> {
    if (this.onUpgrade) this.server.removeListener('upgrade', this.onUpgrade);
    this.onUpgrade = undefined;
  }

  address(): { host: string; port: number } | undefined {
    return boundAddress(this.server);
  }
}
