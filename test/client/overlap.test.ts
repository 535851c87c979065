// Filter algebra of the subscription planner: overlap, covering, and the grouping fixpoint. The property
// tests compare with brute force over every topic of a small alphabet (matchTopic, the reference matcher).
import assert from 'node:assert/strict';
import { FilterGroups } from '../../src/client/filter-groups';
import { coveringFilter, filterCovers, filtersOverlap } from '../../src/client/overlap';
import { matchTopic } from '../../src/topic';

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Literals include '' (an empty level) and a '$' level; 'z' stands for "any other level".
const LITERALS = ['a', 'b', '', '$s'];
const TOPIC_LEVELS = [...LITERALS, 'z'];
const MAX_FILTER_LEVELS = 4;

/** Every topic of up to MAX_FILTER_LEVELS + 1 levels over TOPIC_LEVELS (enough to witness any overlap). */
const TOPICS: string[] = (() => {
  const out: string[] = [];
  let layer: string[][] = [[]];
  for (let n = 1; n <= MAX_FILTER_LEVELS + 1; n++) {
    layer = layer.flatMap((prefix) => TOPIC_LEVELS.map((l) => [...prefix, l]));
    out.push(...layer.map((levels) => levels.join('/')));
  }
  return out;
})();

function randomFilter(rnd: () => number): string {
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

const SEED = 0x5eed_2024;

describe('client subscription planner: filter overlap and covering', () => {
  it('overlap agrees with brute force over every topic, for 1,500 seeded random filter pairs [MQTT-4.7.2-1] [v5 MQTT-4.7.1-1] [v5 MQTT-4.7.1-2]', () => {
    const rnd = prng(SEED);
    let overlapping = 0;
    for (let i = 0; i < 1500; i++) {
      const a = randomFilter(rnd);
      const b = randomFilter(rnd);
      const witness = TOPICS.find((t) => matchTopic(a, t) && matchTopic(b, t));
      assert.equal(filtersOverlap(a, b), witness !== undefined, `overlap(${JSON.stringify(a)}, ${JSON.stringify(b)}), witness ${witness}`);
      assert.equal(filtersOverlap(b, a), witness !== undefined, 'symmetric');
      if (witness !== undefined) overlapping++;
    }
    assert.ok(overlapping > 300 && overlapping < 1200, `both outcomes well represented (${overlapping} overlapping)`);
  });

  it('the covering filter of two overlapping filters matches every topic either matches (seeded)', () => {
    const rnd = prng(SEED + 1);
    for (let tested = 0; tested < 800; ) {
      const a = randomFilter(rnd);
      const b = randomFilter(rnd);
      if (!filtersOverlap(a, b)) continue;
      tested++;
      const cover = coveringFilter([a, b]);
      for (const t of TOPICS) {
        if (matchTopic(a, t) || matchTopic(b, t)) assert.ok(matchTopic(cover, t), `${cover} (covering ${a} and ${b}) misses ${t}`);
      }
      assert.ok(filterCovers(cover, a) && filterCovers(cover, b));
    }
  });

  it('covers agrees with brute force (seeded)', () => {
    const rnd = prng(SEED + 2);
    for (let i = 0; i < 1000; i++) {
      const a = randomFilter(rnd);
      const b = randomFilter(rnd);
      const brute = TOPICS.every((t) => !matchTopic(b, t) || matchTopic(a, t));
      assert.equal(filterCovers(a, b), brute, `covers(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    }
  });

  it('handles the cases named in the design: absorption, partial overlap, lengths, "#" and the parent level, "$"', () => {
    assert.equal(coveringFilter(['a/#', 'a/b']), 'a/#');
    assert.equal(coveringFilter(['a/+/c', 'a/b/+']), 'a/+/+');
    assert.equal(coveringFilter(['a/b', 'a/b/c']), 'a/b/#');
    assert.equal(coveringFilter(['a/+', 'a/b/#']), 'a/+/#');
    assert.equal(coveringFilter(['$SYS/a', '$SYS/+']), '$SYS/+');
    assert.ok(filtersOverlap('a/#', 'a'), '"a/#" matches "a"');
    assert.ok(!filtersOverlap('a/+', 'a'), '"a/+" needs a second level');
    assert.ok(!filtersOverlap('#', '$SYS/x'), '[MQTT-4.7.2-1]');
    assert.ok(!filtersOverlap('+/x', '$SYS/x'));
    assert.ok(filtersOverlap('$SYS/#', '$SYS/+/x'));
    assert.ok(!filterCovers('#', '$SYS/x'));
    assert.throws(() => coveringFilter(['+/x', '$SYS/x']), /'\$' topics/);
  });
});

describe('client subscription planner: grouping to a fixpoint', () => {
  const covers = (g: FilterGroups): string[] => [...g.all()].map((x) => x.cover).sort();

  it('absorbs a covered filter and keeps disjoint ones apart', () => {
    const g = new FilterGroups();
    for (const f of ['a/b', 'a/#', 'x/y', '$SYS/#']) g.add(f);
    assert.deepEqual(covers(g), ['$SYS/#', 'a/#', 'x/y']);
    assert.deepEqual([...g.groupOf('a/b')!.members].sort(), ['a/#', 'a/b']);
  });

  it('generalizes partial overlaps level-wise, then merges what the wider cover now overlaps', () => {
    const g = new FilterGroups();
    g.add('a/x/y'); // overlaps neither of the next two
    g.add('a/+/c');
    assert.deepEqual(covers(g), ['a/+/c', 'a/x/y'].sort());
    g.add('a/b/+'); // a/+/c + a/b/+ -> a/+/+, which overlaps a/x/y -> one group
    assert.deepEqual(covers(g), ['a/+/+']);
    assert.equal(g.groupOf('a/x/y')!.cover, 'a/+/+');
  });

  it('falls apart again when a member leaves', () => {
    const g = new FilterGroups();
    for (const f of ['a/x/y', 'a/+/c', 'a/b/+']) g.add(f);
    g.remove('a/b/+');
    assert.deepEqual(covers(g), ['a/+/c', 'a/x/y']);
    g.remove('a/x/y');
    g.remove('a/+/c');
    assert.equal(g.size, 0);
  });

  it('does not form a refused generalized cover again, but still absorbs into a lease filter', () => {
    const g = new FilterGroups();
    g.add('a/+/c');
    g.add('a/b/+');
    g.refuse('a/+/+');
    assert.deepEqual(covers(g), ['a/+/c', 'a/b/+'], 'kept apart (they overlap: documented cost)');
    g.add('a/#');
    assert.deepEqual(covers(g), ['a/#']);
  });

  it('reaches a fixpoint where no two covers overlap, for seeded random filter sets', () => {
    const rnd = prng(SEED + 3);
    for (let round = 0; round < 200; round++) {
      const g = new FilterGroups();
      const filters = new Set<string>();
      for (let i = 0; i < 12; i++) filters.add(randomFilter(rnd));
      for (const f of filters) g.add(f);
      // Remove a few, as leases leave.
      for (const f of [...filters].filter(() => rnd() < 0.3)) {
        g.remove(f);
        filters.delete(f);
      }
      const groups = [...g.all()];
      for (let i = 0; i < groups.length; i++) {
        for (let j = i + 1; j < groups.length; j++) {
          assert.ok(!filtersOverlap(groups[i]!.cover, groups[j]!.cover), `${groups[i]!.cover} overlaps ${groups[j]!.cover}`);
        }
      }
      for (const f of filters) assert.ok(filterCovers(g.groupOf(f)!.cover, f), `${g.groupOf(f)!.cover} covers ${f}`);
      assert.equal(groups.reduce((n, x) => n + x.members.size, 0), filters.size);
    }
  });
});
