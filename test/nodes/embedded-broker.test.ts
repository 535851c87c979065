// The mqtt-embedded-broker node on the built bundle: start, redeploy without "port in use", a port
// conflict shown as an error, users and ACL, the events and publish outputs, input publishes and actions,
// config nodes over the in-process transport, WebSocket on Node-RED's own server, persistence across a
// node restart, and the editor's password hashing endpoint.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { verifyPassword } from '../../src/broker';
import { freePort } from '../free-port';
import {
  brokerConfig, collect, flowSuite, helper, mqttIn, mqttKit, mqttOut, nextInput, sink, statusOf, TAB, type FlowNode,
} from './flow-helpers';

/** An embedded broker node with the editor's defaults, output 1 -> `events`, output 2 -> `routed`. */
function embedded(id: string, extra: Record<string, unknown> = {}, wires: string[][] = [['events'], []]): FlowNode {
  return {
    id, type: 'mqtt-embedded-broker', z: 'f1', x: 0, y: 0, name: '', tcp: true, host: '127.0.0.1', port: 1883,
    tlsEnabled: false, tls: '', tlsPort: 8883, clientCerts: 'none', certUsername: false, ws: 'off', wsPort: 9001,
    wsPath: '/mqtt', wsTls: false, anonymous: 'auto', aclEnabled: false, acl: '', maxConnections: '', maxPacketKB: '',
    maxInflight: '', maxQueued: '', connectTimeout: '', maxTopicLevels: '', maxTopicLength: '', maxSessionExpiry: '',
    persistence: 'off', fsync: 'batch', sysInterval: 10, wires, ...extra,
  };
}

/** Parts of node-red-node-test-helper that test-helper.d.ts does not declare. */
const http = helper as unknown as { url(): string; request(): any };
// The test helper's RED._ returns catalog keys, not texts.
const running = (s: { fill?: string; text?: string }) => s.fill === 'green' && s.text === 'mqtt-embedded-broker.status.running';
const closeClient = (c: mqtt.MqttClient) => c.endAsync();

