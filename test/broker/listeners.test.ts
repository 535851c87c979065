// TLS and WebSocket listeners: MQTT over TLS with and without client certificates (CN as user name),
// MQTT over WebSocket on its own port (ws and wss) and on a path of an existing HTTP server, binary frames
// only, packets split across and packed into frames, subprotocol negotiation, bounded close, port conflicts.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import mqtt from 'mqtt';
import WebSocket, { WebSocketServer } from 'ws';
import { encode } from '../../src/codec';
import {
  ListenError, TcpListener, TlsListener, WebSocketListener, WebSocketPathListener,
} from '../../src/broker';
import { hasOpenssl, makePki, type Pki } from '../client/helpers/pki';
import { TestClient, closeBrokers, makeBroker, nextEvent } from './helpers';

/** Opens a WebSocket and resolves once it is open (or rejects with the failure). */
function openWs(url: string, protocols: string[] | undefined = ['mqtt'], options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Resolves with every byte received once at least `length` bytes arrived (in any framing). */
function bytesFrom(ws: WebSocket, length: number, ms = 2000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${Buffer.concat(chunks).length} of ${length} bytes`)), ms);
    ws.on('message', (data: Buffer) => {
      chunks.push(data);
      const all = Buffer.concat(chunks);
      if (all.length < length) return;
      clearTimeout(timer);
      resolve(all);
    });
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('broker listeners: TLS', function () {
  let pki: Pki;
  before(function () {
    if (!hasOpenssl()) this.skip();
    pki = makePki();
  });
  after(() => pki?.cleanup());
  afterEach(closeBrokers);

  const secureContext = () => ({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca });

  it('serves MQTT over TLS to MQTT.js (v5 and 3.1.1)', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new TlsListener({ port: 0, secureContext: secureContext() }));
    assert.deepEqual(broker.addresses().map((a) => a.name), ['tls']);
    const url = `mqtts://localhost:${l.address()!.port}`;
    const sub = await mqtt.connectAsync(url, { ca: pki.ca, protocolVersion: 5, reconnectPeriod: 0 });
    const pub = await mqtt.connectAsync(url, { ca: pki.ca, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await sub.subscribeAsync('tls/#', { qos: 1 });
      const got = new Promise<string>((resolve) => sub.once('message', (_t, p) => resolve(p.toString())));
      await pub.publishAsync('tls/x', 'over tls', { qos: 1 });
      assert.equal(await got, 'over tls');
    } finally {
      await sub.endAsync();
      await pub.endAsync();
    }
  });

  it('required client certificates: no certificate fails the handshake; a verified one connects and its CN is the user name', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new TlsListener({
      port: 0, secureContext: secureContext(), clientCertificates: 'required', certificateIdentity: true,
    }));
    const port = l.address()!.port;
    const refused = tls.connect({ port, host: '127.0.0.1', ca: pki.ca, servername: 'localhost' });
    await new Promise<void>((resolve) => {
      refused.once('error', () => resolve());
      refused.once('close', () => resolve());
      // TLS 1.3 reports the missing certificate after the handshake: write to trigger the alert.
      refused.once('secureConnect', () => refused.write(encode({ type: 'pingreq' }, 4)));
    });
    refused.destroy();
    const connected = nextEvent(broker, 'clientConnect');
    const c = await mqtt.connectAsync(`mqtts://localhost:${port}`, {
      ca: pki.ca, cert: pki.client.cert, key: pki.client.key, clientId: 'with-cert', username: 'claimed', reconnectPeriod: 0,
    });
    const [info] = await connected;
    assert.deepEqual([info.clientId, info.username, info.identity, info.listener], ['with-cert', 'client', 'client', 'tls']);
    await c.endAsync();
  });

  it('optional client certificates: clients without one connect, with their own user name', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new TlsListener({ port: 0, secureContext: secureContext(), clientCertificates: 'optional', certificateIdentity: true }));
    const connected = nextEvent(broker, 'clientConnect');
    const c = await mqtt.connectAsync(`mqtts://localhost:${l.address()!.port}`, { ca: pki.ca, username: 'plain', reconnectPeriod: 0 });
    const [info] = await connected;
    assert.deepEqual([info.username, info.identity], ['plain', undefined]);
    await c.endAsync();
  });

  it('wss: MQTT over secure WebSocket with the same TLS settings', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0, tls: { secureContext: secureContext() } }));
    assert.equal(l.name, 'wss');
    const c = await mqtt.connectAsync(`wss://localhost:${l.address()!.port}/mqtt`, { ca: pki.ca, reconnectPeriod: 0 });
    await c.subscribeAsync('w/1');
    const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())));
    await broker.publish({ topic: 'w/1', payload: 'wss ok' });
    assert.equal(await got, 'wss ok');
    await c.endAsync();
  });
});

