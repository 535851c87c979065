// RPC engine tests run against the embedded broker in-process (memory:// transport) through the real pool
// and leases, MQTT 5 and 3.1.1. Every broker, pool and listener a test opens is closed by `close()`.
import { Broker, type BrokerOptions, type BrokerHooks } from '../../src/broker';
import type { ConnectionOptionsInput } from '../../src/client/options';
import { ConnectionPool } from '../../src/client/pool';
import type { Lease } from '../../src/client/lease';
import { listenMemory } from '../../src/client/transports';
import { withTimeout } from '../client/helpers/wait';

let seq = 0;

export const VERSIONS = [
  { version: 5 as const, label: 'v5' },
  { version: 4 as const, label: '3.1.1' },
];

export interface Bench {
  broker: Broker;
  pool: ConnectionPool;
  url: string;
  /** Defines a config entry (one shared connection) and returns its id. */
  define(options?: ConnectionOptionsInput): Promise<string>;
  /** A lease on connection `id`, connected. */
  lease(id: string, owner?: string): Promise<Lease>;
  close(): Promise<void>;
}

export async function startBench(protocolVersion: 4 | 5, broker: { options?: BrokerOptions; hooks?: BrokerHooks } = {}): Promise<Bench> {
  const b = new Broker(broker.options ?? {}, broker.hooks ?? {});
  await b.start();
  const name = `rpc-${process.pid}-${++seq}`;
  const memory = listenMemory(name, (socket) => b.handleConnection(socket, { listener: 'memory', remoteAddress: 'memory' }));
  const pool = new ConnectionPool();
  const url = `memory://${name}`;
  let ids = 0;
  return {
    broker: b,
    pool,
    url,
    async define(options = {}) {
      const id = `cfg${++ids}`;
      await pool.define(id, { url, protocolVersion, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...options });
      return id;
    },
    async lease(id, owner = `node${++ids}`) {
      const lease = pool.acquire(id, { id: owner });
      await connected(lease);
      return lease;
    },
    async close() {
      await pool.closeAll();
      memory.close();
      await b.close();
    },
  };
}

/** Resolves when the lease's connection is up (at once if it already is). */
export function connected(lease: Lease, ms = 3000): Promise<void> {
  if (lease.status.phase === 'connected') return Promise.resolve();
  return withTimeout(new Promise<void>((resolve) => lease.once('connected', () => resolve())), ms, 'connected');
}

/** Resolves when the lease's connection has gone down (reconnecting/disconnected). */
export function wentDown(lease: Lease, ms = 3000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const check = (s: { phase: string }): void => {
        if (s.phase === 'connected' || s.phase === 'connecting') return;
        lease.off('status', check);
        resolve();
      };
      lease.on('status', check);
    }),
    ms,
    'connection down',
  );
}

/** The settled value of a promise, for asserting on rejections with their fields. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: any }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}
