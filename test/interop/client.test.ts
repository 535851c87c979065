// Our client against a real Mosquitto: MQTT 3.1.1 and 5, TCP, TLS and WebSocket, QoS 0/1/2 both ways,
// retained messages, will, session resume, refused credentials.
import assert from 'node:assert/strict';
import { ConnectionPool } from '../../src/client/pool';
import type { Delivery } from '../../src/client/types';
import { hasOpenssl, makePki, type Pki } from '../client/helpers/pki';
import { statusUntil, withTimeout } from '../client/helpers/wait';
import { Clients, Collector } from './client-helpers';
import { describeWithMosquitto, Mosquitto } from './mosquitto';

describeWithMosquitto('client interop with Mosquitto', function () {
  this.timeout(20_000);
  let broker: Mosquitto;
  let pki: Pki | undefined;
  const clients = new Clients();

  before(async () => {
    pki = hasOpenssl() ? makePki() : undefined;
    broker = await Mosquitto.start({
      websockets: true,
      ...(pki ? { tls: { caFile: pki.files.ca, certFile: pki.files.serverCert, keyFile: pki.files.serverKey } } : {}),
    });
  });
  after(async () => {
    await broker?.stop();
    pki?.cleanup();
  });
  afterEach(() => clients.disposeAll());

  for (const protocolVersion of [4, 5] as const) {
    const tag = protocolVersion === 5 ? 'v5' : '3.1.1';
    describe(`MQTT ${tag}`, () => {
      // Over TCP with a stock Mosquitto: the transport and nothing outside the spec is needed to interoperate.
      it(`delivers QoS 0, 1 and 2 in both directions over TCP, each exactly as sent [${protocolVersion === 5 ? 'v5 MQTT-4.3.3-10' : '3.1.1 MQTT-4.3.3-2] [3.1.1 MQTT-7.1.2-1] [3.1.1 MQTT-7.0.0-2'}]`, async () => {
        const a = await clients.connected({ url: broker.url, protocolVersion, clientId: `a${protocolVersion}` });
        const b = await clients.connected({ url: broker.url, protocolVersion, clientId: `b${protocolVersion}` });
        const atA = new Collector(a);
        const atB = new Collector(b);
        assert.deepEqual((await a.subscribe([{ topicFilter: 'x/a/#', qos: 2 }])).reasonCodes, [2]);
        assert.deepEqual((await b.subscribe([{ topicFilter: 'x/b/#', qos: 2 }])).reasonCodes, [2]);
        for (const qos of [0, 1, 2] as const) {
          assert.equal((await a.publish({ topic: `x/b/${qos}`, payload: `to-b-${qos}`, qos })).qos, qos);
          assert.equal((await b.publish({ topic: `x/a/${qos}`, payload: `to-a-${qos}`, qos })).qos, qos);
        }
        await atA.wait(3);
        await atB.wait(3);
        assert.deepEqual(atB.messages.map((m) => [m.topic, m.qos, m.payload.toString()]), [
          ['x/b/0', 0, 'to-b-0'],
          ['x/b/1', 1, 'to-b-1'],
          ['x/b/2', 2, 'to-b-2'],
        ]);
        assert.deepEqual(atA.payloads, ['to-a-0', 'to-a-1', 'to-a-2']);
      });

      it(`stores and delivers retained messages [${protocolVersion === 5 ? 'v5 MQTT-3.3.1-9' : '3.1.1 MQTT-3.3.1-6'}]`, async () => {
        const pub = await clients.connected({ url: broker.url, protocolVersion });
        await pub.publish({ topic: `ret/${tag}`, payload: 'kept', qos: 1, retain: true });
        const sub = await clients.connected({ url: broker.url, protocolVersion });
        const got = new Collector(sub);
        await sub.subscribe([{ topicFilter: `ret/${tag}`, qos: 1 }]);
        await got.wait(1);
        assert.equal(got.messages[0]!.retain, true);
        assert.equal(got.payloads[0], 'kept');
        await pub.publish({ topic: `ret/${tag}`, payload: '', qos: 1, retain: true }); // clear it
      });

      it(`publishes the will when the connection is lost, not on a clean disconnect [${tag} MQTT-3.1.2-8]`, async () => {
        const watcher = await clients.connected({ url: broker.url, protocolVersion });
        const got = new Collector(watcher);
        await watcher.subscribe([{ topicFilter: `will/${tag}/#`, qos: 1 }]);
        const clean = await clients.connected({ url: broker.url, protocolVersion, will: { topic: `will/${tag}/clean`, payload: 'no' } });
        await clean.close();
        const lost = await clients.connected({ url: broker.url, protocolVersion, reconnect: false, will: { topic: `will/${tag}/lost`, payload: 'gone', qos: 1 } });
        (lost as unknown as { wire: { transport: { destroy(): void } } }).wire.transport.destroy(); // abnormal loss, no DISCONNECT
        await got.wait(1);
        assert.deepEqual(got.messages.map((m) => [m.topic, m.payload.toString()]), [[`will/${tag}/lost`, 'gone']]);
      });

      it(`resumes a persistent session and receives what was published while away [${protocolVersion === 5 ? 'v5 MQTT-3.2.2-3' : '3.1.1 MQTT-3.2.2-2'}]`, async () => {
        const id = `resume-${tag.replace('.', '')}`;
        const options = { url: broker.url, protocolVersion, clientId: id, clean: false, sessionExpiryInterval: 300 } as const;
        const sub = await clients.connected(options);
        await sub.subscribe([{ topicFilter: `away/${tag}`, qos: 1 }]);
        await sub.close();
        const pub = await clients.connected({ url: broker.url, protocolVersion });
        for (let i = 0; i < 5; i++) await pub.publish({ topic: `away/${tag}`, payload: String(i), qos: 1 });
        const again = clients.make(options);
        const got = new Collector(again);
        again.open();
        await statusUntil(again, (s) => s.phase === 'connected', 5000);
        assert.equal(again.server?.sessionPresent, true);
        await got.wait(5);
        assert.deepEqual(got.payloads, ['0', '1', '2', '3', '4']);
      });
    });
  }

  it('speaks MQTT 3.1 (MQIsdp) with Mosquitto', async () => {
    const c = await clients.connected({ url: broker.url, protocolVersion: 3, clientId: 'legacy31' });
    const got = new Collector(c);
    await c.subscribe([{ topicFilter: 'v31/#', qos: 2 }]);
    await c.publish({ topic: 'v31/a', payload: 'old', qos: 1 });
    await c.publish({ topic: 'v31/b', payload: 'school', qos: 2 });
    await got.wait(2);
    assert.deepEqual(got.payloads, ['old', 'school']);
  });

  it('connects over WebSocket with subprotocol mqtt', async () => {
    const c = await clients.connected({ url: `ws://127.0.0.1:${broker.ports.ws}/mqtt`, protocolVersion: 5 });
    const got = new Collector(c);
    await c.subscribe([{ topicFilter: 'ws/echo', qos: 1 }]);
    await c.publish({ topic: 'ws/echo', payload: 'over-ws', qos: 1 });
    await got.wait(1);
    assert.equal(got.payloads[0], 'over-ws');
  });

  it('connects over TLS with a throwaway CA, and reports an unknown CA clearly', async function () {
    if (!pki) this.skip();
    const c = await clients.connected({ url: `mqtts://localhost:${broker.ports.mqtts}`, tls: { ca: pki!.ca } });
    await c.publish({ topic: 'tls/x', payload: 'secure', qos: 1 });
    const untrusting = clients.make({ url: `mqtts://localhost:${broker.ports.mqtts}`, reconnect: false });
    untrusting.open();
    const s = await statusUntil(untrusting, (st) => st.phase === 'disconnected', 5000);
    assert.equal(s.error?.name, 'TransportError');
    assert.match(s.error!.message, /^TLS: /);
  });

  it('connects over WSS', async function () {
    if (!pki) this.skip();
    const c = await clients.connected({ url: `wss://localhost:${broker.ports.wss}/`, tls: { ca: pki!.ca } });
    assert.equal(c.status.phase, 'connected');
  });

  for (const protocolVersion of [4, 5] as const) {
    const tag = protocolVersion === 5 ? 'v5, Subscription Identifiers' : '3.1.1, one covering subscription';
    it(`delivers genuine identical repeats on overlapping filters once per pool lease each (${tag})`, async () => {
      const pool = new ConnectionPool();
      try {
        await pool.define('cfg', { url: broker.url, protocolVersion });
        const one = pool.acquire('cfg', { id: 'n1' });
        const two = pool.acquire('cfg', { id: 'n2' });
        const got: string[] = [];
        let arrived: () => void = () => undefined;
        const handler = (who: string) => (d: Delivery): void => {
          got.push(`${who}|${d.subscription}|${d.packet.payload.toString()}`);
          arrived();
        };
        const root = `ov${protocolVersion}`;
        await one.subscribe(`${root}/#`, { qos: 1 }, handler('n1'));
        await one.subscribe(`${root}/+`, { qos: 1 }, handler('n1'));
        await one.subscribe(`${root}/1`, { qos: 1 }, handler('n1'));
        await two.subscribe(`${root}/1`, { qos: 0 }, handler('n2'));
        await two.subscribe(`${root}/+`, { qos: 0 }, handler('n2'));
        const pub = await clients.connected({ url: broker.url });
        for (let i = 0; i < 3; i++) await pub.publish({ topic: `${root}/1`, payload: 'same', qos: 1 });
        const marker = new Promise<void>((resolve) => {
          arrived = () => void (got.filter((g) => g.endsWith('|end')).length === 2 && resolve());
        });
        await pub.publish({ topic: `${root}/end`, payload: 'end', qos: 1 });
        await withTimeout(marker, 5000, 'end marker at both leases');
        const of = (who: string): string[] => got.filter((g) => g.startsWith(`${who}|`)).map((g) => g.split('|')[2]!);
        assert.deepEqual(of('n1'), ['same', 'same', 'same', 'end']);
        assert.deepEqual(of('n2'), ['same', 'same', 'same', 'end']);
        assert.equal(pool.get('cfg')!.stats.unrequested, 0);
      } finally {
        await pool.closeAll();
      }
    });

    it(`retained messages re-sent for another lease's subscription do not reach a lease that had them (${tag})`, async () => {
      const pool = new ConnectionPool();
      try {
        const root = `rt${protocolVersion}`;
        const pub = await clients.connected({ url: broker.url });
        await pub.publish({ topic: `${root}/a`, payload: 'state-a', qos: 1, retain: true });
        await pub.publish({ topic: `${root}/b`, payload: 'state-b', qos: 1, retain: true });
        await pool.define('cfg', { url: broker.url, protocolVersion });
        const one = pool.acquire('cfg', { id: 'n1' });
        const two = pool.acquire('cfg', { id: 'n2' });
        const got: string[] = [];
        let arrived: () => void = () => undefined;
        const handler = (who: string) => (d: Delivery): void => {
          got.push(`${who}|${d.packet.topic}|${d.packet.payload.toString()}${d.packet.retain ? '(r)' : ''}`);
          arrived();
        };
        const count = (who: string): number => got.filter((g) => g.startsWith(`${who}|`)).length;
        const firstRetained = new Promise<void>((resolve) => (arrived = () => void (count('n1') === 1 && resolve())));
        await one.subscribe(`${root}/a`, { qos: 1 }, handler('n1'));
        await withTimeout(firstRetained, 5000, 'n1 retained message');
        const secondRetained = new Promise<void>((resolve) => (arrived = () => void (count('n2') === 2 && resolve())));
        await two.subscribe(`${root}/#`, { qos: 1 }, handler('n2'));
        await withTimeout(secondRetained, 5000, 'n2 retained messages');
        const live = new Promise<void>((resolve) => (arrived = () => void (count('n1') === 2 && count('n2') === 3 && resolve())));
        await pub.publish({ topic: `${root}/a`, payload: 'live', qos: 1 });
        await withTimeout(live, 5000, 'the live message at both');
        assert.deepEqual(got.filter((g) => g.startsWith('n1|')), [`n1|${root}/a|state-a(r)`, `n1|${root}/a|live`]);
        assert.deepEqual(got.filter((g) => g.startsWith('n2|')).sort(), [`n2|${root}/a|live`, `n2|${root}/a|state-a(r)`, `n2|${root}/b|state-b(r)`]);
      } finally {
        await pool.closeAll();
      }
    });
  }
});

