import assert from 'node:assert/strict';
import { matchTopic } from '../../src/topic';

// [filter, topic, expected] rows, most taken from the examples in section 4.7 of both specifications.
const CASES: Array<[string, string, boolean]> = [
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['#', 'sport/tennis', true],
  ['#', '/', true],
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  ['+', 'a', true],
  ['a/b', 'a/b', true],
  ['a/b', 'a/b/c', false],
  ['a/b/c', 'a/b', false],
  ['a//b', 'a//b', true],
  ['a/+/b', 'a//b', true],
  ['ACCOUNTS', 'Accounts', false],
];

describe('topic/match', () => {
  for (const [filter, topic, expected] of CASES) {
    it(`${JSON.stringify(filter)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(topic)}`, () => {
      assert.equal(matchTopic(filter, topic), expected);
    });
  }

  it('[v5 MQTT-4.7.2-1] [3.1.1 MQTT-4.7.2-1] filters starting with # or + do not match $ topics', () => {
    assert.equal(matchTopic('#', '$SYS/broker/clients'), false);
    assert.equal(matchTopic('+/monitor/Clients', '$SYS/monitor/Clients'), false);
    assert.equal(matchTopic('$SYS/#', '$SYS/monitor/Clients'), true);
    assert.equal(matchTopic('$SYS/monitor/+', '$SYS/monitor/Clients'), true);
    assert.equal(matchTopic('a/#', 'a/$b'), true);
  });

  it('[v5 MQTT-4.7.3-4] [3.1.1 MQTT-4.7.3-4] compares levels without normalisation', () => {
    assert.equal(matchTopic('caf\u00e9', 'cafe\u0301'), false); // NFC vs NFD
    assert.equal(matchTopic('a/b', 'a/b '), false);
    assert.equal(matchTopic('\ufeffa', 'a'), false);
  });
});
