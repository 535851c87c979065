// In-memory session store: QoS 1/2 state survives a lost connection (the session object lives on) but not a
// process restart. Passing the same MemorySessionData to a new MemoryStore models "reopening" it.
import { QueueFullError } from '../session/errors';
import { DEFAULT_STORE_LIMITS, recordBytes, type OutgoingRecord, type SessionStore, type StoreLimits, type StoredSession } from './types';

/** The records themselves; outlives a MemoryStore so a store can be closed and opened again in-process. */
export class MemorySessionData {
  readonly outgoing = new Map<number, OutgoingRecord>();
  readonly incoming = new Set<number>();
  bytes = 0;
}

export interface MemoryStoreOptions {
  limits?: StoreLimits;
  data?: MemorySessionData;
}

export class MemoryStore implements SessionStore {
  private readonly data: MemorySessionData;
  private readonly limits: Required<StoreLimits>;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.data = options.data ?? new MemorySessionData();
    this.limits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
  }

  async load(): Promise<StoredSession> {
    this.check();
    const outgoing = [...this.data.outgoing.values()].sort((a, b) => a.seq - b.seq);
    return { outgoing, incoming: [...this.data.incoming] };
  }

  async putOutgoing(record: OutgoingRecord): Promise<void> {
    this.check();
    const { outgoing } = this.data;
    const old = outgoing.get(record.seq);
    const bytes = this.data.bytes - (old ? recordBytes(old) : 0) + recordBytes(record);
    if (!old) {
      if (outgoing.size >= this.limits.maxMessages) throw new QueueFullError('messages', this.limits.maxMessages);
      if (bytes > this.limits.maxBytes) throw new QueueFullError('bytes', this.limits.maxBytes);
    }
    outgoing.set(record.seq, record);
    this.data.bytes = bytes;
  }

  async removeOutgoing(seq: number): Promise<void> {
    this.check();
    const old = this.data.outgoing.get(seq);
    if (!old) return;
    this.data.outgoing.delete(seq);
    this.data.bytes -= recordBytes(old);
  }

  async putIncoming(packetId: number): Promise<void> {
    this.check();
    this.data.incoming.add(packetId);
  }

  async removeIncoming(packetId: number): Promise<void> {
    this.check();
    this.data.incoming.delete(packetId);
  }

  async clear(): Promise<void> {
    this.check();
    this.data.outgoing.clear();
    this.data.incoming.clear();
    this.data.bytes = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('memory store is closed');
  }
}
