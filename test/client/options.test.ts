import assert from 'node:assert/strict';
import { InvalidOptionsError } from '../../src/client/errors';
import { generateClientId, normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import { parseAddress } from '../../src/client/url';

function issuesOf(input: ConnectionOptionsInput): string[] {
  try {
    normalizeOptions(input);
  } catch (err) {
    assert.ok(err instanceof InvalidOptionsError, String(err));
    assert.match(err.message, /^invalid options: /);
    return err.issues.map((i) => `${i.field}: ${i.message}`);
  }
  throw new Error('options were accepted');
}

describe('client options', () => {
  describe('server address', () => {
    const cases: Array<[string, { protocol: string; host: string; port: number; path?: string }]> = [
      ['mqtt://broker.example', { protocol: 'mqtt', host: 'broker.example', port: 1883 }],
      ['tcp://10.0.0.5:1884', { protocol: 'mqtt', host: '10.0.0.5', port: 1884 }],
      ['mqtts://broker.example', { protocol: 'mqtts', host: 'broker.example', port: 8883 }],
      ['ssl://broker.example:9999', { protocol: 'mqtts', host: 'broker.example', port: 9999 }],
      ['ws://broker.example/mqtt', { protocol: 'ws', host: 'broker.example', port: 80, path: '/mqtt' }],
      ['wss://broker.example:8084/ws?x=1', { protocol: 'wss', host: 'broker.example', port: 8084, path: '/ws?x=1' }],
      ['mqtt://[::1]:1999', { protocol: 'mqtt', host: '::1', port: 1999 }],
      ['[fe80::1]:1884', { protocol: 'mqtt', host: 'fe80::1', port: 1884 }],
      ['::1', { protocol: 'mqtt', host: '::1', port: 1883 }],
      ['localhost:1885', { protocol: 'mqtt', host: 'localhost', port: 1885 }],
    ];
    for (const [url, want] of cases) {
      it(`parses ${url}`, () => {
        const o = normalizeOptions({ url });
        assert.equal(o.endpoint.protocol, want.protocol);
        assert.equal(o.endpoint.host, want.host);
        assert.equal(o.endpoint.port, want.port);
        assert.equal(o.endpoint.path, want.path ?? '/');
      });
    }

    it('uses host + port when there is no scheme, and useTls picks mqtts', () => {
      const plain = normalizeOptions({ host: 'broker', port: '1999' });
      assert.deepEqual([plain.endpoint.protocol, plain.endpoint.host, plain.endpoint.port], ['mqtt', 'broker', 1999]);
      const secure = normalizeOptions({ host: 'broker', useTls: true });
      assert.deepEqual([secure.endpoint.protocol, secure.endpoint.port], ['mqtts', 8883]);
    });

    it('defaults to localhost:1883', () => {
      const o = normalizeOptions({});
      assert.deepEqual([o.endpoint.protocol, o.endpoint.host, o.endpoint.port], ['mqtt', 'localhost', 1883]);
    });

    it('takes credentials from the URL, decoded', () => {
      const o = normalizeOptions({ url: 'mqtt://us%40er:p%3Ass@h' });
      assert.equal(o.username, 'us@er');
      assert.equal(o.password?.toString(), 'p:ss');
    });

    it('rejects unsupported schemes and malformed hosts with the field named', () => {
      assert.deepEqual(issuesOf({ url: 'http://h' }), ['url: unsupported scheme "http" (use mqtt, mqtts, tcp, ssl, ws, wss)']);
      assert.match(issuesOf({ host: 'a b' })[0]!, /^host: "a b" is not a host name or IP address/);
      assert.throws(() => parseAddress('[zz]:1'), /not an IPv6 literal/);
    });
  });

  describe('client id', () => {
    it('generates a 23-character alphanumeric id when blank [MQTT-3.1.3-5]', () => {
      const a = normalizeOptions({ clientId: '  ' });
      assert.equal(a.clientIdGenerated, true);
      assert.match(a.clientId, /^[0-9a-zA-Z]{23}$/);
      assert.notEqual(generateClientId(), generateClientId());
    });

    it('requires an id when clean is false', () => {
      assert.deepEqual(issuesOf({ clean: false }), [
        'clientId: is required when clean is false (a generated id could never resume the session)',
      ]);
    });

    it('limits MQTT 3.1 ids to 23 characters', () => {
      assert.match(issuesOf({ protocolVersion: 3, clientId: 'x'.repeat(24) })[0]!, /^clientId: MQTT 3\.1 allows at most 23/);
      assert.equal(normalizeOptions({ protocolVersion: 4, clientId: 'x'.repeat(24) }).clientId.length, 24);
    });
  });

  it('fills defaults', () => {
    const o = normalizeOptions({ clientId: 'c' });
    assert.equal(o.protocolVersion, 4);
    assert.equal(o.keepalive, 60);
    assert.equal(o.clean, true);
    assert.equal(o.connectTimeoutMs, 30_000);
    assert.equal(o.receiveMaximum, 65535);
    assert.equal(o.maximumPacketSize, undefined);
    assert.equal(o.topicAliasMaximum, 0);
    assert.equal(o.requestProblemInformation, true);
    assert.deepEqual(o.queue, { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024, qos0: 'queue' });
    assert.deepEqual(o.store, { type: 'memory' });
    assert.ok(o.reconnect && o.reconnect.initialDelayMs === 1000 && o.reconnect.maxDelayMs === 60_000);
    assert.equal(o.endpoint.tls.rejectUnauthorized, true);
    assert.equal(o.autoConnect, true);
  });

  it('accepts Node-RED string forms of numbers and booleans', () => {
    const o = normalizeOptions({ protocolVersion: '5', keepalive: '15', clean: 'false' as unknown as boolean, clientId: 'x' });
    assert.deepEqual([o.protocolVersion, o.keepalive, o.clean], [5, 15, false]);
  });

  it('reports every invalid field at once', () => {
    const issues = issuesOf({
      port: 70000,
      keepalive: -1,
      protocolVersion: 6 as never,
      receiveMaximum: 0,
      reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 },
      queue: { qos0: 'keep' as never },
    });
    assert.deepEqual(issues, [
      'protocolVersion: must be one of 4, 5, 3 (got 6)',
      'port: must be an integer from 1 to 65535 (got 70000)',
      'keepalive: must be an integer from 0 to 65535 (got -1)',
      'receiveMaximum: must be an integer from 1 to 65535 (got 0)',
      'reconnect.maxDelayMs: must be >= initialDelayMs (5000)',
      'queue.qos0: must be one of "queue", "drop" (got "keep")',
    ]);
  });

  it('rejects a password without username in 3.1.1 but not in 5 [3.1.1 MQTT-3.1.2-22]', () => {
    assert.deepEqual(issuesOf({ password: 'p' }), ['password: needs a username in MQTT 3.1/3.1.1 [MQTT-3.1.2-22]']);
    assert.equal(normalizeOptions({ password: 'p', protocolVersion: 5 }).password?.toString(), 'p');
  });

  it('normalizes will, birth and close messages with v5 properties and Node-RED short names', () => {
    const o = normalizeOptions({
      protocolVersion: 5,
      will: {
        topic: 'dev/1/status',
        payload: { online: false },
        qos: '1',
        retain: 'true',
        properties: { delay: '30', contentType: 'application/json', userProps: { a: 'b', n: 1 }, respTopic: 'r' },
      },
      birth: { topic: 'dev/1/status', payload: 'online', retain: true },
      close: { topic: '' },
    });
    assert.deepEqual(o.will, {
      topic: 'dev/1/status',
      payload: Buffer.from('{"online":false}'),
      qos: 1,
      retain: true,
      properties: {
        contentType: 'application/json',
        responseTopic: 'r',
        userProperties: [
          ['a', 'b'],
          ['n', '1'],
        ],
        willDelayInterval: 30,
      },
    });
    assert.equal(o.birth?.payload.toString(), 'online');
    assert.equal(o.close, undefined, 'a blank topic disables the message');
  });

  it('rejects a will topic with wildcards [3.1.1 MQTT-4.7.1-1] [v5 MQTT-4.7.0-1]', () => {
    assert.match(issuesOf({ will: { topic: 'a/#' } })[0]!, /^will\.topic: is not a valid topic name: "a\/#"/);
  });

  it('reads CONNECT user properties from JSON text, objects or pairs', () => {
    assert.deepEqual(normalizeOptions({ userProperties: '{"site":"A","tags":["x","y"]}' }).userProperties, [
      ['site', 'A'],
      ['tags', 'x'],
      ['tags', 'y'],
    ]);
    assert.deepEqual(normalizeOptions({ userProperties: [['k', 'v']] }).userProperties, [['k', 'v']]);
    assert.match(issuesOf({ userProperties: '{nope' })[0]!, /^userProperties: must be JSON/);
  });

  it('validates TLS settings', () => {
    assert.deepEqual(issuesOf({ url: 'mqtts://h', tls: { cert: 'x' } }), ['tls: a client certificate needs both cert and key']);
    const o = normalizeOptions({ url: 'mqtts://h', tls: { verifyServerCert: false, alpnProtocols: ['mqtt'] } });
    assert.deepEqual(o.endpoint.tls, { rejectUnauthorized: false, alpnProtocols: ['mqtt'] });
  });

  it('requires a path for a file store', () => {
    assert.deepEqual(issuesOf({ store: { type: 'file' } as never }), ['store.path: is required for a file store']);
    assert.deepEqual(normalizeOptions({ store: { type: 'file', path: '/tmp/s' } }).store, { type: 'file', path: '/tmp/s' });
  });

  it('turns off reconnection with reconnect: false', () => {
    assert.equal(normalizeOptions({ reconnect: false }).reconnect, false);
  });
});
