// A crash-safe, append-only key/value record log: the storage engine under the file session store, and
// reusable by the broker for retained messages and persistent sessions.
//
// The whole live state is kept in memory (a Map), every change is appended as a checksummed record, and a
// write's promise resolves once the record is as durable as the fsync policy promises. Recovery replays
// the valid records and cuts off a torn tail. Compaction rewrites the live state into a temporary file,
// fsyncs it, renames it over the log and fsyncs the directory, so a crash at any point leaves either the
// old complete log or the new complete one. After an I/O error (disk full) the file may lag behind the
// in-memory state or end in a partial record, so nothing more is appended to it: the next write first
// repairs the log by rewriting the whole live state the way compaction does, at most once per
// `repairDelayMs`, and writes fail until a repair succeeds. Format: ./log-format.ts; design: docs/session.md.
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  HEADER_SIZE, checkHeader, encodeHeader, encodeRecord, putRecordSize, scanRecords, type DecodedOp, type LogOp,
} from './log-format';

export type { LogOp } from './log-format';

/**
 * When a write is reported durable:
 * - 'always': each record is written and fsynced on its own before its promise resolves.
 * - 'batch':  group commit: every record waiting while the previous fsync ran is written with one write and
 *             one fsync; same durability as 'always', far fewer fsyncs under concurrency.
 * - 'none':   resolves after the write reaches the OS; survives a process crash, not a power loss.
 */
export type FsyncPolicy = 'always' | 'batch' | 'none';

export interface CompactionOptions {
  /** Do not compact a log smaller than this many bytes. Default 1 MiB. */
  minBytes?: number;
  /** Compact when the file is this many times larger than the live data. Default 2. */
  ratio?: number;
}

export interface RecordLogOptions {
  fsync?: FsyncPolicy;
  /** Automatic compaction thresholds, or 'manual' to compact only when `compact()` is called. */
  compaction?: CompactionOptions | 'manual';
  /** Observes compaction progress (tests and logging). */
  onCompaction?: (phase: 'start' | 'end') => void;
  /** After an I/O error, the least time between two attempts to repair the file. Default 1000 ms. */
  repairDelayMs?: number;
}

export interface RecordLogStats {
  fileBytes: number;
  liveBytes: number;
  keys: number;
  records: number;
  fsyncs: number;
  compactions: number;
  /** Times the file was rewritten from the live state after an I/O error. */
  repairs: number;
  /** Bytes cut off the end of the file when it was opened (a torn or corrupt tail). */
  discardedBytes: number;
}

