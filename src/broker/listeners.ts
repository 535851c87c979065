// Listeners turn a transport into Duplex streams handed to Broker.handleConnection(). The broker core
// knows only this interface; TLS and WebSocket listeners implement it the same way (a tls.Server, or a ws
// server whose sockets are wrapped with createWebSocketStream) without changes to the core.

import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionMeta } from './connection';

export type Accept = (stream: Duplex, meta: ConnectionMeta) => void;

export interface Listener {
  /** Shown in ClientInfo.listener and logs: "tcp", "tls", "ws", ... */
  readonly name: string;
  /** Starts accepting; resolves once bound. */
  start(accept: Accept): Promise<void>;
  /** Stops accepting new connections (open ones are closed by the broker). */
  close(): Promise<void>;
  /** Bound address once started (port 0 resolves to the ephemeral port). */
  address(): { host: string; port: number } | undefined;
}

export interface TcpListenerOptions {
  port?: number;
  host?: string;
  name?: string;
}

export class TcpListener implements Listener {
  readonly name: string;
  private server: net.Server | undefined;

  constructor(private readonly options: TcpListenerOptions = {}) {
    this.name = options.name ?? 'tcp';
  }

  start(accept: Accept): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => {
      // Small MQTT packets must not wait for Nagle's algorithm (QoS 1 round trips).
      socket.setNoDelay(true);
      accept(socket, { remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`, listener: this.name });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.options.port ?? 1883, host: this.options.host ?? '127.0.0.1' }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }
}
