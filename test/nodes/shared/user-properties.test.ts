import assert from 'node:assert/strict';
import { mergeUserProperties, objectToPairs, pairsToObject, parseUserPropsJson } from '../../../src/nodes/shared/user-properties';

describe('nodes/shared/user-properties', () => {
  it('[v5 MQTT-3.3.2-18] keeps the order of user properties and every value of a repeated name', () => {
    assert.deepEqual(pairsToObject([['a', '1'], ['b', '2'], ['a', '3'], ['a', '4']]), { a: ['1', '3', '4'], b: '2' });
  });
  it('round-trips repeated names through the object form', () => {
    const pairs: Array<[string, string]> = [['k', 'x'], ['k', 'y'], ['m', 'z']];
    assert.deepEqual(objectToPairs(pairsToObject(pairs)), pairs);
  });
  it('stringifies non-string values as JSON and skips null/undefined', () => {
    assert.deepEqual(objectToPairs({ n: 5, o: { a: 1 }, b: true, s: 'x', gone: null, missing: undefined }),
      [['n', '5'], ['o', '{"a":1}'], ['b', 'true'], ['s', 'x']]);
  });
  it('merges node over msg: both kept, node wins on the same name', () => {
    assert.deepEqual(mergeUserProperties({ a: 'msg', b: 'msg' }, { b: 'node', c: 'node' }), { a: 'msg', b: 'node', c: 'node' });
    assert.deepEqual(mergeUserProperties(undefined, { c: '1' }), { c: '1' });
    assert.equal(mergeUserProperties(undefined, undefined), undefined);
  });
  it('parses editor JSON, treats blank as none, and names the field on bad input', () => {
    assert.deepEqual(parseUserPropsJson('{"site":"north"}', 'userProps'), { site: 'north' });
    assert.equal(parseUserPropsJson('', 'userProps'), undefined);
    assert.equal(parseUserPropsJson('{}', 'userProps'), undefined);
    assert.throws(() => parseUserPropsJson('[1]', 'birth userProps'), /birth userProps/);
    assert.throws(() => parseUserPropsJson('{bad', 'userProps'), /userProps: user properties must be a JSON object/);
  });
});