/** The file exists but is not a record log (wrong magic or version): it is left untouched. */
export class LogFormatError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not an mqtt-kit record log`);
    this.name = 'LogFormatError';
  }
}

/** The log was closed, or a write failed: an I/O error, or an earlier one not repaired yet. */
export class LogUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogUnavailableError';
  }
}

interface PendingWrite {
  buf: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

const DEFAULT_COMPACTION: Required<CompactionOptions> = { minBytes: 1 << 20, ratio: 2 };
const COMPACT_CHUNK = 1 << 20;

export class RecordLog {
  private readonly map = new Map<string, Buffer>();
  private readonly policy: FsyncPolicy;
  private readonly compaction: Required<CompactionOptions> | undefined;
  private readonly onCompaction: ((phase: 'start' | 'end') => void) | undefined;
  private fh!: FileHandle;
  private size = 0;
  private liveBytes = 0;
  private pending: PendingWrite[] = [];
  private running = false;
  private compactWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private idleWaiters: Array<() => void> = [];
  /** The I/O error that stopped appends; cleared by a successful repair. */
  private failure: Error | undefined;
  /** Date.now() before which no repair is tried (failing writes do not hammer a full disk). */
  private repairAt = 0;
  private readonly repairDelayMs: number;
  private closed = false;
  private readonly counters = { records: 0, fsyncs: 0, compactions: 0, repairs: 0, discardedBytes: 0 };

  private constructor(readonly path: string, options: RecordLogOptions) {
    this.policy = options.fsync ?? 'batch';
    this.compaction = options.compaction === 'manual' ? undefined : { ...DEFAULT_COMPACTION, ...options.compaction };
    this.onCompaction = options.onCompaction;
    this.repairDelayMs = options.repairDelayMs ?? 1000;
  }

  /** Opens (creating if needed) and recovers the log at `path`. */
  static async open(path: string, options: RecordLogOptions = {}): Promise<RecordLog> {
    const log = new RecordLog(path, options);
    await log.recover();
    return log;
  }

  get(key: string): Buffer | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get keyCount(): number {
    return this.map.size;
  }

  /** Live entries in the order their keys were first written since the last clear. */
  entries(): IterableIterator<[string, Buffer]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  get stats(): RecordLogStats {
    return { fileBytes: this.size, liveBytes: this.liveBytes, keys: this.map.size, ...this.counters };
  }

  /**
   * Stores `value` under `key`. The value is copied; reads see it at once, the promise says durable. A
   * rejected write stays in the live state, so a later repair may still make it durable: a caller that
   * gives up on it deletes the key (as the session does for a message it failed).
   */
  put(key: string, value: Uint8Array): Promise<void> {
    return this.write([{ op: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    if (!this.map.has(key)) return this.closed ? this.unavailable() : Promise.resolve();
    return this.write([{ op: 'delete', key }]);
  }

  clear(): Promise<void> {
    return this.write([{ op: 'clear' }]);
  }

  /** Applies `ops` as one atomic record: after a crash either all of them are present or none. */
  write(ops: readonly LogOp[]): Promise<void> {
    if (this.closed) return this.unavailable();
    if (ops.length === 0) return Promise.resolve();
    let encoded: ReturnType<typeof encodeRecord>;
    try {
      encoded = encodeRecord(ops);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const { buf, values } = encoded;
    let v = 0;
    for (const op of ops) {
      if (op.op === 'put') this.apply({ op: 'put', key: op.key, value: values[v++]! });
      else this.apply(op);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ buf, resolve, reject });
      this.kick();
    });
  }

  /**
   * Rewrites the log to hold only live records. Resolves when the new file is in place and durable. After
   * an I/O error this is a repair, tried at once.
   */
  compact(): Promise<void> {
    if (this.closed) return this.unavailable();
    return new Promise<void>((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Waits for every accepted write to finish, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.running) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.fh.close();
  }

  private unavailable(): Promise<never> {
    return Promise.reject(new LogUnavailableError(`record log ${this.path} is closed`));
  }

  private apply(op: DecodedOp): void {
    if (op.op === 'clear') {
      this.map.clear();
      this.liveBytes = 0;
      return;
    }
    const old = this.map.get(op.key);
    if (old !== undefined) this.liveBytes -= putRecordSize(op.key, old.length);
    if (op.op === 'delete') {
      this.map.delete(op.key);
      return;
    }
    this.map.set(op.key, op.value);
    this.liveBytes += putRecordSize(op.key, op.value.length);
  }

  private async recover(): Promise<void> {
    await rm(this.tempPath(), { force: true });
    const data = await readFile(this.path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return Buffer.alloc(0);
      throw e;
    });
    const header = checkHeader(data);
    if (header === 'foreign') throw new LogFormatError(this.path);
    if (header === 'empty') {
      await this.writeFileAtomically([encodeHeader()]);
      this.fh = await open(this.path, 'r+');
      this.size = HEADER_SIZE;
      return;
    }
    const { records, validEnd } = scanRecords(data);
    // Copy values out so the live state does not pin the whole file buffer (dead records included).
    for (const ops of records) {
      for (const op of ops) this.apply(op.op === 'put' ? { op: 'put', key: op.key, value: Buffer.from(op.value) } : op);
    }
    this.fh = await open(this.path, 'r+');
    this.size = validEnd;
    if (validEnd < data.length) {
      // Cut the torn tail so new records are not appended after garbage that recovery would stop at.
      this.counters.discardedBytes = data.length - validEnd;
      await this.fh.truncate(validEnd);
      await this.fh.sync();
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0 || this.compactWaiters.length > 0) {
        if (this.failure) {
          await this.repair();
          continue;
        }
        if (this.pending.length > 0) await this.flush();
        if (!this.failure && (this.compactWaiters.length > 0 || this.compactionDue())) await this.runCompaction();
      }
    } finally {
      this.running = false;
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async flush(): Promise<void> {
    const batch = this.policy === 'always' ? this.pending.splice(0, 1) : this.pending.splice(0);
    try {
      const bufs = batch.map((w) => w.buf);
      const { bytesWritten } = await this.fh.writev(bufs, this.size);
      const total = bufs.reduce((n, b) => n + b.length, 0);
      if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
      this.size += total;
      this.counters.records += batch.length;
      if (this.policy !== 'none') {
        await this.fh.datasync();
        this.counters.fsyncs++;
      }
    } catch (error) {
      this.fail(error as Error, batch);
      return;
    }
    for (const w of batch) w.resolve();
  }

  private fail(error: Error, batch: PendingWrite[]): void {
    this.failure ??= error;
    this.repairAt = Date.now() + this.repairDelayMs;
    const wrapped = new LogUnavailableError(`record log ${this.path} write failed: ${error.message}`, { cause: error });
    for (const w of [...batch, ...this.pending.splice(0)]) w.reject(wrapped);
    for (const c of this.compactWaiters.splice(0)) c.reject(wrapped);
  }

  private compactionDue(): boolean {
    const c = this.compaction;
    return c !== undefined && this.size >= c.minBytes && this.size > (HEADER_SIZE + this.liveBytes) * c.ratio;
  }

  private async runCompaction(): Promise<void> {
    const waiters = this.compactWaiters.splice(0);
    try {
      this.onCompaction?.('start');
      // It may include records still waiting in `pending`; those are appended again after the rename, and
      // replaying them over the snapshot is idempotent (the last write per key wins either way).
      await this.rewrite();
      this.counters.compactions++;
      this.onCompaction?.('end');
    } catch (error) {
      this.fail(error as Error, []);
      for (const w of waiters) w.reject(error as Error);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /**
   * After an I/O error: rewrites the live state (which includes every waiting write) into a fresh file and
   * resolves the waiting writes and compactions, or rejects them when the repair is not due yet (an
   * explicit compact() makes it due) or fails again. Writes that arrive meanwhile are appended afterwards.
   */
  private async repair(): Promise<void> {
    const writes = this.pending.splice(0);
    const compactions = this.compactWaiters.splice(0);
    const waiters = [...writes, ...compactions];
    const cause = this.failure!;
    if (compactions.length === 0 && Date.now() < this.repairAt) {
      const error = new LogUnavailableError(
        `record log ${this.path} cannot write since an I/O error (${cause.message}); a repair is tried every ${this.repairDelayMs} ms`,
        { cause },
      );
      for (const w of waiters) w.reject(error);
      return;
    }
    try {
      await this.rewrite();
    } catch (error) {
      this.repairAt = Date.now() + this.repairDelayMs;
      const wrapped = new LogUnavailableError(
        `record log ${this.path} could not be repaired after an I/O error (${cause.message}): ${(error as Error).message}`,
        { cause: error },
      );
      for (const w of waiters) w.reject(wrapped);
      return;
    }
    this.failure = undefined;
    this.counters.repairs++;
    for (const w of waiters) w.resolve();
  }

  /**
   * Replaces the file with a snapshot of the live state, taken in one synchronous step so that it never
   * holds half of an atomic group, and appends continue on the new file.
   */
  private async rewrite(): Promise<void> {
    const size = await this.writeFileAtomically(snapshotChunks([...this.map]));
    const replaced = this.fh;
    this.fh = await open(this.path, 'r+');
    this.size = size;
    // The old handle is of a file that is no longer the log: an error closing it changes nothing.
    await replaced.close().catch(() => undefined);
  }

  /** temp file -> write -> fsync -> rename over the log -> fsync directory. Returns the file size. */
  private async writeFileAtomically(chunks: Iterable<Buffer>): Promise<number> {
    const tmp = this.tempPath();
    const fh = await open(tmp, 'w');
    let size = 0;
    try {
      try {
        for (const chunk of chunks) {
          await fh.write(chunk, 0, chunk.length, size);
          size += chunk.length;
        }
        await fh.sync();
        this.counters.fsyncs++;
      } finally {
        await fh.close();
      }
    } catch (error) {
      // A half-written copy would only take the space a full disk needs back.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw error;
    }
    await rename(tmp, this.path);
    await fsyncDirectory(dirname(this.path));
    this.counters.fsyncs++;
    return size;
  }

  private tempPath(): string {
    return `${this.path}.compact`;
  }
}

/** The live state as a header and PUT records, grouped into buffers of about COMPACT_CHUNK bytes. */
function* snapshotChunks(entries: Array<[string, Buffer]>): Generator<Buffer> {
  yield encodeHeader();
  let group: LogOp[] = [];
  let groupBytes = 0;
  for (const [key, value] of entries) {
    group.push({ op: 'put', key, value });
    groupBytes += value.length + key.length;
    if (groupBytes >= COMPACT_CHUNK) {
      yield concatRecords(group);
      group = [];
      groupBytes = 0;
    }
  }
  if (group.length > 0) yield concatRecords(group);
}

/** One PUT record per entry, concatenated (each keeps its own checksum, so recovery is unchanged). */
function concatRecords(ops: LogOp[]): Buffer {
  return Buffer.concat(ops.map((op) => encodeRecord([op]).buf));
}

/** Makes a rename durable. Some platforms (Windows) cannot open or fsync a directory: nothing to do there. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (process.platform === 'win32' || code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL') return;
    throw error;
  } finally {
    await fh?.close();
  }
}
