// Seeded random topic filters and every topic of a small alphabet: the brute-force reference that the
// filter algebra (src/topic/overlap.ts) and the pool's grouping (src/client/filter-groups.ts) are tested
// against with matchTopic.

// Literals include '' (an empty level) and a '$' level; 'z' stands for "any other level".
const LITERALS = ['a', 'b', '', '$s'];
const TOPIC_LEVELS = [...LITERALS, 'z'];
const MAX_FILTER_LEVELS = 4;

/** Every topic of up to MAX_FILTER_LEVELS + 1 levels over TOPIC_LEVELS (enough to witness any overlap). */
export const TOPICS: readonly string[] = (() => {
  const out: string[] = [];
  let layer: string[][] = [[]];
  for (let n = 1; n <= MAX_FILTER_LEVELS + 1; n++) {
    layer = layer.flatMap((prefix) => TOPIC_LEVELS.map((l) => [...prefix, l]));
    out.push(...layer.map((levels) => levels.join('/')));
  }
  return out;
})();

export function randomFilter(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * MAX_FILTER_LEVELS);
  const levels: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (i === n - 1 && r < 0.2) levels.push('#');
    else if (r < 0.45) levels.push('+');
    else levels.push(LITERALS[Math.floor(rnd() * LITERALS.length)]!);
  }
  return levels.join('/');
}

export const SEED = 0x5eed_2024;
