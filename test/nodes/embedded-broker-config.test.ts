// The embedded broker node's pure parts: saved properties -> settings (every problem at once), the path
// on Node-RED's server, in-process names, and the users credential.
import assert from 'node:assert/strict';
import { isPasswordHash } from '../../src/broker';
import {
  EmbeddedBrokerConfigError, brokerSettings, memoryAlias, memoryName, persistenceDirectory,
} from '../../src/nodes/mqtt-embedded-broker/config';
import { nodePath } from '../../src/nodes/mqtt-embedded-broker/listeners';
import { loadUsers, usersCredential } from '../../src/nodes/mqtt-embedded-broker/users';

describe('mqtt-embedded-broker settings', () => {
  it('maps the editor defaults to a TCP listener on 127.0.0.1:1883 with broker defaults', () => {
    const s = brokerSettings({ id: 'n1' });
    assert.deepEqual(s.listeners, { tcp: { host: '127.0.0.1', port: 1883 }, tls: undefined, ws: undefined });
    assert.deepEqual(s.options, {});
    assert.equal(s.anonymous, 'auto');
    assert.equal(s.acl, undefined);
    assert.equal(s.persistence, undefined);
    assert.equal(s.sysIntervalSeconds, 10);
  });

  it('turns editor strings into numbers and units (KiB, seconds)', () => {
    const s = brokerSettings({
      id: 'n1', tcp: 'false', tlsEnabled: 'true', tls: 'tlsnode', tlsPort: '8884', clientCerts: 'required', certUsername: 'true',
      ws: 'port', wsPort: '9002', wsTls: true, host: ' 0.0.0.0 ', maxConnections: '50', maxPacketKB: '64', connectTimeout: '5',
      maxQueued: '0', persistence: 'on', fsync: 'none', sysInterval: '0',
    });
    assert.deepEqual(s.listeners, {
      tcp: undefined,
      tls: { host: '0.0.0.0', port: 8884, clientCertificates: 'required', certificateIdentity: true },
      ws: { mode: 'port', host: '0.0.0.0', port: 9002, secure: true },
    });
    assert.equal(s.tlsConfig, 'tlsnode');
    assert.deepEqual(s.options, { maxConnections: 50, maxPacketSize: 65536, connectTimeout: 5000, maxQueued: 0 });
    assert.deepEqual(s.persistence, { fsync: 'none' });
    assert.equal(s.sysIntervalSeconds, 0);
  });

  it('reports every problem at once: bad numbers, TLS without a configuration, ACL syntax', () => {
    assert.throws(() => brokerSettings({ id: 'n1', port: '70000', maxInflight: 'many', tlsEnabled: true, aclEnabled: true, acl: 'topic' }),
      (err: unknown) => err instanceof EmbeddedBrokerConfigError && err.problems.length === 4
        && /port/.test(err.problems[0]!) && /TLS needs/.test(err.problems[1]!) && /ACL line 1/.test(err.problems[2]!) && /in-flight/.test(err.problems[3]!));
  });

  it('puts the WebSocket path below httpNodeRoot', () => {
    assert.equal(nodePath(undefined, '/mqtt'), '/mqtt');
    assert.equal(nodePath('/', 'mqtt'), '/mqtt');
    assert.equal(nodePath('/red/', '/mqtt'), '/red/mqtt');
    assert.equal(nodePath('/api', 'ws/mqtt'), '/api/ws/mqtt');
    assert.equal(brokerSettings({ id: 'n', ws: 'path', wsPath: 'broker' }).listeners.ws?.mode, 'path');
  });

  it('names the in-process addresses and the persistence directory', () => {
    assert.equal(memoryName('A1b2'), 'a1b2');
    assert.equal(memoryAlias('Plant Broker #2'), 'plant-broker-2');
    assert.equal(memoryAlias('  '), undefined);
    assert.equal(memoryAlias(undefined), undefined);
    assert.equal(persistenceDirectory('/home/u/.node-red', 'ab/c'), '/home/u/.node-red/mqtt-kit/broker-ab_c');
  });

  it('reads the users credential: hashes kept, plaintext hashed, problems named without passwords', async () => {
    const first = await loadUsers(JSON.stringify([{ username: 'a', password: 'pa' }]));
    assert.deepEqual(first.hashedNow, ['a']);
    assert.ok(isPasswordHash(first.users[0]!.hash));
    const stored = usersCredential(first.users);
    assert.ok(!stored.includes('pa"'));
    const again = await loadUsers(stored);
    assert.deepEqual([again.hashedNow, again.problems, again.users[0]!.hash], [[], [], first.users[0]!.hash]);
    const bad = await loadUsers(JSON.stringify([{ username: '' }, { username: 'b' }, { username: 'a', password: 'x' }, { username: 'a', password: 'y' }]));
    assert.deepEqual(bad.problems, ['user 1 has no user name', 'user "b" has no password hash', 'user "a" appears twice']);
    assert.deepEqual((await loadUsers('{not json')).problems, ['the users credential is not valid JSON']);
    assert.deepEqual(await loadUsers(''), { users: [], hashedNow: [], problems: [] });
  });
});
