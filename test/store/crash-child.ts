// Child process of crash.test.ts (not a test file). Writes to a FileStore as fast as it can and prints a
// line for every operation the store acknowledged, until the parent kills it with SIGKILL.
//   argv: <path> <seed> <fsync> <firstSeq> <preload>
//   stdout: "READY" after the preload; "I <seq>" when a record's first put is issued;
//           "A <seq> <step>" when put step <step> resolved; "A <seq> D" when its delete resolved;
//           "C start" / "C end" around compactions.
import { FileStore } from '../../src/store/file-store';
import type { FsyncPolicy } from '../../src/store/log';
import { prng } from '../prng';
import { putSteps, recordAt } from './crash-script';

const [path, seedArg, fsync, firstSeqArg, preloadArg] = process.argv.slice(2);
const rnd = prng(Number(seedArg));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function lane(store: FileStore, next: () => number): Promise<never> {
  for (;;) {
    const seq = next();
    out(`I ${seq}`);
    for (let step = 1; step <= putSteps(seq); step++) {
      await store.putOutgoing(recordAt(seq, step));
      out(`A ${seq} ${step}`);
    }
    await store.removeOutgoing(seq);
    out(`A ${seq} D`);
  }
}

async function compactor(store: FileStore): Promise<never> {
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 40)));
    await store.compact();
  }
}

async function main(): Promise<void> {
  const store = await FileStore.open(path!, {
    fsync: fsync as FsyncPolicy, compaction: 'manual', limits: { maxMessages: 1e9, maxBytes: 1e12 },
    onCompaction: (phase) => out(`C ${phase}`),
  });
  let seq = Number(firstSeqArg);
  const preload = Number(preloadArg);
  const stable: Promise<void>[] = [];
  for (let i = 0; i < preload; i++) stable.push(store.putOutgoing(recordAt(seq++, 1)));
  await Promise.all(stable);
  out('READY');
  const next = () => seq++;
  const lanes = 1 + Math.floor(rnd() * 48);
  await Promise.race([compactor(store), ...Array.from({ length: lanes }, () => lane(store, next))]);
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-child failed: ${String(error)}\n`);
  process.exit(1);
});
