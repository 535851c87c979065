import assert from 'node:assert/strict';
import { SubscriptionTrie, matchTopic, type TrieEntry } from '../../src/topic';
import { prng } from '../prng';

function matchedFilters<K, V>(trie: SubscriptionTrie<K, V>, topic: string): string[] {
  return trie.match(topic).map((e: TrieEntry<K, V>) => `${e.filter}|${String(e.key)}`).sort();
}

describe('topic/trie', () => {
  it('inserts, replaces, gets and removes entries by (filter, key)', () => {
    const trie = new SubscriptionTrie<string, number>();
    assert.equal(trie.insert('a/+', 'c1', 1), true);
    assert.equal(trie.insert('a/+', 'c1', 2), false);
    assert.equal(trie.insert('a/+', 'c2', 3), true);
    assert.equal(trie.size, 2);
    assert.equal(trie.get('a/+', 'c1')?.value, 2);
    assert.equal(trie.remove('a/+', 'c1'), true);
    assert.equal(trie.remove('a/+', 'c1'), false);
    assert.equal(trie.remove('a/b', 'c2'), false);
    assert.equal(trie.size, 1);
    assert.deepEqual(matchedFilters(trie, 'a/x'), ['a/+|c2']);
  });

  it('prunes emptied nodes so removal leaves no trace', () => {
    const trie = new SubscriptionTrie<string, null>();
    trie.insert('a/b/c/#', 'k', null);
    trie.insert('a/+/c', 'k', null);
    trie.remove('a/b/c/#', 'k');
    trie.remove('a/+/c', 'k');
    assert.equal(trie.size, 0);
    const root = (trie as unknown as { root: { children?: Map<string, unknown>; plus?: unknown; hash?: unknown } }).root;
    assert.equal(root.children?.size ?? 0, 0);
    assert.equal(root.plus, undefined);
    assert.equal(root.hash, undefined);
  });

  it('returns every matching entry once, including several keys on one filter', () => {
    const trie = new SubscriptionTrie<string, null>();
    for (const f of ['#', 'a/#', 'a/+', 'a/b', '+/b', '+/+', 'a/b/#', 'x']) {
      trie.insert(f, 'k1', null);
      trie.insert(f, 'k2', null);
    }
    const got = matchedFilters(trie, 'a/b');
    assert.equal(got.length, 14);
    assert.equal(new Set(got).size, 14);
  });

  it('"sport/#" matches "sport" (parent level) and "sport/" but not "sports"', () => {
    const trie = new SubscriptionTrie<string, null>();
    trie.insert('sport/#', 'k', null);
    assert.equal(trie.match('sport').length, 1);
    assert.equal(trie.match('sport/').length, 1);
    assert.equal(trie.match('sport/tennis/x').length, 1);
    assert.equal(trie.match('sports').length, 0);
  });

  it('[v5 MQTT-4.7.2-1] [3.1.1 MQTT-4.7.2-1] + and # at the first level do not match $ topics', () => {
    const trie = new SubscriptionTrie<string, null>();
    for (const f of ['#', '+/x', '+/#', '+', '$SYS/#', '$SYS/+', 'a/#']) trie.insert(f, 'k', null);
    assert.deepEqual(matchedFilters(trie, '$SYS/x'), ['$SYS/#|k', '$SYS/+|k']);
    assert.deepEqual(matchedFilters(trie, '$SYS'), ['$SYS/#|k']);
    assert.deepEqual(matchedFilters(trie, 'a/$x'), ['#|k', '+/#|k', 'a/#|k']);
  });

  it('[v5 MQTT-4.7.3-4] [3.1.1 MQTT-4.7.3-4] matches exact levels without normalisation', () => {
    const trie = new SubscriptionTrie<string, null>();
    trie.insert('caf\u00e9/x', 'k', null);
    assert.equal(trie.match('cafe\u0301/x').length, 0);
    assert.equal(trie.match('caf\u00e9/x').length, 1);
  });

  it('handles empty levels', () => {
    const trie = new SubscriptionTrie<string, null>();
    for (const f of ['/', '+/+', '//#', '+', '/+']) trie.insert(f, 'k', null);
    assert.deepEqual(matchedFilters(trie, '/'), ['+/+|k', '/+|k', '/|k', '//#|k'].sort());
    assert.deepEqual(matchedFilters(trie, '//'), ['//#|k']);
  });

  it('has no depth limit: 20 000 levels neither throw nor overflow the stack', () => {
    const trie = new SubscriptionTrie<string, null>();
    const deep = Array.from({ length: 20000 }, (_, i) => `l${i % 7}`).join('/');
    trie.insert(deep, 'k', null);
    trie.insert(`${deep.slice(0, 200)}/#`, 'k', null);
    trie.insert(deep.replace(/l3/g, '+'), 'k', null);
    assert.equal(trie.match(deep).length, 3);
    assert.equal(trie.remove(deep, 'k'), true);
    assert.equal(trie.match(deep).length, 2);
  });

  it('lists every entry', () => {
    const trie = new SubscriptionTrie<number, string>();
    trie.insert('a', 1, 'x');
    trie.insert('a/#', 2, 'y');
    trie.insert('+/b', 3, 'z');
    assert.deepEqual([...trie.entries()].map((e) => e.value).sort(), ['x', 'y', 'z']);
    trie.clear();
    assert.equal(trie.size, 0);
    assert.deepEqual([...trie.entries()], []);
  });

  it('agrees with matchTopic on thousands of seeded random topics and filters', () => {
    const rnd = prng(0x5eed);
    const words = ['a', 'b', 'c', '', '$x', 'A'];
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const randomTopic = (): string =>
      Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(words)).join('/');
    const randomFilter = (): string => {
      const n = 1 + Math.floor(rnd() * 4);
      const levels = Array.from({ length: n }, () => (rnd() < 0.3 ? '+' : pick(words)));
      if (rnd() < 0.3) levels[n - 1] = '#';
      return levels.join('/');
    };
    for (let round = 0; round < 20; round++) {
      const trie = new SubscriptionTrie<number, null>();
      const filters = new Set<string>();
      for (let i = 0; i < 150; i++) filters.add(randomFilter());
      for (const f of filters) trie.insert(f, 0, null);
      // Remove a third again, to exercise pruning under the comparison.
      for (const f of [...filters].filter(() => rnd() < 0.33)) {
        trie.remove(f, 0);
        filters.delete(f);
      }
      for (let i = 0; i < 250; i++) {
        const topic = randomTopic();
        const expected = [...filters].filter((f) => matchTopic(f, topic)).sort();
        const got = trie.match(topic).map((e) => e.filter).sort();
        assert.deepEqual(got, expected, `round ${round} topic ${JSON.stringify(topic)}`);
      }
    }
  });
});
