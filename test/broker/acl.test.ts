// ACL text (Mosquitto acl_file syntax plus `client` sections): parsing, deny-by-default decisions,
// pattern substitution, and the filter relations (covers / overlaps) that subscription checks rest on.
import assert from 'node:assert/strict';
import { Acl, AclSyntaxError } from '../../src/broker';

const alice = { username: 'alice', clientId: 'phone' };
const bob = { username: 'bob', clientId: 'plc-7' };
const anon = { username: undefined, clientId: 'visitor' };

const TEXT = `
# anonymous clients: read the public tree only
topic read public/#

user alice
topic readwrite alice/#
topic deny alice/secret/#
topic write shared/inbox

user bob
topic sensors/+/temp

client plc-7
topic write plant/line7/#

pattern read devices/%u/#
pattern readwrite clients/%c/#
`;

describe('broker ACL', () => {
  const acl = Acl.parse(TEXT);

  it('denies by default and allows what a rule grants, by access kind', () => {
    assert.equal(acl.canWrite(alice, 'alice/notes'), true);
    assert.equal(acl.canRead(alice, 'alice/notes'), true);
    assert.equal(acl.canWrite(alice, 'shared/inbox'), true);
    assert.equal(acl.canRead(alice, 'shared/inbox'), false, 'write-only rule');
    assert.equal(acl.canWrite(alice, 'bob/x'), false);
    assert.equal(acl.canRead(bob, 'sensors/hall/temp'), true, 'access omitted means readwrite');
    assert.equal(acl.canWrite(bob, 'sensors/hall/temp'), true);
    assert.equal(acl.canWrite(bob, 'sensors/hall/humidity'), false);
  });

  it('a matching deny rule wins over any allow rule', () => {
    assert.equal(acl.canRead(alice, 'alice/secret/key'), false);
    assert.equal(acl.canWrite(alice, 'alice/secret'), false, 'alice/secret/# matches its parent level');
    assert.equal(acl.canWrite(alice, 'alice/secretary'), true);
  });

  it('lines before any user line apply to anonymous clients only; client sections to that client id', () => {
    assert.equal(acl.canRead(anon, 'public/news'), true);
    assert.equal(acl.canWrite(anon, 'public/news'), false);
    assert.equal(acl.canRead(alice, 'public/news'), false, 'a named user does not get the anonymous rules');
    assert.equal(acl.canWrite(bob, 'plant/line7/speed'), true, 'bob connects as client plc-7');
    assert.equal(acl.canWrite({ username: 'bob', clientId: 'other' }, 'plant/line7/speed'), false);
  });

  it('patterns substitute %u and %c and apply to everyone', () => {
    assert.equal(acl.canRead(alice, 'devices/alice/door'), true);
    assert.equal(acl.canRead(alice, 'devices/bob/door'), false);
    assert.equal(acl.canWrite(anon, 'clients/visitor/state'), true, '%c works for anonymous clients');
    assert.equal(acl.canRead(anon, 'devices/visitor/x'), false, '%u does not apply without a user name');
  });

  it('a pattern does not apply when the user name or client id holds a wildcard character', () => {
    assert.equal(acl.canRead({ username: '#', clientId: 'x' }, 'devices/#/x'), false);
    assert.equal(acl.canRead({ username: '+', clientId: 'x' }, 'devices/anything/x'), false);
    assert.equal(acl.canWrite({ username: 'eve', clientId: '#' }, 'clients/alice/x'), false);
  });

  it('[MQTT-4.7.2-1] rules starting with a wildcard do not reach $SYS topics', () => {
    const open = Acl.parse('pattern read #\npattern read $SYS/broker/uptime');
    assert.equal(open.canRead(alice, 'anything/at/all'), true);
    assert.equal(open.canRead(alice, '$SYS/broker/load'), false);
    assert.equal(open.canRead(alice, '$SYS/broker/uptime'), true);
  });

  it('subscriptions: granted when covered, filtered when only partly readable, refused otherwise', () => {
    assert.equal(acl.subscribe(alice, 'alice/+/notes'), 'filter', 'a deny rule overlaps alice/+/notes (alice/secret/notes)');
    assert.equal(acl.subscribe(alice, 'alice/public/#'), 'allow');
    assert.equal(acl.subscribe(alice, 'alice/secret/#'), 'deny', 'wholly inside a deny rule');
    assert.equal(acl.subscribe(alice, '#'), 'filter');
    assert.equal(acl.subscribe(alice, 'shared/inbox'), 'deny', 'write-only');
    assert.equal(acl.subscribe(bob, 'sensors/+/temp'), 'allow');
    assert.equal(acl.subscribe(bob, 'sensors/#'), 'filter');
    assert.equal(acl.subscribe(bob, 'plant/#'), 'deny');
    assert.equal(acl.subscribe(anon, 'public/#'), 'allow');
  });

  it('subscriptions: "#" rules reach their parent level; wildcard first levels do not reach "$" filters [MQTT-4.7.2-1]', () => {
    const rules = Acl.parse('pattern read #\npattern deny private/#\npattern read $SYS/broker/+\nuser wide\ntopic read +/#');
    assert.equal(rules.subscribe(alice, 'private'), 'deny', 'private/# covers its parent level "private"');
    assert.equal(rules.subscribe(alice, 'private/+/x'), 'deny');
    assert.equal(rules.subscribe(alice, 'public/+'), 'allow');
    assert.equal(rules.subscribe(alice, '#'), 'filter', 'the deny rule overlaps "#"');
    assert.equal(rules.subscribe(alice, '$SYS/#'), 'filter', '"#" does not reach $SYS: only the $SYS/broker/+ rule overlaps');
    assert.equal(rules.subscribe(alice, '$SYS/broker/uptime'), 'allow');
    assert.equal(rules.subscribe(alice, '$SYS/other/x'), 'deny', 'neither "#" nor "+/#"-style rules cover a $ filter');
    assert.equal(rules.subscribe({ username: 'wide', clientId: 'c' }, '#'), 'filter', 'wide also gets the patterns, with the deny rule');
    const plus = Acl.parse('topic read +/#');
    assert.equal(plus.subscribe(anon, '#'), 'allow', '"+/#" covers "#": topics are never empty, so "#" has no parent level to add');
    assert.equal(plus.subscribe(anon, '$SYS/#'), 'deny');
  });

  it('reports syntax errors with the line number', () => {
    for (const [text, line] of [['user alice\ntopic', 2], ['allow all', 1], ['\n\ntopic read a/#/b', 3], ['user', 1]] as const) {
      assert.throws(() => Acl.parse(text), (err: unknown) => err instanceof AclSyntaxError && err.line === line, text);
    }
  });

  it('keeps spaces inside topic filters and user names, as acl_file does', () => {
    const spaced = Acl.parse('user Jane Doe\ntopic read my topic/#');
    assert.equal(spaced.canRead({ username: 'Jane Doe', clientId: 'c' }, 'my topic/x'), true);
  });
});
