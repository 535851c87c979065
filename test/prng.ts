// The seeded PRNG every randomized test uses (codec fuzz, topic filters, trie, store and broker crash runs,
// the session model): the same seed gives the same run, so a failure can be replayed from its seed.

/** mulberry32: small and fast, good enough to pick sizes, delays, filters and kill points; returns [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
