import assert from 'node:assert/strict';
import { TopicAliasReceiver } from '../../src/session';
import { TestClient, ack, closeBrokers, connected, elapse, makeBroker, nextEvent } from './helpers';

describe('broker: PUBLISH', () => {
  afterEach(closeBrokers);

  describe('routing', () => {
    it('[v5 MQTT-4.5.0-1] [3.1.1 MQTT-4.5.0-1] [v5 MQTT-3.3.2-3] [3.1.1 MQTT-3.3.2-3] reaches every matching subscriber with the published topic', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a' });
      const b = await connected(broker, { clientId: 'b', version: 4 });
      const c = await connected(broker, { clientId: 'c' });
      await a.subscribe('sport/+/score', 0);
      await b.subscribe('sport/#', 0);
      await c.subscribe('news/#', 0);
      const pub = await connected(broker, { clientId: 'p' });
      pub.publish('sport/tennis/score', '15-0');
      for (const client of [a, b]) {
        const got = await client.next('publish');
        assert.equal(got.topic, 'sport/tennis/score');
        assert.equal(got.payload.toString(), '15-0');
      }
      await c.expectQuiet();
    });

    it('[v5 MQTT-3.3.4-2] [v5 MQTT-3.3.4-3] [v5 MQTT-3.3.4-4] overlapping subscriptions give one copy at the highest QoS with every subscription id', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe([{ topicFilter: 'a/+', qos: 0 }], 0, 1, { subscriptionIdentifier: 3 });
      await s.subscribe([{ topicFilter: 'a/#', qos: 1 }], 0, 2, { subscriptionIdentifier: 9 });
      await s.subscribe([{ topicFilter: '#', qos: 0 }], 0, 3);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('a/b', 'x', { qos: 1 });
      const got = await s.next('publish');
      assert.equal(got.qos, 1);
      assert.deepEqual([...got.properties!.subscriptionIdentifiers!].sort((x, y) => x - y), [3, 9]);
      await ack(s, got);
      await s.expectQuiet();
    });

    it('[3.1.1 MQTT-3.3.5-1] overlapping 3.1.1 subscriptions deliver at the highest granted QoS', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', version: 4 });
      await s.subscribe([{ topicFilter: 'a/+', qos: 2 }, { topicFilter: 'a/#', qos: 0 }]);
      const p = await connected(broker, { clientId: 'p', version: 4 });
      p.publish('a/b', 'x', { qos: 2, packetId: 3 });
      const got = await s.next('publish');
      assert.equal(got.qos, 2);
      await ack(s, got);
      await s.expectQuiet();
    });

    it('[v5 MQTT-3.8.4-8] [3.1.1 MQTT-3.8.4-6] delivers at the lower of published and granted QoS', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe([{ topicFilter: 'low', qos: 0 }, { topicFilter: 'high', qos: 2 }]);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('low', 'x', { qos: 2, packetId: 1 });
      p.publish('high', 'y', { qos: 1, packetId: 2 });
      assert.equal((await s.next('publish')).qos, 0);
      assert.equal((await s.next('publish')).qos, 1);
    });

    it('[v5 MQTT-3.8.3-3] No Local: not sent back to the publishing client', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'self' });
      await c.subscribe([{ topicFilter: 't', qos: 0, noLocal: true }]);
      const other = await connected(broker, { clientId: 'other' });
      await other.subscribe([{ topicFilter: 't', qos: 0, noLocal: true }]);
      c.publish('t', 'mine');
      assert.equal((await other.next('publish')).payload.toString(), 'mine');
      await c.expectQuiet();
    });

    it('[v5 MQTT-4.6.0-5] [v5 MQTT-4.6.0-6] [3.1.1 MQTT-4.6.0-5] [3.1.1 MQTT-4.6.0-6] forwards messages in the order they arrived, also with an async hook', async () => {
      let n = 0;
      const broker = makeBroker({}, {
        authorizePublish: () => (n++ % 3 === 0 ? new Promise((r) => setTimeout(() => r(true), 3)) : true),
      });
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('o/+', 1);
      const p = await connected(broker, { clientId: 'p' });
      for (let i = 1; i <= 30; i++) p.publish(`o/${i % 2}`, String(i), { qos: (i % 2) as 0 | 1, packetId: i });
      const got: string[] = [];
      for (let i = 1; i <= 30; i++) {
        const m = await s.next('publish');
        got.push(m.payload.toString());
        await ack(s, m);
      }
      assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => String(i + 1)));
    });

    it('Broker.publish() injects a message: routed, retained, reported by the published hook and event', async () => {
      const seen: unknown[] = [];
      const broker = makeBroker({}, { published: (m, c) => seen.push(m.topic, c) });
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('flow/#', 1);
      const event = nextEvent(broker, 'publish');
      await broker.publish({ topic: 'flow/x', payload: 'from flow', qos: 1, retain: true });
      const got = await s.next('publish');
      assert.equal(got.payload.toString(), 'from flow');
      assert.equal(got.qos, 1);
      assert.equal(got.retain, false);
      assert.deepEqual(seen, ['flow/x', null]);
      assert.equal((await event)[1], null);
      assert.equal(broker.retained('flow/x')?.payload.toString(), 'from flow');
      await assert.rejects(broker.publish({ topic: 'bad/+' }), /invalid topic name/);
    });
  });

  describe('QoS 0 and 1', () => {
    it('[v5 MQTT-4.3.1-1] [v5 MQTT-3.3.1-2] [v5 MQTT-2.2.1-2] [3.1.1 MQTT-4.3.1-1] [3.1.1 MQTT-2.3.1-5] QoS 0 goes out with DUP 0 and no packet id', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('t', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'x');
      const got = await s.next('publish');
      assert.equal(got.qos, 0);
      assert.equal(got.dup, false);
      assert.equal(got.packetId, undefined);
      assert.equal(s.frames.at(-1)![0], 0x30);
    });

    it('[v5 MQTT-3.3.4-1] [v5 MQTT-4.3.2-4] [v5 MQTT-2.2.1-5] [3.1.1 MQTT-4.3.2-2] [3.1.1 MQTT-2.3.1-6] [3.1.1 MQTT-3.3.4-1] answers QoS 1 with PUBACK carrying its id', async () => {
      const broker = makeBroker();
      for (const version of [5, 4] as const) {
        const p = await connected(broker, { clientId: `p${version}`, version });
        p.publish('t', 'x', { qos: 1, packetId: 0x1234 });
        assert.equal((await p.next('puback')).packetId, 0x1234);
      }
    });

    it('[v5 MQTT-4.3.2-5] after PUBACK, a PUBLISH reusing the id is a new message even with DUP', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('t', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'one', { qos: 1, packetId: 7 });
      await p.next('puback');
      p.publish('t', 'two', { qos: 1, packetId: 7, dup: true });
      await p.next('puback');
      assert.equal((await s.next('publish')).payload.toString(), 'one');
      assert.equal((await s.next('publish')).payload.toString(), 'two');
    });

    it('[v5 MQTT-4.3.2-1] [v5 MQTT-4.3.2-2] [v5 MQTT-2.2.1-4] [3.1.1 MQTT-4.3.2-1] [3.1.1 MQTT-2.3.1-4] outgoing QoS 1 uses distinct non-zero free ids, QoS 1, DUP 0', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', version: 4 });
      await s.subscribe('t', 1);
      const p = await connected(broker, { clientId: 'p' });
      for (let i = 0; i < 5; i++) p.publish('t', String(i), { qos: 1, packetId: 1 });
      const ids = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const m = await s.next('publish');
        assert.equal(m.qos, 1);
        assert.equal(m.dup, false);
        assert.ok(m.packetId! > 0);
        ids.add(m.packetId!);
      }
      assert.equal(ids.size, 5);
    });

    it('[v5 MQTT-3.3.1-3] [3.1.1 MQTT-3.3.1-3] the outgoing DUP flag does not copy the incoming one', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('t', 1);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'x', { qos: 1, packetId: 4, dup: true });
      assert.equal((await s.next('publish')).dup, false);
    });

    it('v5 PUBACK says 0x10 No matching subscribers when nobody subscribed', async () => {
      const broker = makeBroker();
      const p = await connected(broker, { clientId: 'p' });
      p.publish('nobody', 'x', { qos: 1, packetId: 2 });
      assert.equal((await p.next('puback')).reasonCode, 0x10);
    });
  });

  describe('QoS 2', () => {
    it('[v5 MQTT-4.3.3-8] [v5 MQTT-4.3.3-10] [v5 MQTT-4.3.3-11] [v5 MQTT-4.3.3-12] [3.1.1 MQTT-4.3.3-2] receiver: PUBREC, no duplicate delivery, PUBCOMP, then the id is new', async () => {
      const broker = makeBroker();
      for (const version of [5, 4] as const) {
        const s = await connected(broker, { clientId: `s${version}` });
        await s.subscribe('q2', 0);
        const p = await connected(broker, { clientId: `p${version}`, version });
        p.publish('q2', 'first', { qos: 2, packetId: 9 });
        assert.equal((await p.next('pubrec')).packetId, 9);
        p.publish('q2', 'first', { qos: 2, packetId: 9, dup: true });
        assert.equal((await p.next('pubrec')).packetId, 9);
        p.send({ type: 'pubrel', packetId: 9, reasonCode: 0 });
        assert.equal((await p.next('pubcomp')).packetId, 9);
        p.publish('q2', 'second', { qos: 2, packetId: 9 });
        await p.next('pubrec');
        assert.equal((await s.next('publish')).payload.toString(), 'first');
        assert.equal((await s.next('publish')).payload.toString(), 'second');
        await s.expectQuiet();
        await s.disconnect();
        await p.disconnect();
      }
    });

    it('answers PUBREL for an unknown id with PUBCOMP 0x92 (v5) / 0 (3.1.1)', async () => {
      const broker = makeBroker();
      for (const [version, code] of [[5, 0x92], [4, 0]] as const) {
        const p = await connected(broker, { clientId: `p${version}`, version });
        p.send({ type: 'pubrel', packetId: 77, reasonCode: 0 });
        const comp = await p.next('pubcomp');
        assert.equal(comp.packetId, 77);
        assert.equal(comp.reasonCode, code);
      }
    });

    it('[v5 MQTT-4.3.3-9] after a PUBREC >= 0x80 the same id is a new message', async () => {
      let allow = false;
      const broker = makeBroker({}, { authorizePublish: () => allow });
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('q', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('q', 'refused', { qos: 2, packetId: 5 });
      assert.equal((await p.next('pubrec')).reasonCode, 0x87);
      allow = true;
      p.publish('q', 'accepted', { qos: 2, packetId: 5 });
      assert.equal((await p.next('pubrec')).reasonCode, 0);
      assert.equal((await s.next('publish')).payload.toString(), 'accepted');
    });

    it('[v5 MQTT-4.3.3-1] [v5 MQTT-4.3.3-2] [v5 MQTT-4.3.3-3] [v5 MQTT-4.3.3-4] [v5 MQTT-4.3.3-5] [3.1.1 MQTT-4.3.3-1] sender: PUBLISH QoS 2 DUP 0, PUBREL on PUBREC, done on PUBCOMP', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('q', 2);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('q', 'x', { qos: 2, packetId: 1 });
      const m = await s.next('publish');
      assert.equal(m.qos, 2);
      assert.equal(m.dup, false);
      s.send({ type: 'pubrec', packetId: m.packetId!, reasonCode: 0 });
      assert.equal((await s.next('pubrel')).packetId, m.packetId);
      s.send({ type: 'pubcomp', packetId: m.packetId!, reasonCode: 0 });
      await s.expectQuiet();
    });

    it('refuses more unacknowledged QoS 2 PUBLISH than its Receive Maximum with DISCONNECT 0x93', async () => {
      const broker = makeBroker({ receiveMaximum: 2 });
      const p = await connected(broker, { clientId: 'p' });
      for (let id = 1; id <= 3; id++) p.publish('t', 'x', { qos: 2, packetId: id });
      await p.next('pubrec');
      await p.next('pubrec');
      const [d] = await p.expectClose({ allow: ['disconnect'] });
      assert.equal((d as { reasonCode: number }).reasonCode, 0x93);
    });
  });

  describe('authorization', () => {
    it('denies client publishes to $SYS/: v5 PUBACK 0x87, 3.1.1 PUBACK 0 [3.1.1 MQTT-3.3.5-2]; nothing routed', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('$SYS/#', 0);
      for (const [version, code] of [[5, 0x87], [4, 0]] as const) {
        const p = await connected(broker, { clientId: `p${version}`, version });
        p.publish('$SYS/fake', 'x', { qos: 1, packetId: 3 });
        assert.equal((await p.next('puback')).reasonCode, code);
      }
      await s.expectQuiet();
    });

    it('authorizePublish may refuse with a reason code and string; [v5 MQTT-3.1.2-29] no Reason String for a client that asked for no problem information', async () => {
      const broker = makeBroker({}, { authorizePublish: () => ({ reasonCode: 0x97, reasonString: 'quota' }) });
      const a = await connected(broker, { clientId: 'a' });
      a.publish('t', 'x', { qos: 1, packetId: 1 });
      assert.deepEqual(await a.next('puback'), { type: 'puback', packetId: 1, reasonCode: 0x97, properties: { reasonString: 'quota' } });
      const b = await connected(broker, { clientId: 'b', properties: { requestProblemInformation: false } });
      b.publish('t', 'x', { qos: 1, packetId: 1 });
      const puback = await b.next('puback');
      assert.equal(puback.reasonCode, 0x97);
      assert.equal(puback.properties?.reasonString, undefined);
    });
  });

  describe('properties (v5)', () => {
    it('[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] forwards application properties unchanged and in order', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('req', 0);
      const p = await connected(broker, { clientId: 'p' });
      const properties = {
        payloadFormatIndicator: true, contentType: 'text/plain', responseTopic: 'resp/1',
        correlationData: Buffer.from([1, 2, 3]), userProperties: [['z', '1'], ['a', '2'], ['z', '3']] as Array<[string, string]>,
      };
      p.publish('req', 'hi', { properties });
      const got = await s.next('publish');
      assert.deepEqual(got.properties, properties);
    });

    it('[v5 MQTT-1.5.4-3] [3.1.1 MQTT-1.5.3-3] keeps a leading U+FEFF in topics and payload bytes', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('\ufeffbom', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('\ufeffbom', Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
      const got = await s.next('publish');
      assert.equal(got.topic, '\ufeffbom');
      assert.deepEqual([...got.payload], [0xef, 0xbb, 0xbf, 0x41]);
    });

    it('[MQTT-3.3.2-5] drops a queued message whose expiry passed; [MQTT-3.3.2-6] forwards the remaining interval', async () => {
      const broker = makeBroker();
      const s = TestClient.inMemory(broker);
      await s.connect({ clientId: 'offline', clean: true, properties: { sessionExpiryInterval: 60 } });
      await s.subscribe('e/+', 1);
      await s.drop();
      const p = await connected(broker, { clientId: 'p' });
      p.publish('e/short', 'gone', { qos: 1, packetId: 1, properties: { messageExpiryInterval: 1 } });
      p.publish('e/long', 'kept', { qos: 1, packetId: 2, properties: { messageExpiryInterval: 100 } });
      await p.next('puback');
      await p.next('puback');
      await elapse(1100);
      const back = TestClient.inMemory(broker);
      assert.equal((await back.connect({ clientId: 'offline', clean: false, properties: { sessionExpiryInterval: 60 } })).sessionPresent, true);
      const got = await back.next('publish');
      assert.equal(got.payload.toString(), 'kept');
      const left = got.properties!.messageExpiryInterval!;
      assert.ok(left >= 98 && left <= 99, `remaining ${left}`);
      await ack(back, got);
      await back.expectQuiet();
      assert.equal(broker.stats.droppedExpired, 1);
    });
  });

  describe('topic aliases', () => {
    it('[MQTT-3.3.2-12] accepts aliases 1..Topic Alias Maximum and resolves them', async () => {
      const broker = makeBroker({ topicAliasMaximum: 3 });
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('long/topic/name', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('long/topic/name', 'one', { properties: { topicAlias: 3 } });
      p.publish('', 'two', { properties: { topicAlias: 3 } });
      for (const payload of ['one', 'two']) {
        const got = await s.next('publish');
        assert.equal(got.topic, 'long/topic/name');
        assert.equal(got.payload.toString(), payload);
        assert.equal(got.properties?.topicAlias, undefined);
      }
    });

    it('disconnects with 0x94 for an alias above the maximum and 0x82 for an unknown alias', async () => {
      const broker = makeBroker({ topicAliasMaximum: 3 });
      const a = await connected(broker, { clientId: 'a' });
      a.publish('t', 'x', { properties: { topicAlias: 4 } });
      assert.equal(((await a.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x94);
      const b = await connected(broker, { clientId: 'b' });
      b.publish('', 'x', { properties: { topicAlias: 2 } });
      assert.equal(((await b.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x82);
    });

    it('[MQTT-3.3.2-7] inbound alias mappings do not carry over to a new connection', async () => {
      const broker = makeBroker({ topicAliasMaximum: 3 });
      const a = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      a.publish('t', 'x', { properties: { topicAlias: 1 } });
      await a.expectQuiet();
      await a.drop();
      const again = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      again.publish('', 'x', { properties: { topicAlias: 1 } });
      assert.equal(((await again.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x82);
    });

    it('[MQTT-3.1.2-26] [MQTT-3.3.2-8] [MQTT-3.3.2-11] uses aliases 1..the client\'s maximum, and every packet resolves to its topic', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', properties: { topicAliasMaximum: 2 } });
      await s.subscribe('#', 0);
      const p = await connected(broker, { clientId: 'p' });
      const topics = ['a', 'b', 'a', 'b', 'c', 'a', 'c', 'c', 'b', 'a', 'a', 'c'];
      for (const t of topics) p.publish(t, t);
      // The client side of the mapping, as a v5 client keeps it.
      const receiver = new TopicAliasReceiver({ maximum: 2, peer: 'server' });
      let elided = 0;
      for (const t of topics) {
        const m = await s.next('publish');
        const alias = m.properties?.topicAlias;
        if (alias !== undefined) assert.ok(alias >= 1 && alias <= 2, `alias ${alias}`);
        if (m.topic === '') elided++;
        const resolved = receiver.resolve(m.topic, alias);
        assert.ok(resolved.ok);
        assert.equal(resolved.topic, t);
        assert.equal(m.payload.toString(), t);
      }
      assert.ok(elided > 0, 'some packets carried the alias alone');
    });

    it('[MQTT-3.1.2-27] sends no aliases to a client without Topic Alias Maximum', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('#', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('a', '1');
      p.publish('a', '2');
      for (let i = 0; i < 2; i++) assert.equal((await s.next('publish')).properties?.topicAlias, undefined);
    });
  });

  describe('outbound limits', () => {
    it('[MQTT-3.1.2-24] [MQTT-3.1.2-25] never sends a packet above the client\'s Maximum Packet Size: dropped as if delivered', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', properties: { maximumPacketSize: 64 } });
      await s.subscribe('t', 1);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'x'.repeat(100), { qos: 1, packetId: 1 });
      p.publish('t', 'small', { qos: 1, packetId: 2 });
      const got = await s.next('publish');
      assert.equal(got.payload.toString(), 'small');
      await ack(s, got);
      await s.expectQuiet();
      assert.equal(broker.stats.droppedTooLarge, 1);
      assert.ok(s.frames.every((f) => f.length <= 64));
    });

    it('[MQTT-3.3.4-9] [MQTT-4.9.0-1] [MQTT-4.9.0-2] keeps unacknowledged QoS 1/2 within the client\'s Receive Maximum', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', properties: { receiveMaximum: 2 } });
      await s.subscribe('t', 2);
      const p = await connected(broker, { clientId: 'p' });
      // 1 and 3 at QoS 2 (they hold their slot until PUBCOMP), the others at QoS 1.
      for (let i = 1; i <= 5; i++) p.publish('t', String(i), { qos: (1 + (i % 2)) as 1 | 2, packetId: i });
      const first = [await s.next('publish'), await s.next('publish')];
      await s.expectQuiet(); // the window is full: nothing more until an acknowledgement
      s.send({ type: 'pubrec', packetId: first[0]!.packetId!, reasonCode: 0 });
      await s.next('pubrel');
      await s.expectQuiet(); // PUBREC does not free the slot; PUBCOMP does
      s.send({ type: 'pubcomp', packetId: first[0]!.packetId!, reasonCode: 0 });
      const third = await s.next('publish');
      await s.expectQuiet();
      await ack(s, first[1]!);
      const fourth = await s.next('publish');
      await ack(s, third);
      const fifth = await s.next('publish');
      assert.deepEqual([...first, third, fourth, fifth].map((m) => m.payload.toString()), ['1', '2', '3', '4', '5']);
    });

    it('[MQTT-3.3.4-10] [MQTT-4.9.0-3] a full window does not delay other packets', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's', properties: { receiveMaximum: 1 } });
      await s.subscribe('t', 1);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', '1', { qos: 1, packetId: 1 });
      p.publish('t', '2', { qos: 1, packetId: 2 });
      await s.next('publish');
      const suback = await s.subscribe('u', 0, 44);
      assert.equal(suback.packetId, 44);
      await s.expectQuiet();
    });
  });

  describe('protocol errors on PUBLISH', () => {
    it('disconnects with 0x90 for a topic name beyond the configured limits', async () => {
      const broker = makeBroker({ maxTopicLevels: 3 });
      const p = await connected(broker, { clientId: 'p' });
      p.publish('a/b/c/d', 'x');
      assert.equal(((await p.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x90);
    });

    it('disconnects with 0x9B for QoS above Maximum QoS and 0x9A for RETAIN without retain support', async () => {
      const broker = makeBroker({ maximumQoS: 1, retainAvailable: false });
      const a = await connected(broker, { clientId: 'a' });
      a.publish('t', 'x', { qos: 2, packetId: 1 });
      assert.equal(((await a.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x9b);
      const b = await connected(broker, { clientId: 'b' });
      b.publish('t', 'x', { retain: true });
      assert.equal(((await b.expectClose({ allow: ['disconnect'] }))[0] as { reasonCode: number }).reasonCode, 0x9a);
    });
  });
});
