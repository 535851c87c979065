// The pool's grouping of overlapping lease filters (no identifiers): covers absorb, partial overlaps
// generalize, groups fall apart when members leave, refused covers are not formed again, and seeded random
// filter sets reach a fixpoint where no two covers overlap (src/topic's filter algebra is tested in
// test/topic/overlap.test.ts).
import assert from 'node:assert/strict';
import { FilterGroups } from '../../src/client/filter-groups';
import { filterCovers, filtersOverlap } from '../../src/topic';
import { prng } from '../prng';
import { randomFilter, SEED } from '../topic/filter-gen';

describe('client subscription planner: grouping to a fixpoint', () => {
  const covers = (g: FilterGroups): string[] => [...g.all()].map((x) => x.cover).sort();

  it('absorbs a covered filter and keeps disjoint ones apart', () => {
    const g = new FilterGroups();
    for (const f of ['a/b', 'a/#', 'x/y', '$SYS/#']) g.add(f);
    assert.deepEqual(covers(g), ['$SYS/#', 'a/#', 'x/y']);
    assert.deepEqual([...g.groupOf('a/b')!.members].sort(), ['a/#', 'a/b']);
  });

  it('joins a filter to "#" on its parent level; a wildcard first level never joins a "$" filter [MQTT-4.7.2-1]', () => {
    const g = new FilterGroups();
    for (const f of ['a', 'a/#', '$SYS/x', '$SYS/#']) g.add(f);
    assert.deepEqual(covers(g), ['$SYS/#', 'a/#'], '"a" joins "a/#"');
    g.add('+/x'); // overlaps a/# (a/x): generalized to +/#, which still does not reach $SYS
    assert.deepEqual(covers(g), ['$SYS/#', '+/#']);
    g.add('#');
    assert.deepEqual(covers(g), ['#', '$SYS/#']);
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