describeWithMosquitto('client interop with Mosquitto: authentication', function () {
  this.timeout(20_000);
  let broker: Mosquitto;
  const clients = new Clients();
  before(async () => {
    broker = await Mosquitto.start({ users: { alice: 'secret' } });
  });
  after(() => broker?.stop());
  afterEach(() => clients.disposeAll());

  for (const protocolVersion of [4, 5] as const) {
    it(`reports a wrong password with its reason code and backs off without a reconnect storm (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, async () => {
      const ok = await clients.connected({ url: broker.url, protocolVersion, username: 'alice', password: 'secret' });
      assert.equal(ok.status.phase, 'connected');
      const c = clients.make({
        url: broker.url,
        protocolVersion,
        username: 'alice',
        password: 'wrong',
        reconnect: { initialDelayMs: 50, maxDelayMs: 60_000 },
      });
      const attempts: string[] = [];
      c.on('status', (s) => attempts.push(s.phase));
      c.open();
      const s = await statusUntil(c, (st) => st.phase === 'reconnecting', 5000);
      assert.equal(s.error?.name, 'ConnectionRefusedError');
      const code = (s.error as unknown as { reasonCode: number }).reasonCode;
      if (protocolVersion === 5) assert.ok(code === 0x86 || code === 0x87, `reason 0x${code.toString(16)}`);
      else assert.ok(code === 4 || code === 5, `return code ${code}`);
      assert.equal(s.retryReason, 'refused');
      assert.equal(s.retryInMs, 60_000, 'auth failures back off to the maximum');
      assert.equal(attempts.filter((p) => p === 'connecting').length, 1);
    });
  }
});
