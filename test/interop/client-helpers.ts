// Helpers for the client interop suites: open a Connection and wait for CONNACK, collect messages.
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import type { ConnectionStatus } from '../../src/client/types';
import type { PublishPacket } from '../../src/codec/types';
import { withTimeout } from '../client/helpers/wait';

export const FAST_RECONNECT = { initialDelayMs: 50, maxDelayMs: 500, jitter: 0.1, stableAfterMs: 2000 };

export class Clients {
  private readonly all: Connection[] = [];

  make(options: ConnectionOptionsInput): Connection {
    const c = new Connection(normalizeOptions({ reconnect: FAST_RECONNECT, ...options }));
    this.all.push(c);
    return c;
  }

  /** Opens a client and resolves once it is connected. */
  async connected(options: ConnectionOptionsInput): Promise<Connection> {
    const c = this.make(options);
    c.open();
    await waitStatus(c, (s) => s.phase === 'connected', 5000);
    return c;
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.dispose()));
  }
}

export function waitStatus(c: Connection, pred: (s: ConnectionStatus) => boolean, ms = 5000): Promise<ConnectionStatus> {
  if (pred(c.status)) return Promise.resolve(c.status);
  return withTimeout(
    new Promise((resolve) => {
      const on = (s: ConnectionStatus): void => {
        if (!pred(s)) return;
        c.off('status', on);
        resolve(s);
      };
      c.on('status', on);
    }),
    ms,
    'connection status',
  );
}

/** Records every message a connection receives; wait(n) resolves when n have arrived. */
export class Collector {
  readonly messages: PublishPacket[] = [];
  private waiters: Array<() => void> = [];

  constructor(c: Connection) {
    c.on('message', (p) => {
      this.messages.push(p);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get payloads(): string[] {
    return this.messages.map((m) => m.payload.toString());
  }

  wait(n: number, ms = 5000): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => (this.messages.length >= n ? resolve() : void this.waiters.push(check));
        check();
      }),
      ms,
      `${n} messages (have ${this.messages.length})`,
    );
  }
}
