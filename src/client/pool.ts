// The connection pool: one SharedConnection per config node id, in module scope so every node type in
// the bundle shares it. Config nodes define and close their entry; in/out/rpc nodes take leases.
import { MemorySessionData } from '../store';
import { Connection } from './connection';
import { ClientClosedError } from './errors';
import type { Lease, LeaseOwner } from './lease';
import { normalizeOptions, type ConnectionOptionsInput } from './options';
import { SharedConnection, type ConnectionFactory } from './shared-connection';

export class ConnectionPool {
  private readonly entries = new Map<string, SharedConnection>();
  /** Memory-store contents per config id: what was queued survives a redeploy of the config node. */
  private readonly memory = new Map<string, MemorySessionData>();
  private readonly factory: ConnectionFactory;

  constructor(factory?: ConnectionFactory) {
    this.factory = factory ?? ((options, id) => new Connection(options, { memoryData: this.memoryFor(id) }));
  }

  /**
   * Defines (or redefines) the connection of config node `id`. Throws InvalidOptionsError for bad options
   * (nothing changes then). Redefining an id whose connection is open closes the old one first (bounded).
   */
  async define(id: string, options: ConnectionOptionsInput): Promise<SharedConnection> {
    normalizeOptions(options); // throws InvalidOptionsError before the old connection is touched
    const old = this.entries.get(id);
    this.entries.delete(id);
    if (old) await old.close();
    const shared = new SharedConnection(id, options, this.factory);
    this.entries.set(id, shared);
    return shared;
  }

  get(id: string): SharedConnection | undefined {
    return this.entries.get(id);
  }

  /** A lease on config node `id`'s connection; connects on the first lease when auto-connect is on. */
  acquire(id: string, owner: LeaseOwner): Lease {
    const shared = this.entries.get(id);
    if (!shared) throw new ClientClosedError(`no broker connection defined for config node ${id}`);
    return shared.acquire(owner);
  }

  /**
   * The config node is closing (redeploy or shutdown; `removed` when deleted): clean close within ~2 s,
   * then forget it. A removed config node's memory-queued messages are dropped.
   */
  async close(id: string, options: { removed?: boolean } = {}): Promise<void> {
    const shared = this.entries.get(id);
    this.entries.delete(id);
    if (options.removed) this.memory.delete(id);
    await shared?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }

  private memoryFor(id: string): MemorySessionData {
    let data = this.memory.get(id);
    if (!data) this.memory.set(id, (data = new MemorySessionData()));
    return data;
  }
}