describe('nodes: mqtt-embedded-broker', function () {
  const suite = flowSuite({ userDir: 'mqtt-kit-eb-' });

  it('starts when deployed: MQTT.js connects over TCP, status shows clients, output 1 reports the connection', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), [TAB, embedded('eb', { port }), sink('events')]);
    const node = helper.getNode('eb');
    await statusOf(node, running);
    const connected = nextInput(helper.getNode('events'), (m) => m.topic === 'clientConnect');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'js-1', protocolVersion: 5, reconnectPeriod: 0 });
    const msg = await connected;
    assert.deepEqual(msg.payload, {
      clientId: 'js-1', username: undefined, remoteAddress: msg.payload.remoteAddress, listener: 'tcp', protocolVersion: 5, sessionPresent: false,
    });
    await closeClient(client);
  });

  it('redeploys without "port in use": the new node listens on the same port at once', async () => {
    const port = await freePort();
    const flow = [TAB, embedded('eb', { port }), sink('events')];
    await helper.load(mqttKit(), flow);
    await statusOf(helper.getNode('eb'), running);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const gone = new Promise<void>((r) => client.once('close', () => r()));
    for (let i = 0; i < 3; i++) {
      await helper.setFlows(flow.map((n) => (n.id === 'eb' ? { ...n, name: `v${i}` } : n)), 'nodes');
      await statusOf(helper.getNode('eb'), running);
    }
    await gone;
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    await closeClient(again);
    client.end(true);
  });

  it('reports a port conflict as an error with a red status', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await helper.load(mqttKit(), [TAB, embedded('eb', { port }), sink('events')]);
      const status = await statusOf(helper.getNode('eb'), (s) => s.fill === 'red');
      assert.equal(status.shape, 'ring');
      assert.equal(status.text, 'mqtt-embedded-broker.errors.in-use');
    } finally {
      blocker.close();
    }
  });

  it('users and ACL: wrong passwords are refused and reported; the ACL limits publish and subscribe', async () => {
    const port = await freePort();
    const acl = 'user alice\ntopic readwrite alice/#\ntopic read news/#';
    const events = 'events';
    await helper.load(mqttKit(), [TAB, embedded('eb', { port, aclEnabled: true, acl }), sink(events)], {
      eb: { users: JSON.stringify([{ username: 'alice', password: 'wonderland' }]) },
    });
    await statusOf(helper.getNode('eb'), running);
    const url = `mqtt://127.0.0.1:${port}`;
    const failure = nextInput(helper.getNode(events), (m) => m.topic === 'authFailure');
    await assert.rejects(mqtt.connectAsync(url, { username: 'alice', password: 'nope', reconnectPeriod: 0, protocolVersion: 5 }), /Bad User Name or Password/i);
    assert.deepEqual((({ reason, reasonCode, username }) => ({ reason, reasonCode, username }))((await failure).payload),
      { reason: 'bad-password', reasonCode: 0x86, username: 'alice' });
    await assert.rejects(mqtt.connectAsync(url, { reconnectPeriod: 0 }), /Not authorized/i, 'anonymous is off once a user exists');
    const alice = await mqtt.connectAsync(url, { username: 'alice', password: 'wonderland', reconnectPeriod: 0, protocolVersion: 5 });
    try {
      assert.deepEqual((await alice.subscribeAsync('alice/#')).map((g) => g.qos), [0]);
      await assert.rejects(alice.subscribeAsync('bob/#'), /Not authorized/);
      await assert.rejects(alice.publishAsync('bob/x', 'no', { qos: 1 }), /Not authorized|135/);
      const got = new Promise<string>((r) => alice.once('message', (topic) => r(topic)));
      await alice.publishAsync('alice/x', 'yes', { qos: 1 });
      assert.equal(await got, 'alice/x');
    } finally {
      await closeClient(alice);
    }
  });

  it('hashes a plaintext password found in the credentials and stores only the hash', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), [TAB, embedded('eb', { port }), sink('events')], {
      eb: { users: JSON.stringify([{ username: 'bob', password: 'builder' }]) },
    });
    const node = helper.getNode('eb');
    await statusOf(node, running);
    // What Node-RED's credential store now holds for the node (written to disk with the next deploy).
    const creds = (helper as unknown as { _redNodes: { getCredentials(id: string): { users: string } } })._redNodes.getCredentials('eb');
    const stored = JSON.parse(creds.users) as Array<{ username: string; hash?: string; password?: string }>;
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.password, undefined);
    assert.equal(await verifyPassword('builder', stored[0]!.hash!), true);
  });

  it('output 1 reports subscribe, unsubscribe and disconnect; output 2 (when wired) every message', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), [TAB, embedded('eb', { port }, [['events'], ['routed']]), sink('events'), sink('routed')]);
    await statusOf(helper.getNode('eb'), running);
    const events = helper.getNode('events');
    const seen = collect(events, 4);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'watch', reconnectPeriod: 0, protocolVersion: 5 });
    await client.subscribeAsync('a/+', { qos: 1 });
    const routed = nextInput(helper.getNode('routed'));
    await client.publishAsync('a/1', 'hello', { qos: 1, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    const m = await routed;
    assert.deepEqual([m.topic, m.payload.toString(), m.qos, m.retain, m.client, m.contentType, m.userProperties],
      ['a/1', 'hello', 1, false, { clientId: 'watch', username: undefined }, 'text/plain', { k: 'v' }]);
    await client.unsubscribeAsync('a/+');
    await closeClient(client);
    const msgs = await seen;
    assert.deepEqual(msgs.map((x) => x.topic), ['clientConnect', 'subscribe', 'unsubscribe', 'clientDisconnect']);
    assert.deepEqual(msgs[1].payload.subscriptions, [{ topic: 'a/+', qos: 1, granted: true }]);
    assert.deepEqual(msgs[2].payload.topics, ['a/+']);
    assert.deepEqual([msgs[3].payload.reasonCode, msgs[3].payload.origin], [0, 'client']);
  });

  it('input publishes into the broker; actions list clients and retained messages, give stats and disconnect', async () => {
    const port = await freePort();
    await helper.load(mqttKit(), [TAB, embedded('eb', { port }), sink('events')]);
    const node = helper.getNode('eb');
    await statusOf(node, running);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'reader', reconnectPeriod: 0 });
    await client.subscribeAsync('from/flow', { qos: 1 });
    const got = new Promise<[string, string]>((r) => client.once('message', (t, p) => r([t, p.toString()])));
    node.receive({ topic: 'from/flow', payload: { n: 1 }, qos: 1, retain: true });
    assert.deepEqual(await got, ['from/flow', '{"n":1}']);
    const events = helper.getNode('events');
    const ask = async (msg: Record<string, unknown>) => {
      const reply = nextInput(events, (m) => m.action === msg.action);
      node.receive(msg);
      return (await reply).payload;
    };
    const retained = await ask({ action: 'retained', topic: 'from/#' });
    assert.deepEqual(retained.map((r: any) => [r.topic, r.payload.toString(), r.retain]), [['from/flow', '{"n":1}', true]]);
    const clients = await ask({ action: 'clients' });
    assert.deepEqual(clients.map((c: any) => [c.clientId, c.listener]), [['reader', 'tcp']]);
    const stats = await ask({ action: 'stats' });
    assert.ok(stats.messagesIn >= 1 && stats.retained >= 1 && stats.connections === 1);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    assert.equal(await ask({ action: 'disconnect', clientId: 'reader' }), true);
    await closed;
    client.end(true);
  });

  it('input errors are catchable: unknown action, missing topic', async () => {
    await helper.load(mqttKit(), [TAB, embedded('eb', { tcp: false }), sink('events'),
      { id: 'c', type: 'catch', z: 'f1', x: 0, y: 0, name: '', scope: ['eb'], uncaught: false, wires: [['caught']] }, sink('caught')]);
    await statusOf(helper.getNode('eb'), running);
    const caught = helper.getNode('caught');
    let err = nextInput(caught);
    helper.getNode('eb').receive({ action: 'explode' });
    assert.equal((await err).error.code, 'INVALID_ACTION');
    err = nextInput(caught);
    helper.getNode('eb').receive({ payload: 'no topic' });
    assert.equal((await err).error.code, 'MISSING_TOPIC');
  });

  it('a config node with server memory://<id> connects in-process: mqtt-out to mqtt-in through the embedded broker', async () => {
    await helper.load(mqttKit(), [
      TAB, embedded('eb', { tcp: false }), sink('events'),
      brokerConfig('cfg', 0, { broker: 'memory://eb', port: '' }),
      mqttIn('in', 'cfg', 'mem/#', ['received']), mqttOut('out', 'cfg'), sink('received'),
    ]);
    await statusOf(helper.getNode('in'), (s) => s.fill === 'green');
    const connected = nextInput(helper.getNode('events'), (m) => m.topic === 'subscribe');
    await connected;
    const received = nextInput(helper.getNode('received'));
    helper.getNode('out').receive({ topic: 'mem/1', payload: 'in-process', qos: 1 });
    const msg = await received;
    assert.deepEqual([msg.topic, msg.payload], ['mem/1', 'in-process']);
    const reply = nextInput(helper.getNode('events'), (m) => m.action === 'clients');
    helper.getNode('eb').receive({ action: 'clients' });
    assert.deepEqual((await reply).payload.map((c: any) => c.listener), ['memory']);
  });

  it('a config node that starts before its embedded broker (deployed later) connects when the broker appears, never red', async () => {
    const nodes = [brokerConfig('cfg', 0, { broker: 'memory://late-eb', port: '' }), mqttIn('in', 'cfg', 'late/#', ['received']), sink('received')];
    await helper.load(mqttKit(), [TAB, ...nodes]);
    const input = helper.getNode('in');
    await statusOf(input, (s) => s.fill === 'yellow');
    await helper.setFlows([TAB, embedded('late-eb', { tcp: false }), sink('events'), ...nodes], 'nodes');
    await statusOf(input, (s) => s.fill === 'green');
    // Every status the node showed, from the helper's spy on Node.prototype.status.
    const calls = (input as unknown as { status: { getCalls(): Array<{ thisValue: unknown; args: [{ fill?: string }] }> } }).status.getCalls();
    const fills = calls.filter((c) => c.thisValue === input).map((c) => c.args[0].fill);
    assert.deepEqual(fills.filter((f) => f === 'red'), [], `no refusal while the broker was not there yet (${fills.join(', ')})`);
    const received = nextInput(helper.getNode('received'));
    helper.getNode('late-eb').receive({ topic: 'late/1', payload: 'found' });
    assert.equal((await received).payload, 'found');
  });

  it('serves MQTT over WebSocket on a path of Node-RED\'s own HTTP server', async () => {
    await helper.load(mqttKit(), [TAB, embedded('eb', { tcp: false, ws: 'path', wsPath: 'broker-ws' }), sink('events')]);
    await statusOf(helper.getNode('eb'), running);
    const url = http.url().replace(/^http/, 'ws');
    const client = await mqtt.connectAsync(`${url}/broker-ws`, { reconnectPeriod: 0, protocolVersion: 5 });
    await client.subscribeAsync('w');
    const got = new Promise<string>((r) => client.once('message', (_t, p) => r(p.toString())));
    helper.getNode('eb').receive({ topic: 'w', payload: 'through node-red' });
    assert.equal(await got, 'through node-red');
    await closeClient(client);
  });

  it('with persistence on, retained messages and a persistent session survive a node restart', async () => {
    const port = await freePort();
    const flow = [TAB, embedded('ebp', { port, persistence: 'on', fsync: 'batch' }), sink('events')];
    await helper.load(mqttKit(), flow);
    await statusOf(helper.getNode('ebp'), running);
    const url = `mqtt://127.0.0.1:${port}`;
    const sub = await mqtt.connectAsync(url, { clientId: 'keeper', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 });
    await sub.subscribeAsync('p/#', { qos: 1 });
    await closeClient(sub);
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    await pub.publishAsync('p/queued', 'while away', { qos: 1 });
    await pub.publishAsync('state', 'kept', { qos: 1, retain: true });
    await closeClient(pub);
    await helper.unload();
    assert.ok(readdirSync(join(suite.userDir, 'mqtt-kit')).includes('broker-ebp'));

    await helper.load(mqttKit(), flow);
    const node = helper.getNode('ebp');
    await statusOf(node, running);
    const reply = nextInput(helper.getNode('events'), (m) => m.action === 'retained');
    node.receive({ action: 'retained', topic: 'state' });
    assert.equal((await reply).payload[0].payload.toString(), 'kept');
    const back = mqtt.connect(url, { clientId: 'keeper', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0, manualConnect: true });
    const got = new Promise<string>((r) => back.once('message', (_t, p) => r(p.toString())));
    const connack = new Promise<boolean>((r) => back.once('connect', (c) => r(c.sessionPresent)));
    back.connect();
    assert.equal(await connack, true);
    assert.equal(await got, 'while away');
    await closeClient(back);
  });

  it('the editor hashes a new password through the admin endpoint; only the hash comes back', async () => {
    await helper.load(mqttKit(), [TAB, embedded('eb', { tcp: false }), sink('events')]);
    const res = await http.request().post('/mqtt-kit/embedded-broker/hash').send({ password: 's3cret' }).expect(200);
    assert.match(res.body.hash, /^scrypt\$ln=14,r=8,p=1\$/);
    assert.equal(await verifyPassword('s3cret', res.body.hash), true);
    await http.request().post('/mqtt-kit/embedded-broker/hash').send({}).expect(400);
  });
});
