// Our broker's TLS and WebSocket listeners against real clients: mosquitto_pub / mosquitto_sub over TLS (with a
// throwaway CA; a client certificate whose CN becomes the user name), and paho-mqtt over TLS, WebSocket and
// secure WebSocket (Mosquitto's command line clients do not speak WebSocket). MQTT 3.1.1 and 5.
import assert from 'node:assert/strict';
import { Broker, TlsListener, WebSocketListener, type ClientInfo } from '../../src/broker';
import { hasOpenssl, makePki, type Pki } from '../client/helpers/pki';
import { nextEvent } from '../broker/helpers';
import { describeWithTools, Paho, Procs, type PahoConfig } from './broker-tools';

const FORMAT = '%t|%q|%p';

describeWithTools('broker interop: TLS and WebSocket listeners', ['mosquitto-clients', 'paho'], function () {
  this.timeout(30_000);
  let pki: Pki;
  let broker: Broker;
  let ports: { tls: number; mtls: number; ws: number; wss: number };
  const procs = new Procs();

  before(function () {
    if (!hasOpenssl()) {
      if (process.env.MQTT_KIT_REQUIRE_INTEROP === '1') throw new Error('openssl is required to make the test certificates');
      this.skip();
    }
    pki = makePki();
  });
  after(() => pki?.cleanup());

  beforeEach(async () => {
    broker = new Broker();
    const secureContext = { key: pki.server.key, cert: pki.server.cert, ca: pki.ca };
    const tls = await broker.listen(new TlsListener({ port: 0, secureContext }));
    const mtls = await broker.listen(new TlsListener({
      port: 0, name: 'mtls', secureContext, clientCertificates: 'required', certificateIdentity: true,
    }));
    const ws = await broker.listen(new WebSocketListener({ port: 0, path: '/mqtt' }));
    const wss = await broker.listen(new WebSocketListener({ port: 0, path: '/mqtt', tls: { secureContext } }));
    ports = { tls: tls.address()!.port, mtls: mtls.address()!.port, ws: ws.address()!.port, wss: wss.address()!.port };
  });
  afterEach(async () => {
    await procs.killAll();
    await broker.close();
  });

  /** Resolves with the ClientInfo of `clientId` once it connected. */
  function connectedInfo(clientId: string): Promise<ClientInfo> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${clientId} did not connect`)), 10_000);
      const on = (info: ClientInfo): void => {
        if (info.clientId !== clientId) return;
        clearTimeout(timer);
        broker.off('clientConnect', on);
        resolve(info);
      };
      broker.on('clientConnect', on);
    });
  }

  for (const v of ['mqttv311', '5'] as const) {
    const tag = v === '5' ? 'v5' : '3.1.1';
    it(`mosquitto_pub -> mosquitto_sub over TLS, QoS 1 (${tag})`, async () => {
      const tlsArgs = ['-h', 'localhost', '-p', String(ports.tls), '--cafile', pki.files.ca, '-V', v];
      const ready = nextEvent(broker, 'subscribe', 10_000);
      const sub = procs.spawn('mosquitto_sub', [...tlsArgs, '-i', `tls-sub-${tag}`, '-t', 'tls/#', '-q', '1', '-F', FORMAT, '-C', '1', '-W', '10']);
      const [who] = await ready;
      assert.equal(who.listener, 'tls');
      await procs.run('mosquitto_pub', [...tlsArgs, '-t', 'tls/x', '-m', 'encrypted', '-q', '1']);
      assert.equal((await sub.finished()).code, 0, sub.stderr);
      assert.deepEqual(sub.lines, ['tls/x|1|encrypted']);
    });
  }

  it('a mosquitto_pub client certificate: the handshake needs it, and its CN becomes the user name', async () => {
    const base = ['-h', 'localhost', '-p', String(ports.mtls), '--cafile', pki.files.ca, '-V', '5', '-t', 'm/x', '-m', 'hi', '-q', '1'];
    const info = connectedInfo('with-cert');
    await procs.run('mosquitto_pub', [...base, '-i', 'with-cert', '--cert', pki.files.clientCert, '--key', pki.files.clientKey]);
    const got = await info;
    assert.deepEqual([got.listener, got.username], ['mtls', 'client']);
    const refused = procs.spawn('mosquitto_pub', [...base, '-i', 'no-cert'], { limitMs: 10_000 });
    refused.child.stdin!.end();
    assert.notEqual((await refused.finished()).code, 0, 'no client certificate: the TLS handshake fails');
    assert.equal(broker.stats.sessions, 0);
  });

  it('mosquitto_pub trusting another CA fails the handshake; the broker keeps nothing', async () => {
    const pub = procs.spawn('mosquitto_pub', ['-h', 'localhost', '-p', String(ports.tls), '--cafile', pki.files.serverCert, '-t', 'x', '-m', 'y'], { limitMs: 10_000 });
    pub.child.stdin!.end();
    assert.notEqual((await pub.finished()).code, 0);
    assert.equal(broker.stats.sessions, 0);
  });

  const pahoTransports: Array<[string, (id: string, version: 4 | 5) => PahoConfig]> = [
    ['TLS', (clientId, version) => ({ host: 'localhost', port: ports.tls, clientId, version, tls: { ca: pki.files.ca } })],
    ['WebSocket', (clientId, version) => ({ port: ports.ws, clientId, version, transport: 'websockets', wsPath: '/mqtt' })],
    ['secure WebSocket', (clientId, version) => ({ host: 'localhost', port: ports.wss, clientId, version, transport: 'websockets', wsPath: '/mqtt', tls: { ca: pki.files.ca } })],
  ];
  for (const [transport, config] of pahoTransports) {
    for (const version of [4, 5] as const) {
      const tag = version === 5 ? 'v5' : '3.1.1';
      it(`paho over ${transport}: QoS 0, 1, 2 both ways (${tag})`, async () => {
        const { paho: a } = await Paho.connect(procs, config(`a-${transport}-${tag}`.replace(/ /g, ''), version));
        const { paho: b } = await Paho.connect(procs, config(`b-${transport}-${tag}`.replace(/ /g, ''), version));
        await a.subscribe('t/a', 2);
        await b.subscribe('t/b', 2);
        for (const qos of [0, 1, 2]) {
          await a.publish('t/b', `to-b-${qos}`, { qos });
          await b.publish('t/a', `to-a-${qos}`, { qos });
        }
        assert.deepEqual((await a.messagesUntil(3)).map((m) => `${m.qos}|${m.payload}`).sort(), ['0|to-a-0', '1|to-a-1', '2|to-a-2']);
        assert.deepEqual((await b.messagesUntil(3)).map((m) => `${m.qos}|${m.payload}`).sort(), ['0|to-b-0', '1|to-b-1', '2|to-b-2']);
        const listeners = new Set(broker.clients().map((c) => c.listener));
        assert.deepEqual([...listeners], [transport === 'TLS' ? 'tls' : transport === 'WebSocket' ? 'ws' : 'wss']);
      });
    }
  }
});
