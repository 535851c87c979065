// Crash-safe session store on the record log: one log file per client session. Keys are "o:<seq>" for
// outgoing records (value: ./record-codec.ts) and "i:<packetId>" for incoming QoS 2 ids (empty value).
import { join } from 'node:path';
import { QueueFullError } from '../session/errors';
import { crc32 } from './crc32';
import { RecordLog, type CompactionOptions, type FsyncPolicy } from './log';
import { decodeOutgoing, encodeOutgoing } from './record-codec';
import { DEFAULT_STORE_LIMITS, recordBytes, type OutgoingRecord, type SessionStore, type StoreLimits, type StoredSession } from './types';

export interface FileStoreOptions {
  /** Default 'batch' (group commit): a write resolves once fsynced, concurrent writes share an fsync. */
  fsync?: FsyncPolicy;
  compaction?: CompactionOptions | 'manual';
  limits?: StoreLimits;
  onCompaction?: (phase: 'start' | 'end') => void;
  /** After an I/O error, the least time between two repairs of the file (RecordLogOptions). Default 1000 ms. */
  repairDelayMs?: number;
}

const EMPTY = Buffer.alloc(0);
const outKey = (seq: number): string => `o:${seq}`;
const inKey = (packetId: number): string => `i:${packetId}`;

export class FileStore implements SessionStore {
  /** Bytes each outgoing record counts against the limits, by seq. */
  private readonly sizes = new Map<number, number>();
  private bytes = 0;
  private readonly limits: Required<StoreLimits>;

  private constructor(private readonly log: RecordLog, limits: StoreLimits | undefined) {
    this.limits = { ...DEFAULT_STORE_LIMITS, ...limits };
  }

  /** Opens or creates the store file at `path`, recovering from a crash if needed. */
  static async open(path: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const log = await RecordLog.open(path, {
      fsync: options.fsync ?? 'batch',
      compaction: options.compaction ?? { minBytes: 256 * 1024 },
      onCompaction: options.onCompaction,
      repairDelayMs: options.repairDelayMs,
    });
    const store = new FileStore(log, options.limits);
    for (const record of store.decodeAll()) store.track(record.seq, recordBytes(record));
    return store;
  }

  /** The underlying log's counters (file size, fsyncs, compactions, bytes discarded on recovery). */
  get stats(): RecordLog['stats'] {
    return this.log.stats;
  }

  async load(): Promise<StoredSession> {
    const outgoing = this.decodeAll().sort((a, b) => a.seq - b.seq);
    const incoming: number[] = [];
    for (const key of this.log.keys()) if (key.startsWith('i:')) incoming.push(Number(key.slice(2)));
    return { outgoing, incoming };
  }

  putOutgoing(record: OutgoingRecord): Promise<void> {
    const size = recordBytes(record);
    const old = this.sizes.get(record.seq);
    if (old === undefined) {
      if (this.sizes.size >= this.limits.maxMessages) return Promise.reject(new QueueFullError('messages', this.limits.maxMessages));
      if (this.bytes + size > this.limits.maxBytes) return Promise.reject(new QueueFullError('bytes', this.limits.maxBytes));
    }
    const done = this.log.put(outKey(record.seq), encodeOutgoing(record));
    this.track(record.seq, size);
    return done;
  }

  removeOutgoing(seq: number): Promise<void> {
    const old = this.sizes.get(seq);
    if (old !== undefined) {
      this.sizes.delete(seq);
      this.bytes -= old;
    }
    return this.log.delete(outKey(seq));
  }

  putIncoming(packetId: number): Promise<void> {
    return this.log.put(inKey(packetId), EMPTY);
  }

  removeIncoming(packetId: number): Promise<void> {
    return this.log.delete(inKey(packetId));
  }

  clear(): Promise<void> {
    this.sizes.clear();
    this.bytes = 0;
    return this.log.clear();
  }

  /** Rewrites the file to hold only live records (also happens automatically past the thresholds). */
  compact(): Promise<void> {
    return this.log.compact();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private track(seq: number, size: number): void {
    this.bytes += size - (this.sizes.get(seq) ?? 0);
    this.sizes.set(seq, size);
  }

  private decodeAll(): OutgoingRecord[] {
    const out: OutgoingRecord[] = [];
    for (const [key, value] of this.log.entries()) {
      if (key.startsWith('o:')) out.push(decodeOutgoing(Number(key.slice(2)), value));
    }
    return out;
  }
}

/**
 * A file name for a client's store in `dir`: the client id made safe for every file system, plus a
 * checksum of the exact id so two ids that sanitize alike still get different files.
 */
export function sessionStorePath(dir: string, clientId: string): string {
  const safe = clientId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'client';
  const sum = crc32(Buffer.from(clientId, 'utf8')).toString(16).padStart(8, '0');
  return join(dir, `${safe}-${sum}.mqkit-session`);
}
