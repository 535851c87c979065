// The seam for durable broker state. The broker's live state is in memory; a persistence implementation
// mirrors it through these change notifications and hands it back on start. Notifications are called
// synchronously right after the in-memory change, in order; an implementation batches them (for example
// onto the crash-safe record log of src/store) and makes them durable by the time flush() resolves.
// Without a persistence object the broker keeps everything in memory only.

import type { ProtocolVersion } from '../codec/types';
import type { Awaitable } from './hooks';
import type { BrokerMessage } from './message';
import type { SubscriptionRecord } from './router';
import type { OutboundEntry } from './session';

export interface SessionSnapshot {
  clientId: string;
  version: ProtocolVersion;
  /** Seconds; 0xFFFFFFFF never expires. */
  expiryInterval: number;
  subscriptions: SubscriptionRecord[];
  /** User name of the client that owns the session. */
  username?: string | undefined;
  /** Epoch ms at which the offline session expires (absent while connected or when it never expires):
   *  a restored session keeps its remaining time. */
  expiresAt?: number | undefined;
}

/** A QoS 1/2 message queued for or in flight to a client, as stored. */
export interface StoredOutbound {
  message: BrokerMessage;
  qos: 1 | 2;
  retain: boolean;
  subscriptionIds: number[] | undefined;
  packetId: number;
  stage: OutboundEntry['stage'];
}

export interface RestoredState {
  retained: BrokerMessage[];
  sessions: Array<SessionSnapshot & { outbound: StoredOutbound[]; awaitingRelease: number[] }>;
}

export interface BrokerPersistence {
  /** Called once before the broker accepts connections. The StoredOutbound objects returned become the
   *  session's OutboundEntry objects (same identity in later outboundChanged / outboundRemoved calls). */
  restore(): Awaitable<RestoredState>;
  /** message undefined: the topic's retained message was deleted. */
  retainedChanged(topic: string, message: BrokerMessage | undefined): void;
  /** A persistent session was created or its subscriptions or expiry changed. */
  sessionChanged(snapshot: SessionSnapshot): void;
  /** The session ended (expired, clean start, or a clean 3.1.1 session disconnected). */
  sessionDeleted(clientId: string): void;
  /** An outbound entry of a persistent session was queued, sent or moved to PUBREL (same object each time). */
  outboundChanged(clientId: string, entry: OutboundEntry): void;
  /** The entry was acknowledged, dropped or redistributed. */
  outboundRemoved(clientId: string, entry: OutboundEntry): void;
  /** Inbound QoS 2 packet ids awaiting PUBREL changed. */
  awaitingReleaseChanged(clientId: string, packetIds: ReadonlySet<number>): void;
  /** Resolves when every notification so far is durable; called on close. */
  flush(): Promise<void>;
  /**
   * Optional: a promise for the durability of every notification so far, or undefined when nothing is
   * pending. When implemented, PUBACK / PUBREC / PUBCOMP to a client wait for it (in order), so an
   * acknowledged message is on disk. Without it acknowledgements are write-behind.
   */
  whenDurable?(): Promise<void> | undefined;
}
