// Filter algebra shared by the client pool (grouping overlapping subscriptions) and the broker's ACL
// (granting subscriptions): overlap, covers and the covering filter. The property tests compare with
// brute force over every topic of a small alphabet (matchTopic, the reference matcher).
import assert from 'node:assert/strict';
import { coveringFilter, filterCovers, filtersOverlap, matchTopic } from '../../src/topic';
import { prng } from '../prng';
import { randomFilter, SEED, TOPICS } from './filter-gen';

describe('topic filter algebra: overlap, covers, covering filter', () => {
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
    let covering = 0;
    for (let i = 0; i < 1000; i++) {
      const a = randomFilter(rnd);
      const b = randomFilter(rnd);
      const brute = TOPICS.every((t) => !matchTopic(b, t) || matchTopic(a, t));
      assert.equal(filterCovers(a, b), brute, `covers(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
      if (brute) covering++;
    }
    assert.ok(covering > 50, `both outcomes represented (${covering} covering)`);
  });

  it('the covering filter: absorption, partial overlap, lengths, "#" and the parent level, "$"', () => {
    assert.equal(coveringFilter(['a/#', 'a/b']), 'a/#');
    assert.equal(coveringFilter(['a/+/c', 'a/b/+']), 'a/+/+');
    assert.equal(coveringFilter(['a/b', 'a/b/c']), 'a/b/#');
    assert.equal(coveringFilter(['a/+', 'a/b/#']), 'a/+/#');
    assert.equal(coveringFilter(['$SYS/a', '$SYS/+']), '$SYS/+');
    assert.throws(() => coveringFilter(['+/x', '$SYS/x']), /'\$' topics/);
    assert.throws(() => coveringFilter([]), RangeError);
  });

  it('overlap: "#" takes the parent level, "+" needs its level, wildcard first levels miss "$" topics [MQTT-4.7.2-1]', () => {
    const yes: Array<[string, string]> = [
      ['#', 'a'], ['a/#', 'a'], ['a/+', '+/b'], ['+/+/c', 'a/#'], ['$SYS/#', '$SYS/+'], ['$SYS/#', '$SYS/+/x'], ['a/b', 'a/b'],
      ['#', '+'], ['+/#', '#'],
    ];
    const no: Array<[string, string]> = [
      ['#', '$SYS/x'], ['#', '$SYS/#'], ['+', '$x'], ['+/x', '$SYS/x'], ['a/+', 'b/+'], ['a', 'a/b'], ['a/+', 'a'], ['a/+/c', 'a/b'],
    ];
    for (const [a, b] of yes) {
      assert.equal(filtersOverlap(a, b), true, `${a} ~ ${b}`);
      assert.equal(filtersOverlap(b, a), true, `${b} ~ ${a}`);
    }
    for (const [a, b] of no) {
      assert.equal(filtersOverlap(a, b), false, `${a} !~ ${b}`);
      assert.equal(filtersOverlap(b, a), false, `${b} !~ ${a}`);
    }
  });

  it('covers: every topic of the inner filter is matched by the outer one [MQTT-4.7.2-1]', () => {
    const yes: Array<[string, string]> = [
      ['#', 'a/b'], ['#', '+/#'], ['a/#', 'a'], ['a/#', 'a/+/c'], ['a/+', 'a/b'], ['a/+', 'a/+'], ['+/+', 'x/+'],
      ['$SYS/#', '$SYS/broker/+'], ['$SYS/#', '$SYS'], ['a/b', 'a/b'],
      // '#' has no parent topic at the first level (topics are never empty), so '+/#' matches what '#' does
      ['+/#', '#'],
    ];
    const no: Array<[string, string]> = [
      ['a/+', 'a/#'], ['a/+', 'a'], ['a/b', 'a/+'], ['#', '$SYS/x'], ['+/x', '$SYS/x'], ['+/#', '$SYS/#'], ['a', 'a/#'],
      ['a/b/c', 'a/b'], ['a/+/#', 'a/#'],
    ];
    for (const [outer, inner] of yes) assert.equal(filterCovers(outer, inner), true, `${outer} covers ${inner}`);
    for (const [outer, inner] of no) assert.equal(filterCovers(outer, inner), false, `${outer} does not cover ${inner}`);
  });
});
