// Broker state on disk: a BrokerPersistence on the crash-safe record log of src/store (one file,
// <directory>/broker.log). Keys:
//
//   r/<topic>     retained message (message encoding: persistence-records.ts)
//   s/<clientId>  persistent session: version, expiry (absolute expiresAt when offline), user, subscriptions
//   a/<clientId>  inbound QoS 2 packet ids awaiting PUBREL
//   m/<n>         a message referenced by queued/in-flight copies (stored once however many sessions hold it)
//   o/<seq>       one queued or in-flight copy: client, message n, QoS, RETAIN, subscription ids, packet id, stage
//
// The broker's notifications are staged in memory (the latest state per key wins) and written as one
// atomic record group per event-loop turn, so a crash leaves all of a turn's changes or none, and never a
// copy without its message. whenDurable() returns the commit of everything notified so far; the broker
// acknowledges QoS 1/2 PUBLISH (and PUBREL) only after it (inbound.ts). With fsync 'batch' (the default)
// concurrent publishers share one fsync (group commit). `$SYS/` retained messages are not stored: they
// are regenerated.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordLog, type CompactionOptions, type FsyncPolicy, type LogOp, type RecordLogStats } from '../store/log';
import type { BrokerMessage } from './message';
import type { BrokerPersistence, RestoredState, SessionSnapshot, StoredOutbound } from './persistence';
import {
  RecordDecodeError, decodeMessage, decodeOutbound, decodeSession, encodeMessage, encodeOutbound, encodeSession,
} from './persistence-records';
import type { OutboundEntry } from './session';

export interface FilePersistenceOptions {
  /** Created if missing. */
  directory: string;
  /** 'batch' (default) and 'always': acknowledged state survives power loss; 'none': survives a process
   *  crash (kill -9) but not a power loss. */
  fsync?: FsyncPolicy;
  compaction?: CompactionOptions | 'manual';
  /** Observes compactions of the log (logging, crash tests). */
  onCompaction?: (phase: 'start' | 'end') => void;
  /** Write failures (disk full) and unreadable records skipped on restore. */
  onError?: (error: Error) => void;
  /** After a write failure, the least time between two repairs of the log (RecordLogOptions). Default 1000 ms. */
  repairDelayMs?: number;
}

type Staged = (() => Buffer) | null;

interface Tracked {
  seq: number;
  messageId: number;
  clientId: string;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export const LOG_FILE = 'broker.log';

export class FilePersistence implements BrokerPersistence {
  private readonly staged = new Map<string, Staged>();
  private readonly tracked = new Map<OutboundEntry | StoredOutbound, Tracked>();
  private readonly byClient = new Map<string, Set<OutboundEntry | StoredOutbound>>();
  private readonly messageIds = new Map<BrokerMessage, number>();
  private readonly refs = new Map<number, { message: BrokerMessage; count: number }>();
  private nextSeq = 1;
  private nextMessageId = 1;
  private scheduled = false;
  private commit: Deferred | undefined;
  private lastWrite: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly log: RecordLog, private readonly onError: (error: Error) => void) {}

  static async open(options: FilePersistenceOptions): Promise<FilePersistence> {
    await mkdir(options.directory, { recursive: true });
    const log = await RecordLog.open(join(options.directory, LOG_FILE), {
      fsync: options.fsync ?? 'batch', ...(options.compaction ? { compaction: options.compaction } : {}),
      ...(options.onCompaction ? { onCompaction: options.onCompaction } : {}),
      ...(options.repairDelayMs !== undefined ? { repairDelayMs: options.repairDelayMs } : {}),
    });
    return new FilePersistence(log, options.onError ?? (() => undefined));
  }

  get stats(): RecordLogStats {
    return this.log.stats;
  }

  restore(): RestoredState {
    return restoreFrom(this);
  }

  retainedChanged(topic: string, message: BrokerMessage | undefined): void {
    if (topic.startsWith('$SYS/')) return;
    this.stage(`r/${topic}`, message ? () => encodeMessage(message) : null);
  }

  sessionChanged(snapshot: SessionSnapshot): void {
    this.stage(`s/${snapshot.clientId}`, () => encodeSession(snapshot));
  }

  sessionDeleted(clientId: string): void {
    this.stage(`s/${clientId}`, null);
    this.stage(`a/${clientId}`, null);
    for (const entry of this.byClient.get(clientId) ?? []) this.untrack(entry);
    this.byClient.delete(clientId);
  }

  outboundChanged(clientId: string, entry: OutboundEntry): void {
    let t = this.tracked.get(entry);
    if (!t) t = this.track(clientId, entry, { seq: this.nextSeq++, messageId: this.reference(entry.message) });
    const { messageId } = t;
    this.stage(`o/${t.seq}`, () => encodeOutbound(clientId, messageId, entry));
  }

  outboundRemoved(_clientId: string, entry: OutboundEntry): void {
    this.untrack(entry);
  }

  awaitingReleaseChanged(clientId: string, packetIds: ReadonlySet<number>): void {
    const ids = [...packetIds];
    this.stage(`a/${clientId}`, ids.length > 0 ? () => Buffer.from(JSON.stringify(ids)) : null);
  }

  /** The commit of everything notified so far, or undefined when all of it is already durable. */
  whenDurable(): Promise<void> | undefined {
    if (this.staged.size > 0) return (this.commit ??= deferred()).promise;
    return this.lastWrite;
  }

  async flush(): Promise<void> {
    if (this.staged.size > 0) this.writeStaged();
    await this.lastWrite;
  }

  /** Flushes, then closes the file. Later notifications are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.log.close();
    }
  }

  // ----- used by restoreFrom() -----------------------------------------------------------------------

  /** @internal */ entries(): IterableIterator<[string, Buffer]> {
    return this.log.entries();
  }

