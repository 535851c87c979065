// Password hashes (scrypt with a per-user salt) and the per-address login guard.
import assert from 'node:assert/strict';
import { LoginGuard, PasswordHashError, hashPassword, hostOf, isPasswordHash, verifyPassword } from '../../src/broker';
import { parseHash } from '../../src/broker/passwords';

const CHEAP = { ln: 10, r: 8, p: 1 };

describe('broker password hashes', () => {
  it('hashes with scrypt and a random salt, in a self-describing string', async () => {
    const a = await hashPassword('s3cret', CHEAP);
    const b = await hashPassword('s3cret', CHEAP);
    assert.match(a, /^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b, 'salted: the same password hashes differently');
    assert.equal(parseHash(a).salt.length, 16);
    assert.equal(parseHash(a).key.length, 64);
    assert.ok(!a.includes('s3cret'));
  });

  it('verifies the right password only (string or bytes)', async () => {
    const h = await hashPassword('s3cret', CHEAP);
    assert.equal(await verifyPassword('s3cret', h), true);
    assert.equal(await verifyPassword(Buffer.from('s3cret'), h), true);
    assert.equal(await verifyPassword('s3cret ', h), false);
    assert.equal(await verifyPassword('', h), false);
  });

  it('the default cost is scrypt N=2^14', async () => {
    assert.deepEqual(parseHash(await hashPassword('x')).cost, { ln: 14, r: 8, p: 1 });
  });

  it('tells hashes from plaintext and refuses malformed or absurd parameters', async () => {
    assert.equal(isPasswordHash(await hashPassword('x', CHEAP)), true);
    for (const bad of ['s3cret', 'scrypt$ln=14,r=8,p=1$c2FsdA==', 'scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5', 'bcrypt$x$y$z']) {
      assert.equal(isPasswordHash(bad), false, bad);
      await assert.rejects(verifyPassword('x', bad), PasswordHashError);
    }
  });
});

describe('broker login guard', () => {
  const options = { freeAttempts: 2, baseDelayMs: 100, maxDelayMs: 800, banAfter: 6, banMs: 60_000, forgetAfterMs: 300_000 };

  it('lets the first failures through, then delays each attempt exponentially up to a cap', () => {
    const g = new LoginGuard(options);
    const now = 1_000_000;
    const delays: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      delays.push(g.check('10.0.0.1', now));
      g.failure('10.0.0.1', now);
    }
    assert.deepEqual(delays, [
      { kind: 'ok' }, { kind: 'ok' }, { kind: 'delay', ms: 100 }, { kind: 'delay', ms: 200 }, { kind: 'delay', ms: 400 },
    ]);
    g.failure('10.0.0.1', now);
    assert.deepEqual(g.check('10.0.0.1', now), { kind: 'banned', untilMs: now + 60_000 });
    assert.deepEqual(g.check('10.0.0.2', now), { kind: 'ok' }, 'other addresses are not affected');
  });

  it('a ban ends after banMs; a success clears the address; old records are forgotten', () => {
    const g = new LoginGuard(options);
    let now = 0;
    for (let i = 0; i < 6; i++) g.failure('a', now);
    assert.equal(g.check('a', now).kind, 'banned');
    now += 60_001;
    assert.deepEqual(g.check('a', now), { kind: 'delay', ms: 800 });
    g.success('a');
    assert.deepEqual(g.check('a', now), { kind: 'ok' });
    g.failure('b', now);
    g.failure('b', now);
    g.failure('b', now);
    assert.equal(g.check('b', now).kind, 'delay');
    assert.deepEqual(g.check('b', now + 300_001), { kind: 'ok' });
  });

  it('remembers a bounded number of addresses, dropping the oldest', () => {
    const g = new LoginGuard({ ...options, freeAttempts: 0, maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) g.failure(a, 0);
    assert.deepEqual(g.check('a', 0), { kind: 'ok' }, 'a was evicted');
    assert.equal(g.check('d', 0).kind, 'delay');
  });

  it('strips the port from remote addresses (IPv4, IPv6)', () => {
    assert.equal(hostOf('127.0.0.1:51234'), '127.0.0.1');
    assert.equal(hostOf('::ffff:10.1.2.3:1883'), '::ffff:10.1.2.3');
    assert.equal(hostOf('memory'), 'memory');
  });
});
