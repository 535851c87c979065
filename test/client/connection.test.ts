import assert from 'node:assert/strict';
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import { ScriptedBroker } from './helpers/peer';
import { statusUntil, until, warnings, withTimeout } from './helpers/wait';

describe('client connection driver', () => {
  let broker: ScriptedBroker;
  const open: Connection[] = [];

  beforeEach(() => {
    broker = new ScriptedBroker();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.dispose()));
    broker.close();
  });

  function client(over: ConnectionOptionsInput = {}): Connection {
    const c = new Connection(
      normalizeOptions({ url: broker.url, clientId: 'c1', reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0 }, ...over }),
    );
    open.push(c);
    return c;
  }

  it('sends CONNECT first, with the options, and reports connected [MQTT-3.1.0-1]', async () => {
    const c = client({
      protocolVersion: 5,
      keepalive: 30,
      username: 'u',
      password: 'p',
      sessionExpiryInterval: 120,
      clean: false,
      receiveMaximum: 10,
      topicAliasMaximum: 5,
      userProperties: { app: 'test' },
      will: { topic: 'w', payload: 'bye', qos: 1, properties: { willDelayInterval: 5 } },
    });
    c.open();
    const peer = await broker.nextConnection();
    const connect = await peer.next('connect');
    assert.equal(peer.received[0]!.type, 'connect');
    assert.deepEqual(
      { ...connect, password: connect.password?.toString(), will: { ...connect.will, payload: connect.will?.payload.toString() } },
      {
        type: 'connect',
        protocolVersion: 5,
        clientId: 'c1',
        clean: false,
        keepalive: 30,
        username: 'u',
        password: 'p',
        will: { topic: 'w', payload: 'bye', qos: 1, retain: false, properties: { willDelayInterval: 5 } },
        properties: { sessionExpiryInterval: 120, receiveMaximum: 10, topicAliasMaximum: 5, userProperties: [['app', 'test']] },
      },
    );
    peer.connack();
    await statusUntil(c, (s) => s.phase === 'connected');
  });

  it('surfaces session present and every v5 CONNACK property, honouring assigned id and server keep alive', async () => {
    const c = client({ protocolVersion: 5, clean: false, sessionExpiryInterval: 60 });
    const connected = withTimeout(new Promise((r) => c.once('connected', r)), 3000, 'connected');
    c.open();
    await broker.accept({
      sessionPresent: true,
      properties: {
        assignedClientIdentifier: 'assigned-1',
        serverKeepAlive: 7,
        maximumQoS: 1,
        retainAvailable: false,
        maximumPacketSize: 1000,
        topicAliasMaximum: 3,
        receiveMaximum: 4,
        subscriptionIdentifiersAvailable: false,
        responseInformation: 'resp/',
        reasonString: 'welcome',
      },
    });
    await connected;
    const s = c.server!;
    assert.equal(s.sessionPresent, true);
    assert.equal(s.clientId, 'assigned-1');
    assert.equal(s.keepalive, 7);
    assert.equal(s.maximumQoS, 1);
    assert.equal(s.retainAvailable, false);
    assert.equal(s.maximumPacketSize, 1000);
    assert.equal(s.subscriptionIdentifiersAvailable, false);
    assert.equal(s.properties.responseInformation, 'resp/');
    assert.equal(s.properties.reasonString, 'welcome');
  });

  it('downgrades publishes above the server Maximum QoS and reports it [v5 MQTT-3.2.2-11]', async () => {
    const c = client({ protocolVersion: 5 });
    const seen = warnings(c);
    c.open();
    const peer = await broker.accept({ properties: { maximumQoS: 1 } });
    await statusUntil(c, (s) => s.phase === 'connected');
    const done = c.publish({ topic: 'a', payload: 'x', qos: 2 });
    const publish = await peer.next('publish');
    assert.equal(publish.qos, 1);
    peer.send({ type: 'puback', packetId: publish.packetId!, reasonCode: 0 });
    assert.equal((await done).qos, 1);
    assert.equal(seen[0]?.code, 'qos-downgraded');
  });

  it('refuses locally what the CONNACK forbids: packets above Maximum Packet Size, retain when unavailable [v5 MQTT-3.2.2-15]', async () => {
    const c = client({ protocolVersion: 5 });
    c.open();
    await broker.accept({ properties: { maximumPacketSize: 64, retainAvailable: false } });
    await statusUntil(c, (s) => s.phase === 'connected');
    await assert.rejects(c.publish({ topic: 'big', payload: Buffer.alloc(100), qos: 1 }), { name: 'PacketTooLargeError' });
    await assert.rejects(c.publish({ topic: 'r', payload: 'x', qos: 1, retain: true }), { name: 'RetainNotSupportedError' });
  });

  it('queues publishes made before the first CONNACK and sends them in order after it', async () => {
    const c = client();
    const results = [1, 2, 3].map((n) => c.publish({ topic: 'q', payload: String(n), qos: 1 }));
    const qos0 = c.publish({ topic: 'q', payload: '4', qos: 0 });
    assert.equal(c.queued, 4);
    c.open();
    const peer = await broker.accept();
    for (const n of [1, 2, 3]) {
      const p = await peer.next('publish');
      assert.equal(p.payload.toString(), String(n));
      peer.send({ type: 'puback', packetId: p.packetId!, reasonCode: 0 });
    }
    assert.equal((await peer.next('publish')).payload.toString(), '4');
    await Promise.all([...results, qos0]);
  });

  it('drops QoS 0 while offline under the drop policy, with a counted warning', async () => {
    const c = client({ queue: { qos0: 'drop' } });
    const seen = warnings(c);
    assert.deepEqual(await c.publish({ topic: 'q', payload: 'x' }), { qos: 0, reasonCode: 0, dropped: true });
    await c.publish({ topic: 'q', payload: 'y' });
    assert.deepEqual(
      seen.map((w) => [w.code, w.count]),
      [
        ['qos0-dropped', 1],
        ['qos0-dropped', 2],
      ],
    );
  });

  it('fails a publish beyond the queue bound with QueueFullError', async () => {
    const c = client({ queue: { maxMessages: 2 } });
    void c.publish({ topic: 'q', payload: '1', qos: 1 }).catch(() => undefined);
    void c.publish({ topic: 'q', payload: '2', qos: 1 }).catch(() => undefined);
    await assert.rejects(c.publish({ topic: 'q', payload: '3', qos: 1 }), { name: 'QueueFullError', message: /queue is full \(2 messages\)/ });
  });

  it('reports a refused CONNACK with its reason and waits the maximum delay (bad credentials)', async () => {
    const c = client({ protocolVersion: 5, username: 'u', password: 'bad' });
    c.open();
    const peer = await broker.nextConnection();
    await peer.next('connect');
    peer.connack({ reasonCode: 0x86, properties: { reasonString: 'nope' } });
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.name, 'ConnectionRefusedError');
    assert.equal(s.error?.message, 'connection refused: Bad User Name or Password (0x86): nope');
    assert.equal((s.error as { reasonCode?: number }).reasonCode, 0x86);
    assert.equal(s.retryReason, 'refused');
    assert.equal(s.retryInMs, 200);
  });

  it('reports a 3.1.1 refusal by its return code', async () => {
    const c = client();
    c.open();
    const peer = await broker.nextConnection();
    await peer.next('connect');
    peer.connack({ reasonCode: 5 });
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.message, 'connection refused: Not authorized (return code 5)');
  });

  it('reports a server DISCONNECT with reason code, reason string and server reference', async () => {
    const c = client({ protocolVersion: 5 });
    const seen = warnings(c);
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    peer.send({ type: 'disconnect', reasonCode: 0x9d, properties: { reasonString: 'moving', serverReference: 'other:1883' } });
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.message, 'disconnected by the server: Server moved (0x9d): moving (server reference: other:1883)');
    assert.equal(s.retryReason, 'refused');
    assert.ok(seen.some((w) => w.code === 'server-redirect'));
  });

  it('answers a malformed packet with DISCONNECT 0x81 and closes [v5 MQTT-4.13.1-1]', async () => {
    const c = client({ protocolVersion: 5 });
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    peer.sendRaw(Buffer.from([0x40, 0x01, 0x00])); // PUBACK with a 1-byte body: no packet id
    const disconnect = await peer.next('disconnect');
    assert.equal(disconnect.reasonCode, 0x81);
    await peer.untilClosed();
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.name, 'MqttError');
  });

  it('closes a 3.1.1 connection on a malformed packet without DISCONNECT [MQTT-4.8.0-1]', async () => {
    const c = client();
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    peer.sendRaw(Buffer.from([0x20, 0x02, 0x00, 0x00])); // a second CONNACK
    await peer.untilClosed();
    assert.ok(!peer.received.some((p) => p.type === 'disconnect'));
  });

  it('times out a missing CONNACK', async () => {
    const c = client({ connectTimeout: 100 });
    c.open();
    await (await broker.nextConnection()).next('connect');
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.message, 'no CONNACK from memory ' + broker.name + ' within 100 ms');
  });

  it('pings after the keep alive period and gives up on a silent server [3.1.1 MQTT-3.1.2-23] [v5 MQTT-3.1.2-20]', async function () {
    this.timeout(6000);
    const c = client({ keepalive: 1 });
    c.open();
    const peer = await broker.accept();
    await peer.next('pingreq', 2500);
    const s = await statusUntil(c, (st) => st.phase === 'reconnecting');
    assert.equal(s.error?.name, 'TransportError');
    assert.match(s.error!.message, /did not answer/);
  });

  it('reconnects, resumes the session and re-sends an unacknowledged QoS 1 with DUP [3.1.1 MQTT-4.4.0-1]', async () => {
    const c = client({ clean: false });
    c.open();
    const first = await broker.accept();
    const done = c.publish({ topic: 'r', payload: 'once', qos: 1 });
    const p1 = await first.next('publish');
    first.end();
    const second = await broker.accept({ sessionPresent: true });
    const p2 = await second.next('publish');
    assert.equal(p2.packetId, p1.packetId);
    assert.equal(p2.dup, true);
    second.send({ type: 'puback', packetId: p2.packetId!, reasonCode: 0 });
    await done;
  });

  it('publishes the birth message on every connect and the close message before a deliberate disconnect', async () => {
    const c = client({ birth: { topic: 'status', payload: 'up', retain: true }, close: { topic: 'status', payload: 'down', retain: true } });
    c.open();
    const first = await broker.accept();
    assert.equal((await first.next('publish')).payload.toString(), 'up');
    first.end();
    const second = await broker.accept();
    assert.equal((await second.next('publish')).payload.toString(), 'up');
    const closing = c.close();
    const bye = await second.next('publish');
    assert.equal(bye.payload.toString(), 'down');
    assert.equal(bye.retain, true);
    await second.next('disconnect');
    await closing;
    assert.equal(c.status.phase, 'disconnected');
  });

  it('bounds close(): a server that never closes is destroyed after the timeout', async () => {
    const c = client();
    c.open();
    const peer = await broker.accept();
    await statusUntil(c, (s) => s.phase === 'connected');
    peer.socket.pause(); // never reads, never ends
    await withTimeout(c.close({ timeoutMs: 200 }), 2000, 'close');
    assert.equal(c.status.phase, 'disconnected');
  });

  it('delivers incoming messages and acknowledges QoS 2 exactly once [3.1.1 MQTT-4.3.3-2]', async () => {
    const c = client();
    const got: string[] = [];
    c.on('message', (p) => got.push(p.payload.toString()));
    c.open();
    const peer = await broker.accept();
    peer.send({ type: 'publish', topic: 't', payload: Buffer.from('two'), qos: 2, retain: false, dup: false, packetId: 9 });
    assert.equal((await peer.next('pubrec')).packetId, 9);
    peer.send({ type: 'publish', topic: 't', payload: Buffer.from('two'), qos: 2, retain: false, dup: true, packetId: 9 });
    await peer.next('pubrec');
    peer.send({ type: 'pubrel', packetId: 9, reasonCode: 0 });
    await peer.next('pubcomp');
    await until(c, 'message', () => got.length >= 1);
    assert.deepEqual(got, ['two']);
  });

  it('detects a duplicate-client-id kick loop (repeated quick 0x8E session taken over) and says so', async () => {
    const c = client({ protocolVersion: 5 });
    const seen = warnings(c);
    c.open();
    for (let i = 0; i < 3; i++) {
      const peer = await broker.accept();
      peer.send({ type: 'disconnect', reasonCode: 0x8e });
    }
    const s = await statusUntil(c, (st) => st.retryReason === 'kickLoop');
    assert.equal(s.retryInMs, 200);
    assert.match(s.error!.message, /Session taken over \(0x8e\)/);
    const kick = seen.find((w) => w.code === 'kick-loop');
    assert.match(kick?.message ?? '', /client id "c1" is repeatedly taken over/);
  });

  it('stays down after a refusal when reconnect is off', async () => {
    const c = client({ reconnect: false });
    c.open();
    const peer = await broker.nextConnection();
    await peer.next('connect');
    peer.connack({ reasonCode: 4 });
    const s = await statusUntil(c, (st) => st.phase === 'disconnected');
    assert.equal(s.error?.name, 'ConnectionRefusedError');
  });
});
