// Users, anonymous access, ACL enforcement and the login guard through a running broker.
// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import type { ProtocolVersion } from '../../src/codec/types';
import { Acl, Broker, BrokerSecurity, hashPassword, type AuthFailure, type SecurityOptions } from '../../src/broker';
import { TestClient, ack, closeBrokers, duplexPair, makeBroker } from './helpers';

const CHEAP = { ln: 10, r: 8, p: 1 };

/** A client that looks remote to the broker (not the trusted in-process listener). */
function remote(broker: Broker, version: ProtocolVersion = 5, address = '192.0.2.10:40000', identity?: string): TestClient {
  const { client, server } = duplexPair();
  broker.handleConnection(server, { listener: 'tcp', remoteAddress: address, ...(identity ? { identity } : {}) });
  const c = new TestClient(client, version);
  c.serverEnd = server;
  return c;
}

async function secured(options: SecurityOptions): Promise<{ broker: Broker; security: BrokerSecurity; failures: AuthFailure[] }> {
  let broker: Broker | undefined;
  const security = new BrokerSecurity({ ...options, sessionOwner: (id) => broker!.session(id) });
  broker = makeBroker({}, security.hooks);
  const failures: AuthFailure[] = [];
  security.on('authFailure', (f) => failures.push(f));
  await broker.start();
  return { broker, security, failures };
}

