// The connection pool: one SharedConnection per config node id, in module scope so every node type in
// the bundle shares it. Config nodes define and close their entry; in/out/rpc nodes take leases.
import { ClientClosedError } from './errors';
import type { Lease, LeaseOwner } from './lease';
import type { ConnectionOptionsInput } from './options';
import { SharedConnection, type ConnectionFactory } from './shared-connection';

export class ConnectionPool {
  private readonly entries = new Map<string, SharedConnection>();

  constructor(private readonly factory: ConnectionFactory) {}

  /**
   * Defines (or redefines) the connection of config node `id`. Throws InvalidOptionsError for bad options.
   * Redefining an id whose connection is still open closes the old one first (bounded).
   */
  async define(id: string, options: ConnectionOptionsInput): Promise<SharedConnection> {
    const old = this.entries.get(id);
    if (old) {
      this.entries.delete(id);
      await old.close();
    }
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

  /** The config node is closing (redeploy, removal or shutdown): clean close within ~2 s, then forget it. */
  async close(id: string): Promise<void> {
    const shared = this.entries.get(id);
    if (!shared) return;
    this.entries.delete(id);
    await shared.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.keys()];
    await Promise.all(all.map((id) => this.close(id)));
  }
}