describe('broker listeners: WebSocket', () => {
  afterEach(closeBrokers);

  it('[MQTT-6.0.0-4] serves MQTT.js over ws:// and answers with the "mqtt" subprotocol', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0 }));
    const port = l.address()!.port;
    const ws = await openWs(`ws://127.0.0.1:${port}/`, ['mqtt']);
    assert.equal(ws.protocol, 'mqtt');
    ws.close();
    const old = await openWs(`ws://127.0.0.1:${port}/`, ['mqttv3.1']);
    assert.equal(old.protocol, 'mqttv3.1');
    old.close();
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, { protocolVersion: 5, reconnectPeriod: 0 });
    await c.subscribeAsync('ws/#', { qos: 2 });
    const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())));
    await c.publishAsync('ws/a', 'over websocket', { qos: 2 });
    assert.equal(await got, 'over websocket');
    await c.endAsync();
  });

  it('refuses a handshake that offers only other subprotocols (HTTP 400)', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0 }));
    await assert.rejects(openWs(`ws://127.0.0.1:${l.address()!.port}/`, ['chat']), /HTTP 400/);
  });

  it('[MQTT-6.0.0-2] reassembles packets split across frames and splits frames holding several packets', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0 }));
    const ws = await openWs(`ws://127.0.0.1:${l.address()!.port}/`);
    const connect = encode({ type: 'connect', protocolVersion: 4, clientId: 'framed', clean: true, keepalive: 0 }, 4);
    const subscribe = encode({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'f/#', qos: 0 }] }, 4);
    const publish = encode({ type: 'publish', topic: 'f/x', payload: Buffer.from('split'), qos: 0, retain: false, dup: false }, 4);
    const bytes = Buffer.concat([connect, subscribe, publish]);
    const received = bytesFrom(ws, 4 + 5 + (2 + 3 + 5)); // CONNACK, SUBACK, PUBLISH f/x "split"
    // CONNECT cut in the middle; its tail, SUBSCRIBE and half a PUBLISH in one frame; the rest in a third.
    const cut1 = 5;
    const cut2 = connect.length + subscribe.length + 4;
    for (const part of [bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)]) ws.send(part, { binary: true });
    const all = await received;
    assert.equal(all[0], 0x20, 'CONNACK');
    assert.equal(all[4], 0x90, 'SUBACK');
    assert.equal(all[9]! >> 4, 3, 'PUBLISH');
    assert.ok(all.subarray(9).toString('latin1').endsWith('f/xsplit'));
    ws.close();
  });

  it('[MQTT-6.0.0-1] closes the connection when a text frame arrives', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0 }));
    const ws = await openWs(`ws://127.0.0.1:${l.address()!.port}/`);
    const code = closed(ws);
    ws.send('not binary');
    assert.equal(await code, 1003);
  });

  it('with a path, other paths get 404; plain HTTP requests get 426', async () => {
    const broker = makeBroker();
    const l = await broker.listen(new WebSocketListener({ port: 0, path: '/mqtt' }));
    const port = l.address()!.port;
    await assert.rejects(openWs(`ws://127.0.0.1:${port}/other`), /HTTP 404/);
    (await openWs(`ws://127.0.0.1:${port}/mqtt`)).close();
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/mqtt`, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    assert.equal(status, 426);
  });

  it('on a path of an existing HTTP server: takes only its path and leaves other upgrades to their owners', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/comms') other.handleUpgrade(req, socket, head, (ws) => ws.send('editor comms'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const broker = makeBroker();
    const l = new WebSocketPathListener(server, { path: '/red/mqtt' });
    await broker.listen(l);
    try {
      const comms = new WebSocket(`ws://127.0.0.1:${port}/comms`);
      assert.equal(String(await new Promise((r) => comms.once('message', r))), 'editor comms');
      comms.close();
      const connected = nextEvent(broker, 'clientConnect');
      const client = await mqtt.connectAsync(`ws://127.0.0.1:${port}/red/mqtt`, { reconnectPeriod: 0 });
      const [info] = await connected;
      assert.equal(info.listener, 'ws-path');
      await client.endAsync();
      await broker.close();
      assert.equal(server.listeners('upgrade').length, 1, 'the broker removed its upgrade handler');
      const again = new WebSocket(`ws://127.0.0.1:${port}/comms`);
      assert.equal(String(await new Promise((r) => again.once('message', r))), 'editor comms', 'still served after the broker closed');
      again.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('broker listeners: binding and closing', () => {
  afterEach(closeBrokers);

  it('a taken port is reported as a ListenError with code EADDRINUSE', async () => {
    const first = makeBroker();
    const l = await first.listen(new WebSocketListener({ port: 0 }));
    const port = l.address()!.port;
    const second = makeBroker();
    await assert.rejects(second.listen(new WebSocketListener({ port })), (err: unknown) =>
      err instanceof ListenError && err.code === 'EADDRINUSE' && err.port === port && /already in use/.test(err.message));
  });

  it('close() frees the ports at once and ends in bounded time even with idle raw connections', async () => {
    const broker = makeBroker();
    const tcp = await broker.listen(new TcpListener({ port: 0 }));
    const ws = await broker.listen(new WebSocketListener({ port: 0 }));
    const ports = [tcp.address()!.port, ws.address()!.port] as const;
    const idle = net.connect(ports[1], '127.0.0.1'); // never upgrades
    await new Promise((r) => idle.once('connect', r));
    const idleClosed = new Promise((r) => idle.once('close', r));
    const mq = await TestClient.tcp(ports[0], 4);
    await mq.connect({ clientId: 'c' });
    await broker.close();
    await mq.expectClose();
    await idleClosed;
    const reuse = makeBroker();
    await reuse.listen(new TcpListener({ port: ports[0] }));
    await reuse.listen(new WebSocketListener({ port: ports[1] }));
  });
});
