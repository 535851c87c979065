// Minimal benchmark harness: timed batches, several interleaved samples, median ops/s.

export interface Contender {
  name: string;
  /** Runs `n` operations and returns something derived from the work (kept so it cannot be optimised away). */
  run(n: number): number;
}

let sink = 0;

/** Operations per second of one sample lasting about `ms`. */
function sample(c: Contender, batch: number, ms: number): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms * 1e6);
  let now = start;
  while (now < deadline) {
    sink += c.run(batch);
    ops += batch;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

/** A batch size that takes about 2 ms, so timer reads do not dominate. */
function calibrate(c: Contender): number {
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    sink += c.run(n);
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (dt > 2 || n > 1e7) return n;
    n *= 2;
  }
}

export interface Result {
  name: string;
  opsPerSec: number;
  samples: number[];
}

/** Median ops/s of each contender over `samples` rounds; rounds interleave the contenders. */
export function compare(contenders: Contender[], opts: { samples?: number; ms?: number } = {}): Result[] {
  const samples = opts.samples ?? 7;
  const ms = opts.ms ?? 250;
  const batches = contenders.map((c) => {
    for (let i = 0; i < 3; i++) calibrate(c); // warm up (JIT) before sizing the batch
    return calibrate(c);
  });
  const results: number[][] = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    contenders.forEach((c, i) => results[i].push(sample(c, batches[i], ms)));
  }
  return contenders.map((c, i) => {
    const sorted = [...results[i]].sort((a, b) => a - b);
    return { name: c.name, opsPerSec: sorted[Math.floor(sorted.length / 2)], samples: results[i] };
  });
}

export function sinkValue(): number {
  return sink;
}

export function formatOps(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}
