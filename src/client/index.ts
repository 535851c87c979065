// Public surface of the client layer: the pool the Node-RED nodes share, leases, the connection driver,
// options, transports and errors (docs/client.md).
import { ConnectionPool } from './pool';

export { ConnectionPool } from './pool';
export { Lease, type LeaseOwner, type DeliveryHandler, type LeaseEvents } from './lease';
export { SharedConnection, RELEASE_GRACE_MS, type ConnectionFactory } from './shared-connection';
export { Connection, type ConnectionDeps } from './connection';
export {
  normalizeOptions, generateClientId, DEFAULT_QUEUE,
  type ConnectionOptions, type ConnectionOptionsInput, type QueueOptions, type StoreChoice, type TlsInput,
} from './options';
export type { MessageInput, MessagePropertiesInput, OutgoingMessage, UserPropertiesInput } from './messages';
export { applyBrokerOverrides, type BrokerOverrides, type Reconfiguration } from './reconfigure';
export { planReconnect, DEFAULT_BACKOFF, type BackoffOptions, type ConnectionOutcome, type ReconnectPlan } from './reconnect';
export type { SubscribeOptions, SubscriptionStats } from './subscriptions';
export * from './types';
export * from './errors';
export { openTransport, listenMemory, createMemoryPair, MemoryServerSocket } from './transports';
export type { Endpoint, Transport, TlsSettings } from './transports';

/** The one pool of the bundle: every node type imports this instance. */
export const pool = new ConnectionPool();
