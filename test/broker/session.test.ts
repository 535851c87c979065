import assert from 'node:assert/strict';
import { TestClient, ack, closeBrokers, connected, elapse, makeBroker, nextEvent } from './helpers';

const persistent = { clean: false, properties: { sessionExpiryInterval: 300 } };

describe('broker: sessions', () => {
  afterEach(closeBrokers);

  describe('clean start and resume', () => {
    it('[v5 MQTT-3.1.2-5] [v5 MQTT-3.2.2-3] [v5 MQTT-3.1.2-23] [v5 MQTT-4.1.0-1] resumes a session with its subscriptions and Session Present 1', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 1);
      await c.disconnect();
      const again = TestClient.inMemory(broker);
      assert.equal((await again.connect({ clientId: 'c', ...persistent })).sessionPresent, true);
      await broker.publish({ topic: 't', payload: 'x', qos: 1 });
      assert.equal((await again.next('publish')).payload.toString(), 'x');
    });

    it('[v5 MQTT-3.1.2-4] [v5 MQTT-3.2.2-2] [v5 MQTT-3.1.4-4] Clean Start discards the session: Session Present 0, no subscriptions', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 1);
      await c.disconnect();
      const again = TestClient.inMemory(broker);
      assert.equal((await again.connect({ clientId: 'c', clean: true })).sessionPresent, false);
      await broker.publish({ topic: 't', payload: 'x', qos: 1 });
      await again.expectQuiet();
    });

    it('[v5 MQTT-3.1.2-6] Clean Start 0 without a session creates one: Session Present 0', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker);
      assert.equal((await c.connect({ clientId: 'new', ...persistent })).sessionPresent, false);
    });

    it('[3.1.1 MQTT-3.1.2-4] [3.1.1 MQTT-3.2.2-2] [3.1.1 MQTT-3.2.2-3] [3.1.1 MQTT-3.1.4-3] [3.1.1 MQTT-4.1.0-1] [3.1.1 MQTT-4.1.0-2] 3.1.1 Clean Session 0 keeps the session across connections', async () => {
      const broker = makeBroker();
      const first = TestClient.inMemory(broker, 4);
      assert.equal((await first.connect({ clientId: 'c', clean: false })).sessionPresent, false);
      await first.subscribe('t', 1);
      await first.disconnect();
      const second = TestClient.inMemory(broker, 4);
      assert.equal((await second.connect({ clientId: 'c', clean: false })).sessionPresent, true);
      await broker.publish({ topic: 't', payload: 'x', qos: 1 });
      assert.equal((await second.next('publish')).qos, 1);
    });

    it('[3.1.1 MQTT-3.1.2-6] [3.1.1 MQTT-3.2.2-1] 3.1.1 Clean Session 1 drops the old session and its own ends with the connection', async () => {
      const broker = makeBroker();
      const first = await connected(broker, { clientId: 'c', clean: false, version: 4 });
      await first.subscribe('t', 1);
      await first.disconnect();
      const second = TestClient.inMemory(broker, 4);
      assert.equal((await second.connect({ clientId: 'c', clean: true })).sessionPresent, false);
      await second.subscribe('u', 1);
      await second.disconnect();
      assert.equal(broker.stats.sessions, 0);
      const third = TestClient.inMemory(broker, 4);
      assert.equal((await third.connect({ clientId: 'c', clean: false })).sessionPresent, false);
    });

    it('[v5 MQTT-3.1.3-2] [3.1.1 MQTT-3.1.3-2] the client id is the session key', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a', ...persistent });
      await a.subscribe('only-a', 0);
      await a.disconnect();
      const b = TestClient.inMemory(broker);
      assert.equal((await b.connect({ clientId: 'b', ...persistent })).sessionPresent, false);
      const a2 = TestClient.inMemory(broker);
      assert.equal((await a2.connect({ clientId: 'a', ...persistent })).sessionPresent, true);
    });

    it('[v5 MQTT-4.1.0-2] discards the session once the Session Expiry Interval has passed', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', clean: false, properties: { sessionExpiryInterval: 1 } });
      await c.subscribe('t', 1);
      await c.drop();
      assert.equal(broker.stats.sessions, 1);
      await elapse(1200);
      assert.equal(broker.stats.sessions, 0);
      assert.equal(broker.stats.subscriptions, 0);
    });

    it('a v5 DISCONNECT may shorten the Session Expiry Interval to 0, ending the session', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      c.send({ type: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
      await c.expectClose();
      assert.equal(broker.stats.sessions, 0);
    });

    it('a v5 DISCONNECT setting a Session Expiry Interval after CONNECT had 0 is a Protocol Error', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      c.send({ type: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 10 } });
      await c.expectClose({ allow: ['disconnect'] });
      assert.equal(broker.stats.sessions, 0);
    });
  });

  describe('messages for offline clients', () => {
    it('[3.1.1 MQTT-3.1.2-5] [v5 MQTT-3.2.0-1] [3.1.1 MQTT-3.2.0-1] queues QoS 1/2 while offline, drops QoS 0, and sends CONNACK first', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', clean: false, version: 4 });
      await c.subscribe('t', 2);
      await c.disconnect();
      await broker.publish({ topic: 't', payload: 'q0', qos: 0 });
      await broker.publish({ topic: 't', payload: 'q1', qos: 1 });
      await broker.publish({ topic: 't', payload: 'q2', qos: 2 });
      assert.equal(broker.stats.droppedQos0, 1);
      const again = TestClient.inMemory(broker, 4);
      await again.connect({ clientId: 'c', clean: false });
      assert.equal(again.received.length === 0 || again.frames[0]![0] === 0x20, true);
      const got = [await again.next('publish'), await again.next('publish')];
      assert.deepEqual(got.map((m) => [m.payload.toString(), m.qos]), [['q1', 1], ['q2', 2]]);
    });

    it('bounds the queue per client (maxQueued) and counts the overflow', async () => {
      const broker = makeBroker({ maxQueued: 2 });
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 1);
      await c.drop();
      for (let i = 0; i < 4; i++) await broker.publish({ topic: 't', payload: String(i), qos: 1 });
      assert.equal(broker.stats.droppedQueueFull, 2);
      const again = await connected(broker, { clientId: 'c', ...persistent });
      assert.equal((await again.next('publish')).payload.toString(), '0');
      assert.equal((await again.next('publish')).payload.toString(), '1');
      await again.expectQuiet();
    });

    it('[v5 MQTT-4.4.0-1] [v5 MQTT-4.3.2-3] [v5 MQTT-3.3.1-1] [v5 MQTT-4.3.3-6] [3.1.1 MQTT-4.4.0-1] [3.1.1 MQTT-3.3.1-1] resends unacknowledged PUBLISH (DUP 1, same id) and PUBREL on resume', async () => {
      const broker = makeBroker();
      for (const version of [5, 4] as const) {
        const fields = version === 5 ? { clientId: 'r5', ...persistent } : { clientId: 'r4', clean: false };
        const c = await connected(broker, { ...fields, version });
        await c.subscribe('t', 2);
        await broker.publish({ topic: 't', payload: 'one', qos: 1 });
        await broker.publish({ topic: 't', payload: 'two', qos: 2 });
        const one = await c.next('publish');
        const two = await c.next('publish');
        c.send({ type: 'pubrec', packetId: two.packetId!, reasonCode: 0 });
        await c.next('pubrel');
        await c.drop();
        const again = await connected(broker, { ...fields, version });
        const resent = await again.next('publish');
        assert.deepEqual([resent.packetId, resent.dup, resent.payload.toString()], [one.packetId, true, 'one']);
        assert.equal(again.frames.find((f) => f[0]! >> 4 === 3)![0]! & 0x08, 0x08, 'DUP bit on the wire');
        const rel = await again.next('pubrel');
        assert.equal(rel.packetId, two.packetId);
        again.send({ type: 'puback', packetId: one.packetId!, reasonCode: 0 });
        again.send({ type: 'pubcomp', packetId: two.packetId!, reasonCode: 0 });
        await again.expectQuiet();
        await again.disconnect();
      }
    });

    it('[v5 MQTT-4.4.0-2] a PUBREC >= 0x80 completes the delivery: nothing is retransmitted', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 2);
      await broker.publish({ topic: 't', payload: 'x', qos: 2 });
      const m = await c.next('publish');
      c.send({ type: 'pubrec', packetId: m.packetId!, reasonCode: 0x80 });
      await c.expectQuiet();
      await c.drop();
      const again = await connected(broker, { clientId: 'c', ...persistent });
      await again.expectQuiet();
    });

    it('[v5 MQTT-4.3.3-7] a QoS 2 message already sent is resent even after its expiry passed', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 2);
      await broker.publish({ topic: 't', payload: 'short-lived', qos: 2, properties: { messageExpiryInterval: 1 } });
      const m = await c.next('publish');
      await c.drop();
      await elapse(1200);
      const again = await connected(broker, { clientId: 'c', ...persistent });
      const resent = await again.next('publish');
      assert.deepEqual([resent.packetId, resent.dup, resent.payload.toString()], [m.packetId, true, 'short-lived']);
    });

    it('[v5 MQTT-4.3.3-13] as receiver, finishes the QoS 2 exchange of a message that expired meanwhile', async () => {
      const broker = makeBroker();
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'x', { qos: 2, packetId: 8, properties: { messageExpiryInterval: 1 } });
      await p.next('pubrec');
      await elapse(1100);
      p.send({ type: 'pubrel', packetId: 8, reasonCode: 0 });
      assert.deepEqual(await p.next('pubcomp'), { type: 'pubcomp', packetId: 8, reasonCode: 0 });
    });

    it('[v5 MQTT-3.1.2-23] a session with expiry keeps queued messages until the client returns', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', ...persistent });
      await c.subscribe('t', 1);
      await c.disconnect();
      await broker.publish({ topic: 't', payload: 'waiting', qos: 1 });
      const again = await connected(broker, { clientId: 'c', ...persistent });
      const m = await again.next('publish');
      assert.equal(m.payload.toString(), 'waiting');
      await ack(again, m);
    });
  });

  describe('takeover and server-side DISCONNECT', () => {
    it('[v5 MQTT-3.1.4-3] [v5 MQTT-3.14.2-2] a second connection with the same id closes the first with DISCONNECT 0x8E (no Session Expiry)', async () => {
      const broker = makeBroker();
      const first = await connected(broker, { clientId: 'dup', ...persistent });
      await first.subscribe('t', 0);
      const gone = nextEvent(broker, 'clientDisconnect');
      const second = TestClient.inMemory(broker);
      assert.equal((await second.connect({ clientId: 'dup', ...persistent })).sessionPresent, true);
      const [d] = await first.expectClose({ allow: ['disconnect'] });
      assert.deepEqual(d, { type: 'disconnect', reasonCode: 0x8e });
      assert.equal((await gone)[1].reasonCode, 0x8e);
      await broker.publish({ topic: 't', payload: 'to the new one' });
      assert.equal((await second.next('publish')).payload.toString(), 'to the new one');
    });

    it('[3.1.1 MQTT-3.1.4-2] closes the existing 3.1.1 connection on takeover', async () => {
      const broker = makeBroker();
      const first = await connected(broker, { clientId: 'dup', version: 4 });
      const second = await connected(broker, { clientId: 'dup', version: 4 });
      await first.expectClose();
      await second.expectQuiet();
    });

    it('[v5 MQTT-3.14.0-1] [v5 MQTT-3.14.4-1] [v5 MQTT-3.14.4-2] DISCONNECT only after a successful CONNACK, last, then close', async () => {
      const broker = makeBroker({}, { authenticate: (c) => c.clientId !== 'no' });
      const refused = TestClient.inMemory(broker);
      refused.send({ type: 'connect', protocolVersion: 5, clientId: 'no', clean: true, keepalive: 0 });
      assert.deepEqual((await refused.expectClose({ allow: ['connack'] })).map((p) => p.type), ['connack']);
      const c = await connected(broker, { clientId: 'kick' });
      assert.equal(broker.disconnectClient('kick'), true);
      const got = await c.expectClose({ allow: ['disconnect'] });
      assert.deepEqual(got, [{ type: 'disconnect', reasonCode: 0x98 }]);
    });

    it('[v5 MQTT-3.14.1-1] [3.1.1 MQTT-3.14.1-1] a DISCONNECT with reserved flag bits is malformed: DISCONNECT 0x81 (v5) / close', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      c.sendRaw([0xe1, 0x00]);
      const [d] = await c.expectClose({ allow: ['disconnect'] });
      assert.equal((d as { reasonCode: number }).reasonCode, 0x81);
      const old = await connected(broker, { clientId: 'o', version: 4 });
      old.sendRaw([0xe2, 0x00]);
      await old.expectClose();
    });

    it('tells v5 clients 0x8B when the broker shuts down', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      const closing = broker.close();
      assert.deepEqual(await c.expectClose({ allow: ['disconnect'] }), [{ type: 'disconnect', reasonCode: 0x8b }]);
      await closing;
    });
  });
});
