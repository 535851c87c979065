import assert from 'node:assert/strict';
import { normalizeOptions } from '../../../src/client/options';
import { connectionOptions, MissingEnvError, storeDirectory, type BrokerConfigDef } from '../../../src/nodes/shared/config';

const env: Record<string, string> = { MQTT_USER: 'alice', MQTT_PASS: 'pw', SITE: 'north' };
const ctx = { credentials: undefined, env: (n: string) => env[n], userDir: '/data' };

/** The editor's defaults for a new config node (editor.html). */
const editorDefaults: BrokerConfigDef = {
  id: 'cfg1', name: '', broker: 'localhost', port: 1883, usetls: false, protocolVersion: 5, clientid: '', keepalive: 60,
  connectTimeout: 30, cleansession: true, sessionExpiry: 0, autoConnect: true,
  birthTopic: '', birthQos: '0', birthRetain: 'false', birthPayload: '', birthMsg: {},
  closeTopic: '', closeQos: '0', closeRetain: 'false', closePayload: '', closeMsg: {},
  willTopic: '', willQos: '0', willRetain: 'false', willPayload: '', willMsg: {},
  store: 'memory', queueMaxMessages: 10000, queueMaxMB: 64, qos0Offline: 'queue', reconnectMin: 1, reconnectMax: 60,
  reconnectFactor: 2, userProps: '', receiveMaximum: '', maximumPacketSize: '', topicAliasMaximum: 0,
  requestProblemInformation: true, requestResponseInformation: true,
};

describe('nodes/shared/config: config node -> connection options', () => {
  it('the editor defaults give valid options for the client', () => {
    const o = normalizeOptions(connectionOptions(editorDefaults, ctx));
    assert.equal(o.endpoint.protocol, 'mqtt');
    assert.equal(o.endpoint.host, 'localhost');
    assert.equal(o.endpoint.port, 1883);
    assert.equal(o.protocolVersion, 5);
    assert.equal(o.clientIdGenerated, true);
    assert.equal(o.connectTimeoutMs, 30_000);
    assert.deepEqual(o.queue, { maxMessages: 10000, maxBytes: 64 * 1024 * 1024, qos0: 'queue' });
    assert.equal(o.reconnect && o.reconnect.initialDelayMs, 1000);
    assert.equal(o.reconnect && o.reconnect.maxDelayMs, 60_000);
    assert.deepEqual(o.store, { type: 'memory' });
    assert.equal(o.will, undefined);
  });
  it('uses a URL as is and ignores the port field', () => {
    const o = normalizeOptions(connectionOptions({ ...editorDefaults, broker: 'wss://b.example.com/mqtt', port: 1883 }, ctx));
    assert.equal(o.endpoint.protocol, 'wss');
    assert.equal(o.endpoint.port, 443);
    assert.equal(o.endpoint.path, '/mqtt');
  });
  it('turns "Use TLS" on a host into mqtts', () => {
    const o = normalizeOptions(connectionOptions({ ...editorDefaults, usetls: true, port: 8883 }, { ...ctx, tls: { ca: 'PEM' } }));
    assert.equal(o.endpoint.protocol, 'mqtts');
    assert.equal(o.endpoint.tls.ca, 'PEM');
  });
  it('expands ${NAME} in server, client id and credentials', () => {
    const o = connectionOptions({ ...editorDefaults, broker: '${SITE}.example.com', clientid: 'nr-${SITE}' },
      { ...ctx, credentials: { user: '${MQTT_USER}', password: 'x${MQTT_PASS}' } });
    assert.equal(o.host, 'north.example.com');
    assert.equal(o.clientId, 'nr-north');
    assert.equal(o.username, 'alice');
    assert.equal(o.password, 'xpw');
  });
  it('refuses to use an unset ${NAME}, naming the field', () => {
    assert.throws(() => connectionOptions(editorDefaults, { ...ctx, credentials: { password: '${NOPE}' } }),
      (e: unknown) => e instanceof MissingEnvError && e.field === 'password' && e.names[0] === 'NOPE');
  });
  it('puts a file store under <userDir>/mqtt-kit/<id>', () => {
    const o = connectionOptions({ ...editorDefaults, store: 'file' }, ctx);
    assert.deepEqual(o.store, { type: 'file', path: storeDirectory('/data', 'cfg1') });
    assert.equal(storeDirectory('/data', 'a/b'), '/data/mqtt-kit/a_b');
  });
  it('maps birth/close/will with v5 properties in core\'s short names', () => {
    const o = normalizeOptions(connectionOptions({
      ...editorDefaults, willTopic: 'nr/status', willPayload: 'offline', willQos: '1', willRetain: 'true',
      willMsg: { contentType: 'text/plain', delay: '5', userProps: '{"a":"1"}' }, birthTopic: 'nr/status', birthPayload: 'online',
    }, ctx));
    assert.equal(o.will?.topic, 'nr/status');
    assert.equal(o.will?.qos, 1);
    assert.equal(o.will?.retain, true);
    assert.deepEqual(o.will?.properties, { contentType: 'text/plain', willDelayInterval: 5, userProperties: [['a', '1']] });
    assert.equal(o.birth?.payload.toString(), 'online');
  });
  it('sends v5-only settings only with MQTT 5', () => {
    const v5 = connectionOptions({ ...editorDefaults, sessionExpiry: 3600, receiveMaximum: 100, userProps: '{"k":"v"}' }, ctx);
    assert.equal(v5.sessionExpiryInterval, 3600);
    assert.equal(v5.receiveMaximum, 100);
    const v4 = connectionOptions({ ...editorDefaults, protocolVersion: '4', sessionExpiry: 3600, receiveMaximum: 100 }, ctx);
    assert.equal(v4.sessionExpiryInterval, undefined);
    assert.equal(v4.receiveMaximum, undefined);
  });
  it('a persistent session without a client id is a clear option error', () => {
    assert.throws(() => normalizeOptions(connectionOptions({ ...editorDefaults, cleansession: false }, ctx)), /clientId/);
  });
});
