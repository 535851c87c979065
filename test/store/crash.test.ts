// Crash safety of the file store, for real: a child process writes as fast as it can and reports every
// acknowledged write on stdout; we SIGKILL it at a seeded random moment (some kills aimed at a running
// compaction), reopen the store and check that every acknowledged write is there, intact, and that
// nothing unknown or corrupt appeared. The same file is carried through all iterations, so each recovery
// starts from a file that was itself recovered and compacted before.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileStore } from '../../src/store/file-store';
import type { FsyncPolicy } from '../../src/store/log';
import type { OutgoingRecord } from '../../src/store/types';
import { prng } from '../prng';
import { putSteps, recordAt } from './crash-script';

const SEED = Number(process.env.MQKIT_CRASH_SEED ?? 20240611);
const ITERATIONS = 8;
const PRELOAD = 1500; // ~2 MB of live records, so a compaction takes long enough to be hit
const POLICIES: FsyncPolicy[] = ['batch', 'always', 'none'];

interface ChildRun {
  /** Last acknowledged put step per seq (0: issued, nothing acknowledged), or 'D' once deleted. */
  acked: Map<number, number | 'D'>;
  maxSeq: number;
  killedInCompaction: boolean;
}

function runChild(path: string, seed: number, fsync: FsyncPolicy, firstSeq: number, preload: number,
  kill: { afterMs: number } | { onCompaction: number }): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-child.ts'),
    path, String(seed), fsync, String(firstSeq), String(preload)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ChildRun = { acked: new Map(), maxSeq: firstSeq + preload - 1, killedInCompaction: false };
  let stderr = '';
  let compacting = false;
  let compactions = 0;
  let ready = false;
  const doKill = () => {
    run.killedInCompaction = compacting;
    child.kill('SIGKILL');
  };
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [tag, a, b] = line.split(' ');
    if (tag === 'READY') {
      ready = true;
      if ('afterMs' in kill) setTimeout(doKill, kill.afterMs);
    } else if (tag === 'I') {
      run.acked.set(Number(a), 0);
      run.maxSeq = Math.max(run.maxSeq, Number(a));
    } else if (tag === 'A') {
      run.acked.set(Number(a), b === 'D' ? 'D' : Number(b));
    } else if (tag === 'C') {
      compacting = a === 'start';
      if (a === 'start' && 'onCompaction' in kill && ++compactions === kill.onCompaction) setImmediate(doKill);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || !ready) reject(new Error(`child ended unexpectedly (${code ?? signal}): ${stderr}`));
      else resolve(run);
    });
  });
}

/** The record states the store may hold for a seq whose last acknowledged step is `acked`. */
function allowed(seq: number, acked: number | 'D'): Array<OutgoingRecord | undefined> {
  if (acked === 'D') return [undefined];
  const next = acked === putSteps(seq) ? undefined : recordAt(seq, acked + 1); // undefined: the delete
  return acked === 0 ? [undefined, next] : [recordAt(seq, acked), next];
}

describe('store/file-store crash safety (SIGKILL)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqkit-crash-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged write and nothing corrupt across ${ITERATIONS} seeded kills, some during compaction (seed ${SEED})`, async () => {
    const rnd = prng(SEED);
    const path = join(dir, 'session.log');
    /** What the store holds for seqs of finished iterations: they are never written again. */
    const settled = new Map<number, OutgoingRecord>();
    let firstSeq = 1;
    let midCompaction = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const fsync = POLICIES[i % POLICIES.length]!;
      const kill = i % 2 === 0 ? { afterMs: 20 + Math.floor(rnd() * 300) } : { onCompaction: 1 + Math.floor(rnd() * 3) };
      const preload = i === 0 ? PRELOAD : 0;
      const run = await runChild(path, Math.floor(rnd() * 2 ** 31), fsync, firstSeq, preload, kill);
      if (existsSync(`${path}.compact`)) midCompaction++;
      for (let s = firstSeq; s < firstSeq + preload; s++) run.acked.set(s, 1);

      const store = await FileStore.open(path, { compaction: 'manual', limits: { maxMessages: 1e9, maxBytes: 1e12 } });
      const found = new Map((await store.load()).outgoing.map((r) => [r.seq, r]));
      await store.close();
      const where = `iteration ${i} (${fsync}, ${JSON.stringify(kill)}, seed ${SEED})`;
      for (const [seq, rec] of settled) assert.deepEqual(found.get(seq), rec, `settled seq ${seq} changed, ${where}`);
      for (const [seq, acked] of run.acked) {
        const got = found.get(seq);
        const ok = allowed(seq, acked).some((want) => (want === undefined ? got === undefined : got !== undefined && sameRecord(got, want)));
        assert.ok(ok, `seq ${seq} acked ${acked} but store has ${got ? `${got.stage} (${got.payload.length} bytes)` : 'nothing'}, ${where}`);
        if (got) settled.set(seq, got);
      }
      for (const seq of found.keys()) assert.ok(settled.has(seq), `unknown seq ${seq} in store, ${where}`);
      if (process.env.MQKIT_CRASH_DEBUG) console.log(where, "acked", run.acked.size, "found", found.size, "killedWhileCompacting", run.killedInCompaction, "tempFilesSeen", midCompaction);
      firstSeq = run.maxSeq + 1;
    }
    assert.ok(midCompaction >= 1, `no kill landed inside a compaction (temp file never left behind)`);
  });
});

function sameRecord(a: OutgoingRecord, b: OutgoingRecord): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
