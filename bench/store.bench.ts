// `npm run bench:store`: durable appends per second of the file session store under each fsync policy,
// with one writer (each write awaited before the next: a single Node-RED flow publishing QoS 1) and with
// 64 concurrent writers (many flows, or one flow bursting). Every write is a putOutgoing of a 256 B
// message, the size of a typical sensor reading with its topic; the memory store is the ceiling.
// Numbers depend on the disk far more than on the code: run it where the store will live
// (--dir=/path), and compare the policies with each other, measured in the same run.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../src/store/file-store';
import type { FsyncPolicy } from '../src/store/log';
import { MemoryStore } from '../src/store/memory-store';
import type { OutgoingRecord, SessionStore } from '../src/store/types';

const PAYLOAD = Buffer.alloc(256 - 16, 0x61);
const LIMITS = { maxMessages: 1e9, maxBytes: 1e15 };

function record(seq: number): OutgoingRecord {
  return { seq, stage: 'queued', topic: 'sensors/room1/t1', payload: PAYLOAD, qos: 1, retain: false };
}

/** Appends for `ms` with `writers` concurrent loops; returns appends/s and fsyncs/s. */
async function measure(store: SessionStore, writers: number, ms: number, fsyncs: () => number): Promise<{ ops: number; syncs: number }> {
  let seq = 1;
  let done = 0;
  const f0 = fsyncs();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(ms * 1e6);
  const loop = async () => {
    while (process.hrtime.bigint() < deadline) {
      const s = seq++;
      await store.putOutgoing(record(s));
      // Keep the live set small, as a session does (messages get acknowledged); deletes are not counted.
      if (s > 1000) void store.removeOutgoing(s - 1000);
      done++;
    }
  };
  await Promise.all(Array.from({ length: writers }, loop));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ops: done / secs, syncs: (fsyncs() - f0) / secs };
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const dirArg = process.argv.find((a) => a.startsWith('--dir='))?.slice(6);
  const ms = quick ? 500 : 2000;
  const dir = await mkdtemp(join(dirArg ?? tmpdir(), 'mqtt-kit-store-bench-'));
  console.log(`store benchmark: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}`);
  console.log(`directory ${dir}; 256 B records; ${ms} ms per cell; higher is better\n`);
  console.log('| store | writers | appends/s | fsyncs/s | vs memory |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  try {
    for (const writers of [1, 64]) {
      const memory = await measure(new MemoryStore({ limits: LIMITS }), writers, ms, () => 0);
      console.log(`| memory | ${writers} | ${fmt(memory.ops)} | - | 1.00x |`);
      for (const policy of ['none', 'batch', 'always'] as FsyncPolicy[]) {
        const store = await FileStore.open(join(dir, `${policy}-${writers}.log`), { fsync: policy, limits: LIMITS });
        const r = await measure(store, writers, ms, () => store.stats.fsyncs);
        await store.close();
        console.log(`| file, fsync ${policy} | ${writers} | ${fmt(r.ops)} | ${policy === 'none' ? '-' : fmt(r.syncs)} | ${(r.ops / memory.ops).toFixed(4)}x |`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