describe('broker security: users, anonymous, ACL, login guard', () => {
  let users: SecurityOptions['users'];
  before(async () => {
    users = [
      { username: 'alice', hash: await hashPassword('wonderland', CHEAP) },
      { username: 'bob', hash: await hashPassword('builder', CHEAP) },
    ];
  });
  afterEach(closeBrokers);

  it('[MQTT-3.1.4-2] accepts a known user with the right password and refuses wrong ones (0x86 / return code 4)', async () => {
    const { broker, failures } = await secured({ users });
    const ok = remote(broker);
    assert.equal((await ok.connect({ clientId: 'a', username: 'alice', password: Buffer.from('wonderland') })).reasonCode, 0);
    const wrong = remote(broker);
    assert.equal((await wrong.connect({ clientId: 'b', username: 'alice', password: Buffer.from('nope') })).reasonCode, 0x86);
    await wrong.expectClose();
    const unknown = remote(broker, 4);
    assert.equal((await unknown.connect({ clientId: 'c', username: 'mallory', password: Buffer.from('x') })).reasonCode, 4);
    assert.deepEqual(failures.map((f) => [f.reason, f.reasonCode, f.username, f.remoteAddress, f.failures]), [
      ['bad-password', 0x86, 'alice', '192.0.2.10:40000', 1],
      ['unknown-user', 0x86, 'mallory', '192.0.2.10:40000', 2],
    ]);
    await ok.disconnect();
  });

  it('anonymous access: allowed while no user exists (auto), refused once users exist, configurable', async () => {
    const open = await secured({});
    assert.equal((await remote(open.broker).connect({ clientId: 'anon' })).reasonCode, 0);
    const closed = await secured({ users });
    const refused = remote(closed.broker);
    assert.equal((await refused.connect({ clientId: 'anon' })).reasonCode, 0x87);
    assert.equal(closed.failures[0]?.reason, 'anonymous');
    const mixed = await secured({ users, anonymous: 'allow' });
    assert.equal((await remote(mixed.broker).connect({ clientId: 'anon' })).reasonCode, 0);
    const wrongStill = remote(mixed.broker);
    assert.equal((await wrongStill.connect({ clientId: 'x', username: 'bob', password: Buffer.from('bad') })).reasonCode, 0x86);
    const none = await secured({ anonymous: 'deny' });
    assert.equal((await remote(none.broker).connect({ clientId: 'anon' })).reasonCode, 0x87);
  });

  it('a verified certificate identity is accepted without a password and becomes the user name', async () => {
    const { broker } = await secured({ users, acl: Acl.parse('pattern readwrite devices/%u/#') });
    const seen = new Promise<string | undefined>((resolve) => broker.once('clientConnect', (c) => resolve(c.username)));
    const c = remote(broker, 5, '192.0.2.11:1', 'sensor-12');
    assert.equal((await c.connect({ clientId: 'dev', username: 'ignored' })).reasonCode, 0);
    assert.equal(await seen, 'sensor-12');
    assert.deepEqual((await c.subscribe('devices/sensor-12/#', 1)).reasonCodes, [1]);
    await c.disconnect();
  });

  it('ACL: a publish the user may not write is refused with 0x87 and not delivered', async () => {
    const acl = Acl.parse('user alice\ntopic readwrite alice/#\nuser bob\ntopic read alice/#');
    const { broker } = await secured({ users, acl });
    const bob = remote(broker, 5, '192.0.2.20:1');
    await bob.connect({ clientId: 'bob', username: 'bob', password: Buffer.from('builder') });
    assert.deepEqual((await bob.subscribe('alice/#', 1)).reasonCodes, [1]);
    bob.publish('alice/forged', 'x', { qos: 1, packetId: 3 });
    assert.equal((await bob.next('puback')).reasonCode, 0x87);
    const alice = remote(broker, 5, '192.0.2.21:1');
    await alice.connect({ clientId: 'alice', username: 'alice', password: Buffer.from('wonderland') });
    alice.publish('alice/real', 'y', { qos: 1, packetId: 1 });
    await alice.next('puback');
    const got = await bob.next('publish');
    assert.deepEqual([got.topic, got.payload.toString()], ['alice/real', 'y']);
    await bob.expectQuiet();
  });

  it('ACL: a subscription no rule allows to read is refused (v5 0x87, 3.1.1 0x80)', async () => {
    const acl = Acl.parse('user alice\ntopic write alice/#\ntopic read news/#');
    const { broker } = await secured({ users, acl });
    for (const version of [5, 4] as const) {
      const c = remote(broker, version, `192.0.2.3${version}:1`);
      await c.connect({ clientId: `a${version}`, username: 'alice', password: Buffer.from('wonderland') });
      assert.deepEqual((await c.subscribe([{ topicFilter: 'alice/#', qos: 1 }, { topicFilter: 'news/+', qos: 1 }, { topicFilter: '$share/g/news/#', qos: 0 }])).reasonCodes,
        [version === 5 ? 0x87 : 0x80, 1, 0]);
      await c.disconnect();
    }
  });

  it('ACL: a wide wildcard subscription is granted but only readable messages are delivered, retained ones included', async () => {
    const acl = Acl.parse('user alice\ntopic read sensors/#\ntopic deny sensors/private/#');
    const { broker } = await secured({ users, acl });
    await broker.publish({ topic: 'sensors/private/key', payload: 'hidden', retain: true });
    await broker.publish({ topic: 'sensors/hall', payload: 'retained ok', retain: true });
    await broker.publish({ topic: 'other/x', payload: 'hidden too', retain: true });
    const c = remote(broker);
    await c.connect({ clientId: 'alice', username: 'alice', password: Buffer.from('wonderland') });
    assert.deepEqual((await c.subscribe('#', 1)).reasonCodes, [1]);
    const first = await c.next('publish');
    assert.deepEqual([first.topic, first.retain], ['sensors/hall', true]);
    await c.expectQuiet();
    for (const topic of ['other/y', 'sensors/private/z', 'sensors/kitchen']) await broker.publish({ topic, payload: topic, qos: 1 });
    const got = await c.next('publish');
    assert.equal(got.topic, 'sensors/kitchen');
    await ack(c, got);
    await c.expectQuiet();
  });

  it('ACL with a shared subscription: each copy goes to a member that may read it, and is dropped only when none may', async () => {
    const acl = Acl.parse('user alice\ntopic read jobs/#\nuser bob\ntopic read jobs/public/#');
    const { broker } = await secured({ users, acl });
    const alice = remote(broker, 5, '192.0.2.21:1');
    const bob = remote(broker, 5, '192.0.2.22:1');
    await alice.connect({ clientId: 'alice', username: 'alice', password: Buffer.from('wonderland') });
    await bob.connect({ clientId: 'bob', username: 'bob', password: Buffer.from('builder') });
    assert.deepEqual((await alice.subscribe('$share/g/jobs/#', 1)).reasonCodes, [1]);
    assert.deepEqual((await bob.subscribe('$share/g/jobs/#', 1)).reasonCodes, [1], 'granted, filtered per message');

    for (let i = 0; i < 4; i++) await broker.publish({ topic: `jobs/secret/${i}`, payload: String(i), qos: 1 });
    for (let i = 0; i < 4; i++) {
      const got = await alice.next('publish');
      assert.equal(got.topic, `jobs/secret/${i}`, 'bob may not read it: alice gets every one');
      await ack(alice, got);
    }
    await bob.expectQuiet();

    // Both may read these: the group still shares them out, one each.
    await broker.publish({ topic: 'jobs/public/a', payload: 'a', qos: 1 });
    await broker.publish({ topic: 'jobs/public/b', payload: 'b', qos: 1 });
    const [toAlice, toBob] = [await alice.next('publish'), await bob.next('publish')];
    assert.deepEqual([toAlice.topic, toBob.topic].sort(), ['jobs/public/a', 'jobs/public/b']);
    await ack(alice, toAlice);
    await ack(bob, toBob);
    await alice.expectQuiet();
    await bob.expectQuiet();
  });

  it('ACL: messages queued for an offline session are checked against its owner, also for wills', async () => {
    const acl = Acl.parse('user alice\ntopic read a/#\ntopic write will/alice\nuser bob\ntopic write a/#\ntopic write b/#');
    const { broker } = await secured({ users, acl });
    const alice = remote(broker);
    await alice.connect({ clientId: 'alice', clean: false, username: 'alice', password: Buffer.from('wonderland'), properties: { sessionExpiryInterval: 60 } });
    await alice.subscribe('#', 1);
    await alice.drop();
    await broker.publish({ topic: 'b/1', payload: 'no', qos: 1 });
    await broker.publish({ topic: 'a/1', payload: 'yes', qos: 1 });
    const back = remote(broker);
    const connack = await back.connect({ clientId: 'alice', clean: false, username: 'alice', password: Buffer.from('wonderland'), properties: { sessionExpiryInterval: 60 } });
    assert.equal(connack.sessionPresent, true);
    assert.equal((await back.next('publish')).topic, 'a/1');
    await back.expectQuiet();
  });

  it('refuses to resume or take over a session that belongs to another user; a clean start over an offline one is fine', async () => {
    const { broker, failures } = await secured({ users });
    const alice = remote(broker);
    await alice.connect({ clientId: 'shared-id', username: 'alice', password: Buffer.from('wonderland') , clean: false, properties: { sessionExpiryInterval: 60 } });
    const bob = remote(broker, 5, '192.0.2.99:1');
    assert.equal((await bob.connect({ clientId: 'shared-id', username: 'bob', password: Buffer.from('builder'), clean: true })).reasonCode, 0x87);
    assert.equal(failures.at(-1)?.reason, 'session-owner');
    await alice.drop();
    const resume = remote(broker, 5, '192.0.2.99:2');
    assert.equal((await resume.connect({ clientId: 'shared-id', username: 'bob', password: Buffer.from('builder'), clean: false })).reasonCode, 0x87);
    const fresh = remote(broker, 5, '192.0.2.99:3');
    const ok = await fresh.connect({ clientId: 'shared-id', username: 'bob', password: Buffer.from('builder'), clean: true });
    assert.deepEqual([ok.reasonCode, ok.sessionPresent], [0, false]);
    await fresh.disconnect();
  });

  it('delays logins from an address after repeated failures and then bans it (0x8A), without slowing others', async () => {
    const { broker, failures } = await secured({ users, guard: { freeAttempts: 1, baseDelayMs: 300, maxDelayMs: 300, banAfter: 3, banMs: 60_000 } });
    const attacker = '198.51.100.7';
    const attempt = async (password: string): Promise<number> => {
      const c = remote(broker, 5, `${attacker}:${Math.floor(Math.random() * 60000)}`);
      return (await c.connect({ clientId: 'x', username: 'alice', password: Buffer.from(password) })).reasonCode;
    };
    assert.equal(await attempt('guess1'), 0x86);
    let slowDone = false;
    const slow = attempt('guess2').then((code) => {
      slowDone = true;
      return code;
    });
    // While the attacker's CONNECT waits (300 ms), another address logs in at once.
    const other = remote(broker, 5, '203.0.113.5:1');
    assert.equal((await other.connect({ clientId: 'ok', username: 'bob', password: Buffer.from('builder') })).reasonCode, 0);
    assert.equal(slowDone, false, 'the delayed CONNECT is still waiting');
    assert.equal(await slow, 0x86);
    assert.equal(await attempt('guess3'), 0x86);
    assert.equal(failures.at(-1)?.bannedUntil !== undefined, true, 'the third failure bans');
    assert.equal(await attempt('wonderland'), 0x8a, 'banned: even the right password is refused');
    assert.equal(failures.at(-1)?.reason, 'banned');
    await other.disconnect();
  });

  it('in-process (memory) connections are never delayed or banned', async () => {
    const { broker } = await secured({ users, guard: { freeAttempts: 0, banAfter: 1 } });
    for (let i = 0; i < 3; i++) {
      const c = TestClient.inMemory(broker);
      assert.equal((await c.connect({ clientId: 'm', username: 'alice', password: Buffer.from('bad') })).reasonCode, 0x86);
    }
    const good = TestClient.inMemory(broker);
    assert.equal((await good.connect({ clientId: 'm', username: 'alice', password: Buffer.from('wonderland') })).reasonCode, 0);
    await good.disconnect();
  });
});
