import assert from 'node:assert/strict';
import { isValidReasonCode } from '../../src/codec';
import { ack, closeBrokers, connected, makeBroker, nextEvent } from './helpers';

describe('broker: SUBSCRIBE, UNSUBSCRIBE, retained messages', () => {
  afterEach(closeBrokers);

  describe('SUBACK', () => {
    it('[v5 MQTT-3.8.4-1] [v5 MQTT-3.8.4-2] [v5 MQTT-2.2.1-6] [3.1.1 MQTT-3.8.4-1] [3.1.1 MQTT-3.8.4-2] [3.1.1 MQTT-2.3.1-7] answers with the same packet id', async () => {
      const broker = makeBroker();
      for (const version of [5, 4] as const) {
        const c = await connected(broker, { clientId: `c${version}`, version });
        assert.equal((await c.subscribe('a', 0, 0xbeef)).packetId, 0xbeef);
      }
    });

    it('[v5 MQTT-3.8.4-5] [v5 MQTT-3.8.4-6] [v5 MQTT-3.8.4-7] [v5 MQTT-3.9.3-1] [v5 MQTT-3.9.3-2] one code per filter, in order: granted QoS or a defined failure', async () => {
      const broker = makeBroker({}, { authorizeSubscribe: (_c, s) => (s.topicFilter === 'secret' ? false : s.qos) });
      const c = await connected(broker, { clientId: 'c' });
      const suback = await c.subscribe([
        { topicFilter: 'a', qos: 2 }, { topicFilter: 'secret', qos: 1 }, { topicFilter: 'b/#', qos: 1 },
        { topicFilter: 'c', qos: 0 }, { topicFilter: '$share/g/d', qos: 1 },
      ]);
      assert.deepEqual(suback.reasonCodes, [2, 0x87, 1, 0, 1]);
      for (const code of suback.reasonCodes) assert.ok(isValidReasonCode('suback', code));
    });

    it('[3.1.1 MQTT-3.8.4-4] [3.1.1 MQTT-3.8.4-5] [3.1.1 MQTT-3.9.3-1] [3.1.1 MQTT-3.9.3-2] 3.1.1: one return code per filter in order, failures are 0x80', async () => {
      const broker = makeBroker({ maxTopicLevels: 2 }, { authorizeSubscribe: (_c, s) => (s.topicFilter === 'no' ? false : s.qos) });
      const c = await connected(broker, { clientId: 'c', version: 4 });
      const suback = await c.subscribe([{ topicFilter: 'x', qos: 1 }, { topicFilter: 'no', qos: 1 }, { topicFilter: 'a/b/c', qos: 2 }, { topicFilter: 'y', qos: 2 }]);
      assert.deepEqual(suback.reasonCodes, [1, 0x80, 0x80, 2]);
    });

    it('authorizeSubscribe may downgrade the QoS (async)', async () => {
      const broker = makeBroker({}, { authorizeSubscribe: async () => 0 as const });
      const c = await connected(broker, { clientId: 'c' });
      assert.deepEqual((await c.subscribe('t', 2)).reasonCodes, [0]);
    });

    it('[3.1.1 MQTT-3.8.3-2] refuses wildcard filters when wildcard subscriptions are off (v5: 0xA2)', async () => {
      const broker = makeBroker({ wildcardSubscriptions: false });
      const v5 = await connected(broker, { clientId: 'a' });
      assert.deepEqual((await v5.subscribe([{ topicFilter: 'a/+', qos: 0 }, { topicFilter: 'a/b', qos: 0 }])).reasonCodes, [0xa2, 0]);
      const v4 = await connected(broker, { clientId: 'b', version: 4 });
      assert.deepEqual((await v4.subscribe('#', 0)).reasonCodes, [0x80]);
    });

    it('refuses shared subscriptions when they are off (0x9E) and Subscription Identifiers with DISCONNECT 0xA1', async () => {
      const broker = makeBroker({ sharedSubscriptions: false, subscriptionIdentifiers: false });
      const c = await connected(broker, { clientId: 'c' });
      assert.deepEqual((await c.subscribe('$share/g/t', 0)).reasonCodes, [0x9e]);
      c.send({ type: 'subscribe', packetId: 2, subscriptions: [{ topicFilter: 't', qos: 0 }], properties: { subscriptionIdentifier: 5 } });
      const [d] = await c.expectClose({ allow: ['disconnect'] });
      assert.equal((d as { reasonCode: number }).reasonCode, 0xa1);
    });

    it('[v5 MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      // Our encoder refuses this packet, so the bytes are written by hand:
      // SUBSCRIBE rl=16 | id 1 | no properties | "$share/g/t" | options: No Local
      c.sendRaw(Buffer.concat([Buffer.from([0x82, 16, 0, 1, 0, 0, 10]), Buffer.from('$share/g/t'), Buffer.from([0x04])]));
      const [d] = await c.expectClose({ allow: ['disconnect'] });
      assert.equal((d as { reasonCode: number }).reasonCode, 0x82);
    });

    it('emits subscribe and unsubscribe events', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      const sub = nextEvent(broker, 'subscribe');
      await c.subscribe('t', 1);
      const [info, subs] = await sub;
      assert.equal((info as { clientId: string }).clientId, 'c');
      assert.deepEqual(subs, [{ topicFilter: 't', reasonCode: 1 }]);
      const unsub = nextEvent(broker, 'unsubscribe');
      c.send({ type: 'unsubscribe', packetId: 2, topicFilters: ['t'] });
      await c.next('unsuback');
      assert.deepEqual((await unsub)[1], ['t']);
    });
  });

  describe('replacing subscriptions', () => {
    it('[v5 MQTT-3.8.4-3] [v5 MQTT-3.8.4-4] [3.1.1 MQTT-3.8.4-3] the same filter replaces the subscription, resends retained, no duplicate routes', async () => {
      const broker = makeBroker();
      await broker.publish({ topic: 'r', payload: 'kept', retain: true, qos: 1 });
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe('r', 0);
      assert.equal((await c.next('publish')).qos, 0);
      await c.subscribe('r', 1, 2);
      const again = await c.next('publish');
      assert.equal(again.retain, true);
      assert.equal(again.qos, 1);
      await ack(c, again);
      await broker.publish({ topic: 'r', payload: 'live', qos: 1 });
      const live = await c.next('publish');
      assert.equal(live.qos, 1);
      await ack(c, live);
      await c.expectQuiet();
    });
  });

  describe('UNSUBSCRIBE', () => {
    it('[v5 MQTT-3.10.4-1] [v5 MQTT-3.10.4-2] [v5 MQTT-3.10.4-4] [v5 MQTT-3.10.4-5] [v5 MQTT-3.10.4-6] [v5 MQTT-3.11.3-1] [v5 MQTT-3.11.3-2] removes exact matches only; one UNSUBACK with codes in order', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe([{ topicFilter: 'a/+', qos: 0 }, { topicFilter: 'b', qos: 0 }]);
      c.send({ type: 'unsubscribe', packetId: 9, topicFilters: ['a/b', 'b', 'a/#'] });
      const unsuback = await c.next('unsuback');
      assert.equal(unsuback.packetId, 9);
      assert.deepEqual(unsuback.reasonCodes, [0x11, 0, 0x11]);
      await broker.publish({ topic: 'b', payload: 'gone' });
      await broker.publish({ topic: 'a/x', payload: 'still' });
      assert.equal((await c.next('publish')).payload.toString(), 'still');
      await c.expectQuiet();
    });

    it('[3.1.1 MQTT-3.10.4-1] [3.1.1 MQTT-3.10.4-2] [3.1.1 MQTT-3.10.4-4] [3.1.1 MQTT-3.10.4-5] [3.1.1 MQTT-3.10.4-6] 3.1.1 UNSUBACK echoes the id, even when nothing was removed', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c', version: 4 });
      await c.subscribe('x', 0);
      c.send({ type: 'unsubscribe', packetId: 3, topicFilters: ['nothing', 'x'] });
      const unsuback = await c.next('unsuback');
      assert.equal(unsuback.packetId, 3);
      assert.equal(unsuback.reasonCodes, undefined);
      await broker.publish({ topic: 'x', payload: 'late' });
      await c.expectQuiet();
    });

    it('[v5 MQTT-3.10.4-3] [3.1.1 MQTT-3.10.4-3] completes QoS 1/2 deliveries already started for a removed filter', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe('t', 2);
      await broker.publish({ topic: 't', payload: 'inflight', qos: 2 });
      const m = await c.next('publish');
      c.send({ type: 'unsubscribe', packetId: 5, topicFilters: ['t'] });
      await c.next('unsuback');
      c.send({ type: 'pubrec', packetId: m.packetId!, reasonCode: 0 });
      assert.equal((await c.next('pubrel')).packetId, m.packetId);
      c.send({ type: 'pubcomp', packetId: m.packetId!, reasonCode: 0 });
      await c.expectQuiet();
    });
  });

  describe('retained messages', () => {
    it('[v5 MQTT-3.3.1-5] [v5 MQTT-3.3.1-9] [3.1.1 MQTT-3.3.1-5] [3.1.1 MQTT-3.3.1-6] [3.1.1 MQTT-3.3.1-8] new subscriptions get the retained message with RETAIN=1 and its QoS', async () => {
      const broker = makeBroker();
      const p = await connected(broker, { clientId: 'p' });
      p.publish('status/1', 'on', { qos: 1, packetId: 1, retain: true });
      await p.next('puback');
      for (const version of [5, 4] as const) {
        const c = await connected(broker, { clientId: `c${version}`, version });
        await c.subscribe('status/+', 2);
        const got = await c.next('publish');
        assert.equal(got.retain, true);
        assert.equal(got.qos, 1);
        assert.equal(got.payload.toString(), 'on');
        await ack(c, got);
      }
    });

    it('[v5 MQTT-3.3.1-12] [3.1.1 MQTT-3.3.1-9] forwards to existing subscriptions with RETAIN=0; [v5 MQTT-3.3.1-13] Retain As Published keeps it', async () => {
      const broker = makeBroker();
      const plain = await connected(broker, { clientId: 'plain' });
      await plain.subscribe('t', 0);
      const old = await connected(broker, { clientId: 'old', version: 4 });
      await old.subscribe('t', 0);
      const rap = await connected(broker, { clientId: 'rap' });
      await rap.subscribe([{ topicFilter: 't', qos: 0, retainAsPublished: true }]);
      await broker.publish({ topic: 't', payload: 'x', retain: true });
      assert.equal((await plain.next('publish')).retain, false);
      assert.equal((await old.next('publish')).retain, false);
      assert.equal((await rap.next('publish')).retain, true);
    });

    it('[v5 MQTT-3.3.1-6] [v5 MQTT-3.3.1-7] [3.1.1 MQTT-3.3.1-10] [3.1.1 MQTT-3.3.1-11] an empty retained payload is delivered and deletes the retained message', async () => {
      const broker = makeBroker();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('t', 0);
      const p = await connected(broker, { clientId: 'p' });
      p.publish('t', 'x', { retain: true });
      p.publish('t', '', { retain: true });
      await s.next('publish');
      assert.equal((await s.next('publish')).payload.length, 0);
      assert.equal(broker.retained('t'), undefined);
      const late = await connected(broker, { clientId: 'late' });
      await late.subscribe('t', 0);
      await late.expectQuiet();
    });

    it('[v5 MQTT-3.3.1-8] [3.1.1 MQTT-3.3.1-12] RETAIN=0 neither stores nor removes; [3.1.1 MQTT-3.3.1-7] a QoS 0 retained message replaces the old one', async () => {
      const broker = makeBroker();
      const p = await connected(broker, { clientId: 'p', version: 4 });
      p.publish('t', 'first', { retain: true, qos: 1, packetId: 1 });
      await p.next('puback');
      p.publish('t', 'not retained');
      await p.expectQuiet();
      assert.equal(broker.retained('t')?.payload.toString(), 'first');
      p.publish('t', 'second', { retain: true });
      await p.expectQuiet();
      assert.equal(broker.retained('t')?.payload.toString(), 'second');
      assert.equal(broker.retained('t')?.qos, 0);
    });

    it('[v5 MQTT-3.3.1-10] [v5 MQTT-3.3.1-11] Retain Handling 1 sends only for a new subscription, 2 never', async () => {
      const broker = makeBroker();
      await broker.publish({ topic: 'r', payload: 'x', retain: true });
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe([{ topicFilter: 'r', qos: 0, retainHandling: 2 }]);
      await c.expectQuiet();
      await c.subscribe([{ topicFilter: '+', qos: 0, retainHandling: 1 }], 0, 2);
      assert.equal((await c.next('publish')).retain, true);
      await c.subscribe([{ topicFilter: '+', qos: 0, retainHandling: 1 }], 0, 3);
      await c.expectQuiet();
    });

    it('[3.1.1 MQTT-3.1.2-7] retained messages outlive the publisher\'s session', async () => {
      const broker = makeBroker();
      const p = await connected(broker, { clientId: 'p', version: 4 });
      p.publish('keep', 'me', { retain: true });
      await p.disconnect();
      const s = await connected(broker, { clientId: 's' });
      await s.subscribe('keep', 0);
      assert.equal((await s.next('publish')).payload.toString(), 'me');
    });

    it('[MQTT-4.7.2-1] a # subscription gets no retained $ topics; shared subscriptions get no retained messages', async () => {
      const broker = makeBroker();
      await broker.publish({ topic: '$internal/x', payload: 'hidden', retain: true });
      await broker.publish({ topic: 'visible', payload: 'shown', retain: true });
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe('#', 0);
      assert.equal((await c.next('publish')).topic, 'visible');
      await c.subscribe('$share/g/visible', 0, 2);
      await c.expectQuiet();
    });

    it('carries the subscription identifier on retained messages sent for the subscription', async () => {
      const broker = makeBroker();
      await broker.publish({ topic: 'r', payload: 'x', retain: true });
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe([{ topicFilter: 'r', qos: 0 }], 0, 1, { subscriptionIdentifier: 42 });
      assert.deepEqual((await c.next('publish')).properties?.subscriptionIdentifiers, [42]);
    });
  });

  describe('shared subscriptions', () => {
    it('[v5 MQTT-4.8.2-1] [v5 MQTT-4.8.2-2] [v5 MQTT-4.8.2-3] distributes round-robin, each copy at that member\'s granted QoS', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a' });
      const b = await connected(broker, { clientId: 'b' });
      await a.subscribe('$share/work/jobs/+', 0);
      await b.subscribe('$share/work/jobs/+', 1);
      for (let i = 0; i < 4; i++) await broker.publish({ topic: 'jobs/x', payload: String(i), qos: 1 });
      const atA = [await a.next('publish'), await a.next('publish')];
      const atB = [await b.next('publish'), await b.next('publish')];
      assert.deepEqual(atA.map((m) => [m.payload.toString(), m.qos]), [['0', 0], ['2', 0]]);
      assert.deepEqual(atB.map((m) => [m.payload.toString(), m.qos]), [['1', 1], ['3', 1]]);
    });

    it('rejects malformed share names with 0x8F', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      const suback = await c.subscribe([{ topicFilter: '$share/g', qos: 0 }, { topicFilter: '$share//t', qos: 0 }, { topicFilter: '$share/g+/t', qos: 0 }]);
      assert.deepEqual(suback.reasonCodes, [0x8f, 0x8f, 0x8f]);
    });

    it('[v5 MQTT-3.3.4-5] a shared and a non-shared match give separate copies, each with its own subscription id', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'c' });
      await c.subscribe([{ topicFilter: '$share/g/t', qos: 0 }], 0, 1, { subscriptionIdentifier: 1 });
      await c.subscribe([{ topicFilter: 't', qos: 0 }], 0, 2, { subscriptionIdentifier: 2 });
      await broker.publish({ topic: 't', payload: 'x' });
      const ids = [(await c.next('publish')).properties?.subscriptionIdentifiers, (await c.next('publish')).properties?.subscriptionIdentifiers];
      assert.deepEqual(ids.map((i) => i?.[0]).sort(), [1, 2]);
    });

    it('skips a disconnected member and hands a leaving member\'s unacknowledged QoS 1 messages to another', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      const b = await connected(broker, { clientId: 'b' });
      await a.subscribe('$share/g/t', 1);
      await b.subscribe('$share/g/t', 1);
      await broker.publish({ topic: 't', payload: 'to a', qos: 1 });
      await a.next('publish'); // never acknowledged
      await a.drop();
      const handedOver = await b.next('publish');
      assert.equal(handedOver.payload.toString(), 'to a');
      await ack(b, handedOver);
      for (let i = 0; i < 3; i++) await broker.publish({ topic: 't', payload: `n${i}`, qos: 1 });
      for (let i = 0; i < 3; i++) await ack(b, await b.next('publish'));
      await b.expectQuiet();
    });

    it('[v5 MQTT-4.8.2-4] a shared QoS 2 delivery cut by disconnect is completed with the same client on reconnect', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      const b = await connected(broker, { clientId: 'b' });
      await a.subscribe('$share/g/t', 2);
      await b.subscribe('$share/g/t', 2);
      await broker.publish({ topic: 't', payload: 'q2', qos: 2 });
      const m = await a.next('publish');
      await a.drop();
      await b.expectQuiet();
      const back = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      const again = await back.next('publish');
      assert.equal(again.packetId, m.packetId);
      assert.equal(again.dup, true);
      assert.equal(again.payload.toString(), 'q2');
    });

    it('[v5 MQTT-4.8.2-5] if that client\'s session ends first, the QoS 2 message goes to nobody else', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a', clean: false, properties: { sessionExpiryInterval: 60 } });
      const b = await connected(broker, { clientId: 'b' });
      await a.subscribe('$share/g/t', 2);
      await b.subscribe('$share/g/t', 2);
      await broker.publish({ topic: 't', payload: 'q2', qos: 2 });
      await a.next('publish');
      await a.drop();
      const fresh = await connected(broker, { clientId: 'a', clean: true }); // ends the old session
      await fresh.expectQuiet();
      await b.expectQuiet();
    });

    it('[v5 MQTT-4.8.2-6] a shared delivery refused with PUBACK >= 0x80 is not redelivered to others', async () => {
      const broker = makeBroker();
      const a = await connected(broker, { clientId: 'a' });
      const b = await connected(broker, { clientId: 'b' });
      await a.subscribe('$share/g/t', 1);
      await b.subscribe('$share/g/t', 1);
      await broker.publish({ topic: 't', payload: 'x', qos: 1 });
      const m = await a.next('publish');
      a.send({ type: 'puback', packetId: m.packetId!, reasonCode: 0x80 });
      await a.disconnect();
      await b.expectQuiet();
    });
  });
});
