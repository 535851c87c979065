import assert from 'node:assert/strict';
import { TestClient, closeBrokers, connected, makeBroker, nextEvent } from './helpers';

/** Expects the broker to close the connection, after a DISCONNECT with `code` for v5 clients. */
async function expectDisconnect(client: TestClient, code: number): Promise<void> {
  const got = await client.expectClose({ allow: ['disconnect'] });
  if (client.version === 5) assert.deepEqual(got.map((p) => (p as { reasonCode?: number }).reasonCode), [code]);
  else assert.deepEqual(got, []);
}

describe('broker: limits and protocol violations', () => {
  afterEach(closeBrokers);

  it('[v5 MQTT-4.13.1-1] [3.1.1 MQTT-4.8.0-1] a packet larger than maxPacketSize: DISCONNECT 0x95 (v5) / close; others unaffected', async () => {
    const broker = makeBroker({ maxPacketSize: 100 });
    const bystander = await connected(broker, { clientId: 'bystander' });
    await bystander.subscribe('t', 0);
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `big${version}`, version });
      c.publish('t', 'x'.repeat(200));
      await expectDisconnect(c, 0x95);
    }
    await broker.publish({ topic: 't', payload: 'still here' });
    assert.equal((await bystander.next('publish')).payload.toString(), 'still here');
  });

  it('[v5 MQTT-4.13.1-1] [3.1.1 MQTT-2.2.2-2] invalid fixed-header flags: DISCONNECT 0x81 (v5) / close', async () => {
    const broker = makeBroker();
    // PINGREQ with flags 0001
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `f${version}`, version });
      c.sendRaw([0xc1, 0x00]);
      await expectDisconnect(c, 0x81);
    }
  });

  it('[v5 MQTT-3.6.1-1] [3.1.1 MQTT-3.6.1-1] PUBREL with flags other than 0010 is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `r${version}`, version });
      c.sendRaw([0x60, 0x02, 0x00, 0x01]);
      await expectDisconnect(c, 0x81);
    }
  });

  it('[v5 MQTT-3.8.1-1] [3.1.1 MQTT-3.8.1-1] [v5 MQTT-3.10.1-1] [3.1.1 MQTT-3.10.1-1] SUBSCRIBE / UNSUBSCRIBE with wrong flags are malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const props = version === 5 ? [0x00] : [];
      const sub = await connected(broker, { clientId: `s${version}`, version });
      sub.sendRaw([0x80, 4 + props.length + 2, 0x00, 0x01, ...props, 0x00, 0x01, 0x61, 0x00]);
      await expectDisconnect(sub, 0x81);
      const unsub = await connected(broker, { clientId: `u${version}`, version });
      unsub.sendRaw([0xa0, 3 + props.length + 2, 0x00, 0x01, ...props, 0x00, 0x01, 0x61]);
      await expectDisconnect(unsub, 0x81);
    }
  });

  it('[v5 MQTT-3.15.1-1] AUTH with reserved flags is malformed', async () => {
    const broker = makeBroker();
    const c = await connected(broker, { clientId: 'a' });
    c.sendRaw([0xf1, 0x00]);
    await expectDisconnect(c, 0x81);
  });

  it('[v5 MQTT-3.8.3-5] [3.1.1 MQTT-3.8.3-4] SUBSCRIBE options with reserved bits or QoS 3 are malformed', async () => {
    const broker = makeBroker();
    const v5 = await connected(broker, { clientId: 'v5' });
    v5.sendRaw([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0xc0]);
    await expectDisconnect(v5, 0x81);
    const v4 = await connected(broker, { clientId: 'v4', version: 4 });
    v4.sendRaw([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03]);
    await expectDisconnect(v4, 0x81);
  });

  it('[v5 MQTT-3.3.1-4] [3.1.1 MQTT-3.3.1-4] a PUBLISH with QoS 3 is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `q${version}`, version });
      c.sendRaw([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]);
      await expectDisconnect(c, 0x81);
    }
  });

  it('[v5 MQTT-1.5.4-1] [v5 MQTT-1.5.4-2] [3.1.1 MQTT-1.5.3-1] [3.1.1 MQTT-1.5.3-2] [v5 MQTT-4.7.3-2] closes on ill-formed UTF-8 or U+0000 in a topic', async () => {
    const broker = makeBroker();
    const topics = [[0xed, 0xa0, 0x80], [0x61, 0x00, 0x62]]; // encoded surrogate U+D800; "a\0b"
    for (const version of [5, 4] as const) {
      for (const t of topics) {
        const c = await connected(broker, { clientId: `u${version}${t[0]}`, version });
        const props = version === 5 ? [0x00] : [];
        c.sendRaw([0x30, 2 + t.length + props.length, 0x00, t.length, ...t, ...props]);
        const got = await c.expectClose({ allow: ['disconnect'] });
        if (version === 5) assert.ok([0x81, 0x82].includes((got[0] as { reasonCode: number }).reasonCode));
      }
    }
  });

  it('[v5 MQTT-1.5.7-1] closes on a User Property whose name holds U+0000', async () => {
    const broker = makeBroker();
    const c = await connected(broker, { clientId: 'up' });
    // PUBLISH "t" with properties: User Property ("a\0", "v")
    const props = [0x26, 0x00, 0x02, 0x61, 0x00, 0x00, 0x01, 0x76];
    c.sendRaw([0x30, 3 + 1 + props.length, 0x00, 0x01, 0x74, props.length, ...props]);
    const got = await c.expectClose({ allow: ['disconnect'] });
    assert.ok(got.length === 1 && (got[0] as { reasonCode: number }).reasonCode >= 0x80);
  });

  it('[v5 MQTT-4.7.0-1] [3.1.1 MQTT-4.7.1-1] a wildcard in a PUBLISH topic closes the connection', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const c = await connected(broker, { clientId: `w${version}`, version });
      const props = version === 5 ? [0x00] : [];
      c.sendRaw([0x30, 5 + props.length, 0x00, 0x03, 0x61, 0x2f, 0x2b, ...props]);
      await c.expectClose({ allow: ['disconnect'] });
    }
  });

  it('[v5 MQTT-3.1.2-30] only AUTH or DISCONNECT may follow CONNECT before the CONNACK of an AUTH exchange', async () => {
    const broker = makeBroker({ authMethods: ['m'] }, { authenticateEnhanced: () => ({ status: 'continue' }) });
    const c = TestClient.inMemory(broker);
    c.send({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { authenticationMethod: 'm' } });
    await c.next('auth');
    c.send({ type: 'pingreq' });
    await c.expectClose({ allow: ['disconnect'] });
  });

  it('[3.1.1 MQTT-4.8.0-2] a hook that throws closes only that connection (0x83) and reports clientError', async () => {
    const broker = makeBroker({}, {
      authorizePublish: (c) => {
        if (c.clientId === 'bad') throw new Error('hook bug');
        return true;
      },
    });
    const good = await connected(broker, { clientId: 'good' });
    await good.subscribe('t', 0);
    const errored = nextEvent(broker, 'clientError');
    const bad = await connected(broker, { clientId: 'bad' });
    bad.publish('t', 'x');
    await expectDisconnect(bad, 0x83);
    assert.match(String((await errored)[1]), /hook bug/);
    good.publish('t', 'fine');
    assert.equal((await good.next('publish')).payload.toString(), 'fine');
  });

  it('a rejecting async hook closes only that connection', async () => {
    const broker = makeBroker({}, { authorizeSubscribe: async () => Promise.reject(new Error('db down')) });
    const c = await connected(broker, { clientId: 'c' });
    c.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0 }] });
    await expectDisconnect(c, 0x83);
    assert.equal(broker.stats.connections, 0);
  });

  it('garbage bytes close the connection without affecting other clients', async () => {
    const broker = makeBroker();
    const other = await connected(broker, { clientId: 'other' });
    const c = await connected(broker, { clientId: 'junk' });
    c.sendRaw([0x00, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    await c.expectClose({ allow: ['disconnect'] });
    await other.expectQuiet();
  });

  it('drops QoS 0 and queues QoS 1 for a client whose socket buffer is over maxWriteBuffer', async () => {
    const broker = makeBroker({ maxWriteBuffer: 200 });
    const slow = await connected(broker, { clientId: 'slow' });
    await slow.subscribe('t', 1);
    for (let i = 0; i < 20; i++) void broker.publish({ topic: 't', payload: 'x'.repeat(50), qos: 0 });
    for (let i = 0; i < 5; i++) void broker.publish({ topic: 't', payload: `q${i}`, qos: 1 });
    assert.ok(broker.stats.droppedQos0 > 0);
    const got: string[] = [];
    while (got.length < 5) {
      const m = await slow.next('publish');
      if (m.qos === 1) {
        got.push(m.payload.toString());
        slow.send({ type: 'puback', packetId: m.packetId!, reasonCode: 0 });
      }
    }
    assert.deepEqual(got, ['q0', 'q1', 'q2', 'q3', 'q4']);
  });
});