  /** @internal */ adopt(clientId: string, stored: StoredOutbound, seq: number, messageId: number): void {
    this.messageIds.set(stored.message, messageId);
    const ref = this.refs.get(messageId) ?? { message: stored.message, count: 0 };
    ref.count++;
    this.refs.set(messageId, ref);
    this.track(clientId, stored, { seq, messageId });
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
    this.nextMessageId = Math.max(this.nextMessageId, messageId + 1);
  }

  /** @internal */ discard(key: string, error?: Error): void {
    if (error) this.onError(error);
    this.stage(key, null);
  }

  /** @internal */ isReferenced(messageId: number): boolean {
    return this.refs.has(messageId);
  }

  // ----- internals -----------------------------------------------------------------------------------

  private track(clientId: string, entry: OutboundEntry | StoredOutbound, ids: { seq: number; messageId: number }): Tracked {
    const t: Tracked = { ...ids, clientId };
    this.tracked.set(entry, t);
    let set = this.byClient.get(clientId);
    if (!set) this.byClient.set(clientId, (set = new Set()));
    set.add(entry);
    return t;
  }

  private untrack(entry: OutboundEntry | StoredOutbound): void {
    const t = this.tracked.get(entry);
    if (!t) return;
    this.tracked.delete(entry);
    this.byClient.get(t.clientId)?.delete(entry);
    this.stage(`o/${t.seq}`, null);
    this.release(t.messageId);
  }

  private reference(message: BrokerMessage): number {
    let id = this.messageIds.get(message);
    if (id === undefined) {
      id = this.nextMessageId++;
      this.messageIds.set(message, id);
      this.refs.set(id, { message, count: 0 });
      this.stage(`m/${id}`, () => encodeMessage(message));
    }
    this.refs.get(id)!.count++;
    return id;
  }

  private release(id: number): void {
    const ref = this.refs.get(id);
    if (!ref || --ref.count > 0) return;
    this.refs.delete(id);
    this.messageIds.delete(ref.message);
    this.stage(`m/${id}`, null);
  }

  private stage(key: string, value: Staged): void {
    if (this.closed) return;
    this.staged.set(key, value);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.writeStaged());
  }

  /** One atomic record group for everything staged; deletes of keys never written are skipped. */
  private writeStaged(): void {
    this.scheduled = false;
    const ops: LogOp[] = [];
    for (const [key, value] of this.staged) {
      if (value) ops.push({ op: 'put', key, value: value() });
      else if (this.log.has(key)) ops.push({ op: 'delete', key });
    }
    this.staged.clear();
    const commit = this.commit;
    this.commit = undefined;
    if (this.closed) return;
    const write = ops.length > 0 ? this.log.write(ops) : this.lastWrite ?? Promise.resolve();
    this.lastWrite = write;
    write.then(() => {
      if (this.lastWrite === write) this.lastWrite = undefined;
      commit?.resolve();
    }, (err: Error) => {
      if (this.lastWrite === write) this.lastWrite = undefined;
      this.onError(err);
      commit?.reject(err);
    });
  }
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type RestoredSession = RestoredState['sessions'][number];

/** Reads the log into the broker's restore format, adopting stored copies and dropping orphans. */
function restoreFrom(p: FilePersistence): RestoredState {
  const retained: BrokerMessage[] = [];
  const sessions = new Map<string, RestoredSession>();
  const awaiting = new Map<string, number[]>();
  const messages = new Map<number, BrokerMessage>();
  const outbound: Array<{ key: string; seq: number; value: Buffer }> = [];
  for (const [key, value] of p.entries()) {
    try {
      const kind = key.slice(0, 2);
      const name = key.slice(2);
      if (kind === 'r/') retained.push(decodeMessage(key, value));
      else if (kind === 's/') sessions.set(name, { ...decodeSession(key, value), outbound: [], awaitingRelease: [] });
      else if (kind === 'a/') awaiting.set(name, parseIds(key, value));
      else if (kind === 'm/') messages.set(Number(name), decodeMessage(key, value));
      else if (kind === 'o/') outbound.push({ key, seq: Number(name), value });
      else p.discard(key);
    } catch (err) {
      p.discard(key, err as Error);
    }
  }
  outbound.sort((a, b) => a.seq - b.seq);
  for (const { key, seq, value } of outbound) {
    let rec;
    try {
      rec = decodeOutbound(key, value);
    } catch (err) {
      p.discard(key, err as Error);
      continue;
    }
    const session = sessions.get(rec.c);
    const message = messages.get(rec.m);
    if (!session || !message) {
      p.discard(key);
      continue;
    }
    const stored: StoredOutbound = {
      message, qos: rec.q, retain: rec.r, subscriptionIds: rec.s, packetId: rec.id, stage: rec.st,
    };
    session.outbound.push(stored);
    p.adopt(rec.c, stored, seq, rec.m);
  }
  for (const id of messages.keys()) if (!p.isReferenced(id)) p.discard(`m/${id}`);
  for (const [clientId, ids] of awaiting) {
    const session = sessions.get(clientId);
    if (session) session.awaitingRelease = ids;
    else p.discard(`a/${clientId}`);
  }
  return { retained, sessions: [...sessions.values()] };
}

function parseIds(key: string, value: Buffer): number[] {
  let ids: unknown;
  try {
    ids = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new RecordDecodeError(key, (err as Error).message);
  }
  if (!Array.isArray(ids) || !ids.every((n) => Number.isInteger(n) && n > 0 && n < 65536)) {
    throw new RecordDecodeError(key, 'bad packet id list');
  }
  return ids as number[];
}
