// The contract between the mqtt-broker-config node and the nodes that use it (mqtt-in, mqtt-out, and the
// mqtt-rpc and embedded-broker nodes written later): a user node finds its config node and asks it for a
// lease; everything else goes through the lease (src/client/lease.ts).
import type { Lease } from '../../client/lease';
import { kitError, type Translate } from './errors';
import type { Node, NodeAPI } from './red';

/** What an mqtt-broker-config node offers its users. */
export interface BrokerConfigNode extends Node {
  /**
   * A lease on this config node's connection for `user` (one per user node; release it on close).
   * Throws an MqttKitError (INVALID_BROKER) when the configuration cannot be used, naming why.
   */
  acquire(user: Node): Lease;
}

export type Acquired = { ok: true; lease: Lease; broker: BrokerConfigNode } | { ok: false; error: Error };

/** Finds the config node a user node selected and leases its connection, or says why it cannot. */
export function acquireLease(RED: NodeAPI, user: Node, brokerId: unknown, t: Translate): Acquired {
  const broker = typeof brokerId === 'string' && brokerId ? (RED.nodes.getNode(brokerId) as BrokerConfigNode | null) : null;
  if (!broker || typeof broker.acquire !== 'function') return { ok: false, error: kitError(t, 'NO_BROKER') };
  try {
    return { ok: true, lease: broker.acquire(user), broker };
  } catch (err) {
    return { ok: false, error: err as Error };
  }
}
