// Helpers for the client interop suites: open a Connection and wait for CONNACK, collect messages.
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import type { PublishPacket } from '../../src/codec/types';
import { Arrivals, statusUntil } from '../client/helpers/wait';

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
    await statusUntil(c, (s) => s.phase === 'connected', 5000);
    return c;
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.dispose()));
  }
}

/** Records every message a connection receives; wait(n) resolves when n have arrived. */
export class Collector extends Arrivals<PublishPacket> {
  constructor(c: Connection) {
    super('messages');
    c.on('message', this.add);
  }

  get messages(): PublishPacket[] {
    return this.got;
  }

  get payloads(): string[] {
    return this.messages.map((m) => m.payload.toString());
  }

  override wait(n: number, ms = 5000): Promise<void> {
    return super.wait(n, ms);
  }
}
