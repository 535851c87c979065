// What the TLS and WebSocket listeners share: binding a server with a clear error when the address is
// taken, and closing it in bounded time. server.close() stops accepting at once (the port is free for the
// next deploy immediately) but waits for open connections; connections the broker never saw (a TLS
// handshake or an HTTP request still in progress) are destroyed after a grace period so close() resolves.

import type { Server, Socket } from 'node:net';

/** The listener could not bind its address (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...). */
export class ListenError extends Error {
  readonly code: string;
  readonly listener: string;
  readonly host: string;
  readonly port: number;

  constructor(listener: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? 'EUNKNOWN';
    super(`${listener} listener cannot bind ${host}:${port}: ${describe(code)}`, { cause });
    this.name = 'ListenError';
    this.code = code;
    this.listener = listener;
    this.host = host;
    this.port = port;
  }
}

function describe(code: string): string {
  switch (code) {
    case 'EADDRINUSE': return 'the port is already in use (another broker or program listens there)';
    case 'EACCES': return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL': return 'this machine has no such address';
    default: return code;
  }
}

/** Binds `server`; rejects with a ListenError. */
export function listen(server: Server, where: { listener: string; host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ListenError(where.listener, where.host, where.port, err));
    server.once('error', onError);
    server.listen({ port: where.port, host: where.host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Raw sockets of a server, so close() can end the ones still open after a grace period. */
export class SocketTracker {
  private readonly sockets = new Set<Socket>();

  watch(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Stops accepting now; resolves once every connection closed, destroying stragglers after `graceMs`. */
export function closeServer(server: Server | undefined, tracker: SocketTracker, graceMs = 1000): Promise<void> {
  if (!server?.listening) {
    tracker.destroyAll();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => tracker.destroyAll(), graceMs);
    timer.unref?.();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function boundAddress(server: Server | undefined): { host: string; port: number } | undefined {
  const a = server?.address();
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
}
