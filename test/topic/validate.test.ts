import assert from 'node:assert/strict';
import {
  TopicError, assertTopicFilter, assertTopicName, parseSharedFilter, topicFilterProblem, topicNameProblem,
  utf8Length,
} from '../../src/topic';

describe('topic/validate', () => {
  describe('names', () => {
    it('accepts ordinary names, empty levels, spaces, $ prefixes and case differences', () => {
      for (const t of ['a', '/', 'a/b/c', '/a', 'a/', 'a//b', ' ', 'sport/tennis player1', '$SYS/x', 'ACCOUNTS']) {
        assert.equal(topicNameProblem(t), undefined, t);
      }
    });

    it('[v5 MQTT-4.7.3-1] [3.1.1 MQTT-4.7.3-1] rejects an empty topic name', () => {
      assert.equal(topicNameProblem(''), 'empty');
    });

    it('[v5 MQTT-4.7.0-1] [3.1.1 MQTT-4.7.1-1] rejects wildcards in a topic name', () => {
      for (const t of ['+', '#', 'a/+', 'a/#', 'a+b', 'a#']) assert.equal(topicNameProblem(t), 'wildcard-in-name', t);
    });

    it('[v5 MQTT-4.7.3-2] [3.1.1 MQTT-4.7.3-2] [v5 MQTT-1.5.4-2] [3.1.1 MQTT-1.5.3-2] rejects U+0000', () => {
      assert.equal(topicNameProblem('a\u0000b'), 'null-character');
      assert.equal(topicFilterProblem('a/\u0000'), 'null-character');
    });

    it('[v5 MQTT-1.5.4-1] [3.1.1 MQTT-1.5.3-1] rejects lone surrogates, accepts surrogate pairs', () => {
      assert.equal(topicNameProblem('a\ud800'), 'ill-formed');
      assert.equal(topicNameProblem('\udc00a'), 'ill-formed');
      assert.equal(topicNameProblem('a\ud800b'), 'ill-formed');
      assert.equal(topicNameProblem('emoji/\u{1F600}'), undefined);
    });

    it('[v5 MQTT-4.7.3-3] [3.1.1 MQTT-4.7.3-3] rejects names longer than 65535 UTF-8 bytes', () => {
      assert.equal(topicNameProblem('a'.repeat(65535)), undefined);
      assert.equal(topicNameProblem('a'.repeat(65536)), 'too-long');
      // 21845 three-byte characters = 65535 bytes; one more ASCII byte is too long.
      assert.equal(topicNameProblem('\u20ac'.repeat(21845)), undefined);
      assert.equal(topicNameProblem('\u20ac'.repeat(21845) + 'a'), 'too-long');
    });

    it('counts UTF-8 bytes like Buffer.byteLength', () => {
      for (const s of ['', 'abc', '\u00e9', '\u20ac', '\u{1F600}', 'a\u{10FFFF}b', '\ufeff']) {
        assert.equal(utf8Length(s), Buffer.byteLength(s), JSON.stringify(s));
      }
    });

    it('honours configured byte and level limits', () => {
      assert.equal(topicNameProblem('abcd', { maxBytes: 3 }), 'too-long');
      assert.equal(topicNameProblem('a/b/c', { maxLevels: 3 }), undefined);
      assert.equal(topicNameProblem('a/b/c/d', { maxLevels: 3 }), 'too-many-levels');
      assert.equal(topicFilterProblem('a/+/c/#', { maxLevels: 3 }), 'too-many-levels');
    });

    it('assertTopicName throws a TopicError with reason code 0x90 and the statement id', () => {
      assert.throws(() => assertTopicName('a/+'), (e: unknown) => {
        assert.ok(e instanceof TopicError);
        assert.equal(e.reasonCode, 0x90);
        assert.equal(e.problem, 'wildcard-in-name');
        assert.equal(e.statement, 'MQTT-4.7.0-1');
        assert.equal(e.kind, 'name');
        return true;
      });
    });
  });

  describe('filters', () => {
    it('[v5 MQTT-4.7.1-1] [v5 MQTT-4.7.1-2] [3.1.1 MQTT-4.7.1-2] [3.1.1 MQTT-4.7.1-3] accepts well placed wildcards', () => {
      for (const f of ['#', '+', '+/+', '/+', '+/', 'a/#', 'a/+/b', '+/tennis/#', '/#', '//#', 'a/+/+/#', '$SYS/#']) {
        assert.equal(topicFilterProblem(f), undefined, f);
      }
    });

    it('[v5 MQTT-4.7.1-1] [3.1.1 MQTT-4.7.1-2] rejects # that is not alone or not last', () => {
      for (const f of ['a#', 'a/#/b', '#/', '#/a', 'a/b#', '##', 'a/#b', '#+']) {
        assert.equal(topicFilterProblem(f), 'hash-position', f);
      }
    });

    it('[v5 MQTT-4.7.1-2] [3.1.1 MQTT-4.7.1-3] rejects + that does not take a whole level', () => {
      for (const f of ['a+', '+a', 'a/b+/c', 'a/+b', '++', 'sport+']) assert.equal(topicFilterProblem(f), 'plus-position', f);
    });

    it('[v5 MQTT-4.7.3-1] [3.1.1 MQTT-4.7.3-1] rejects an empty filter', () => {
      assert.equal(topicFilterProblem(''), 'empty');
    });

    it('assertTopicFilter throws a TopicError with reason code 0x8F', () => {
      assert.throws(() => assertTopicFilter('a/#/b'), (e: unknown) =>
        e instanceof TopicError && e.reasonCode === 0x8f && e.problem === 'hash-position' && e.statement === 'MQTT-4.7.1-1');
    });
  });

  describe('shared subscriptions', () => {
    it('[v5 MQTT-4.8.2-1] parses $share/{ShareName}/{filter}', () => {
      assert.deepEqual(parseSharedFilter('$share/g1/a/+/c'), { group: 'g1', filter: 'a/+/c' });
      assert.deepEqual(parseSharedFilter('$share/g/#'), { group: 'g', filter: '#' });
      assert.deepEqual(parseSharedFilter('$share/g//'), { group: 'g', filter: '/' });
      assert.equal(parseSharedFilter('a/b'), undefined);
      assert.equal(parseSharedFilter('$shared/g/a'), undefined);
      assert.equal(parseSharedFilter('$share'), undefined);
    });

    it('[v5 MQTT-4.8.2-1] rejects an empty ShareName', () => {
      assert.equal(topicFilterProblem('$share//a'), 'share-name');
    });

    it('[v5 MQTT-4.8.2-2] rejects a ShareName containing + or #', () => {
      assert.equal(topicFilterProblem('$share/g+/a'), 'share-name');
      assert.equal(topicFilterProblem('$share/#'), 'share-name');
      assert.equal(topicFilterProblem('$share/+/a'), 'share-name');
    });

    it('[v5 MQTT-4.8.2-2] requires / and a topic filter after the ShareName', () => {
      assert.equal(topicFilterProblem('$share/g'), 'share-filter');
      assert.equal(topicFilterProblem('$share/g/'), 'share-filter');
      assert.equal(topicFilterProblem('$share/g/a#'), 'hash-position');
      assert.throws(() => parseSharedFilter('$share/g'), (e: unknown) => e instanceof TopicError && e.reasonCode === 0x8f);
    });

    it('can check a $share filter as an ordinary filter', () => {
      assert.equal(topicFilterProblem('$share/g', { shared: false }), undefined);
    });
  });
});
