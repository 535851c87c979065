// The session store interface: what the client driver persists so QoS 1/2 messages survive a lost
// connection (memory store) or a process restart (file store). The session engine produces the records;
// the driver applies them in effect order. Both stores pass test/store/contract.ts.
import type { PublishProperties, QoS } from '../codec/types';

/**
 * Where an outgoing message is in its life:
 * - 'queued':  accepted, not sent on any connection yet (no packet id).
 * - 'publish': PUBLISH sent with `packetId`, awaiting PUBACK (QoS 1) or PUBREC (QoS 2).
 * - 'pubrel':  QoS 2 only: PUBREC received and PUBREL sent, awaiting PUBCOMP. The payload is no longer
 *              needed (the PUBLISH is never sent again [MQTT-4.3.3-6]) and is stored empty.
 */
export type OutgoingStage = 'queued' | 'publish' | 'pubrel';

/** One outgoing message as persisted. Records are immutable: a change is a new record with the same seq. */
export interface OutgoingRecord {
  /** Submission order, unique per store; the store key. Sorting by seq reproduces the send order. */
  readonly seq: number;
  readonly stage: OutgoingStage;
  /** Present for 'publish' and 'pubrel'. */
  readonly packetId?: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** As the user gave them; never contains a Topic Alias (aliases do not outlive a connection). */
  readonly properties?: PublishProperties;
  /** Wall-clock ms (Date.now()) after which a still-queued message is dropped (Message Expiry). */
  readonly expiresAt?: number;
}

export interface StoredSession {
  /** Outgoing records sorted by seq. */
  outgoing: OutgoingRecord[];
  /** Packet ids of QoS 2 messages received, delivered and PUBREC'd, awaiting PUBREL. */
  incoming: number[];
}

export interface StoreLimits {
  /** Maximum outgoing records held (queued plus in flight). Default 10000. */
  maxMessages?: number;
  /** Maximum bytes of topic plus payload held in outgoing records. Default 64 MiB. */
  maxBytes?: number;
}

export const DEFAULT_STORE_LIMITS: Required<StoreLimits> = { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Async store of one client session. Every promise resolves when the change is as durable as the store
 * promises (memory: at once; file: per its fsync policy). Operations are applied in call order.
 * A putOutgoing for a new seq beyond the limits rejects with QueueFullError (the engine checks the same
 * limits first; this is the backstop).
 */
export interface SessionStore {
  /** Everything stored, for restoring a session after a restart. */
  load(): Promise<StoredSession>;
  putOutgoing(record: OutgoingRecord): Promise<void>;
  removeOutgoing(seq: number): Promise<void>;
  putIncoming(packetId: number): Promise<void>;
  removeIncoming(packetId: number): Promise<void>;
  /** Forgets every record (outgoing and incoming) atomically. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Bytes a record counts against StoreLimits.maxBytes. */
export function recordBytes(record: Pick<OutgoingRecord, 'topic' | 'payload'>): number {
  return record.topic.length + record.payload.length;
}
