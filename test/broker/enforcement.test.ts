// Rules written for clients that the broker enforces as the receiving side: a client breaking them is
// disconnected (v5 with the reason code, 3.1.1 by closing), and nothing it sent is acted upon.
import assert from 'node:assert/strict';
import type { ProtocolVersion } from '../../src/codec/types';
import { TestClient, closeBrokers, connected, makeBroker } from './helpers';

/** CONNECT bytes: header with the given flags, then the payload fields as given (length-prefixed). */
function connectBytes(version: 4 | 5, flags: number, fields: Array<number[] | string>, willProps = false): Buffer {
  const str = (f: number[] | string): number[] => {
    const b = typeof f === 'string' ? [...Buffer.from(f)] : f;
    return [b.length >> 8, b.length & 0xff, ...b];
  };
  const header = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, version, flags, 0x00, 0x00, ...(version === 5 ? [0x00] : [])];
  const [clientId, ...rest] = fields;
  const payload = [...str(clientId!), ...(willProps && version === 5 ? [0x00] : []), ...rest.flatMap(str)];
  const body = [...header, ...payload];
  return Buffer.from([0x10, body.length, ...body]);
}

async function expectRefused(broker: ReturnType<typeof makeBroker>, version: ProtocolVersion, bytes: Buffer | number[]): Promise<void> {
  const c = TestClient.inMemory(broker, version);
  c.sendRaw(bytes);
  const got = await c.expectClose({ allow: ['connack'] });
  for (const p of got) assert.notEqual((p as { reasonCode: number }).reasonCode, 0, 'must not accept');
}

async function expectDisconnect(client: TestClient, code: number): Promise<void> {
  const got = await client.expectClose({ allow: ['disconnect'] });
  if (client.version === 5) assert.deepEqual(got.map((p) => (p as { reasonCode?: number }).reasonCode), [code]);
}

describe('broker: client rules enforced on receipt', () => {
  afterEach(closeBrokers);

  it('(the raw CONNECT builder makes CONNECTs the broker accepts when the flags are consistent)', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const c = TestClient.inMemory(broker, version);
      c.sendRaw(connectBytes(version, 0xc0 | 0x08 | 0x04 | 0x02, [`ok${version}`, 'w', 'm', 'u', 'p'], true));
      assert.equal((await c.next('connack')).reasonCode, 0);
      await c.disconnect();
    }
  });

  it('[v5 MQTT-3.1.0-1] [3.1.1 MQTT-3.1.0-1] a connection whose first packet is not CONNECT is closed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) await expectRefused(broker, version, [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]);
  });

  it('[v5 MQTT-3.1.2-11] [v5 MQTT-3.1.2-13] [3.1.1 MQTT-3.1.2-11] [3.1.1 MQTT-3.1.2-13] [3.1.1 MQTT-3.1.2-15] Will QoS or Will Retain without the Will Flag is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      await expectRefused(broker, version, connectBytes(version, 0x08 | 0x02, ['c']));
      await expectRefused(broker, version, connectBytes(version, 0x20 | 0x02, ['c']));
    }
  });

  it('[v5 MQTT-3.1.2-12] [v5 MQTT-3.1.2-9] [3.1.1 MQTT-3.1.2-14] [3.1.1 MQTT-3.1.2-9] a Will QoS of 3, or a Will Flag without Will Topic, is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      await expectRefused(broker, version, connectBytes(version, 0x18 | 0x04 | 0x02, ['c', 'w', 'm'], true));
      await expectRefused(broker, version, connectBytes(version, 0x04 | 0x02, ['c']));
    }
  });

  it('[v5 MQTT-3.1.2-17] [v5 MQTT-3.1.2-19] [3.1.1 MQTT-3.1.2-19] [3.1.1 MQTT-3.1.2-21] a User Name or Password flag without the field is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      await expectRefused(broker, version, connectBytes(version, 0x80 | 0x02, ['c']));
      await expectRefused(broker, version, connectBytes(version, 0xc0 | 0x02, ['c', 'u']));
    }
  });

  it('[3.1.1 MQTT-3.1.2-22] a 3.1.1 Password Flag without User Name Flag is malformed', async () => {
    const broker = makeBroker();
    await expectRefused(broker, 4, connectBytes(4, 0x40 | 0x02, ['c', 'p']));
  });

  it('[v5 MQTT-3.1.3-4] [3.1.1 MQTT-3.1.3-4] a Client Identifier that is not UTF-8 is malformed', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) await expectRefused(broker, version, connectBytes(version, 0x02, [[0xc3, 0x28]]));
  });

  it('[v5 MQTT-3.8.3-2] [3.1.1 MQTT-3.8.3-3] [v5 MQTT-3.10.3-2] [3.1.1 MQTT-3.10.3-2] SUBSCRIBE or UNSUBSCRIBE without a topic filter is a protocol error', async () => {
    const broker = makeBroker();
    for (const version of [5, 4] as const) {
      const props = version === 5 ? [0x00] : [];
      const sub = await connected(broker, { clientId: `s${version}`, version });
      sub.sendRaw([0x82, 2 + props.length, 0x00, 0x01, ...props]);
      await expectDisconnect(sub, 0x82);
      const unsub = await connected(broker, { clientId: `u${version}`, version });
      unsub.sendRaw([0xa2, 2 + props.length, 0x00, 0x01, ...props]);
      await expectDisconnect(unsub, 0x82);
    }
  });

  it('[v5 MQTT-3.3.4-6] a PUBLISH from a client with a Subscription Identifier is a protocol error', async () => {
    const broker = makeBroker();
    const c = await connected(broker, { clientId: 'c' });
    c.sendRaw([0x30, 0x06, 0x00, 0x01, 0x74, 0x02, 0x0b, 0x01]);
    await expectDisconnect(c, 0x82);
  });

  it('[v5 MQTT-3.2.2-11] [v5 MQTT-3.2.2-14] QoS above Maximum QoS (0x9B) and RETAIN without Retain Available (0x9A) are refused', async () => {
    const broker = makeBroker({ maximumQoS: 0, retainAvailable: false });
    const a = await connected(broker, { clientId: 'a' });
    a.publish('t', 'x', { qos: 1, packetId: 1 });
    await expectDisconnect(a, 0x9b);
    const b = await connected(broker, { clientId: 'b' });
    b.publish('t', 'x', { retain: true });
    await expectDisconnect(b, 0x9a);
  });

  it('[v5 MQTT-3.2.2-15] a packet above the broker\'s Maximum Packet Size is refused with 0x95', async () => {
    const broker = makeBroker({ maxPacketSize: 64 });
    const c = TestClient.inMemory(broker);
    assert.equal((await c.connect({ clientId: 'c' })).properties?.maximumPacketSize, 64);
    c.publish('t', 'y'.repeat(64));
    await expectDisconnect(c, 0x95);
  });

  it('[v5 MQTT-3.2.2-17] [v5 MQTT-3.3.2-9] [v5 MQTT-3.2.2-18] aliases above the broker\'s Topic Alias Maximum (or any, when it is 0) get 0x94', async () => {
    const limited = makeBroker({ topicAliasMaximum: 2 });
    const a = await connected(limited, { clientId: 'a' });
    a.publish('t', 'x', { properties: { topicAlias: 3 } });
    await expectDisconnect(a, 0x94);
    const none = makeBroker({ topicAliasMaximum: 0 });
    const b = TestClient.inMemory(none);
    assert.equal((await b.connect({ clientId: 'b' })).properties?.topicAliasMaximum, undefined);
    b.publish('t', 'x', { properties: { topicAlias: 1 } });
    await expectDisconnect(b, 0x94);
  });

  it('[v5 MQTT-3.3.4-7] more unacknowledged QoS 2 PUBLISH than the broker\'s Receive Maximum get 0x93', async () => {
    const broker = makeBroker({ receiveMaximum: 1 });
    const c = TestClient.inMemory(broker);
    assert.equal((await c.connect({ clientId: 'c' })).properties?.receiveMaximum, 1);
    c.publish('t', '1', { qos: 2, packetId: 1 });
    await c.next('pubrec');
    c.publish('t', '2', { qos: 2, packetId: 2 });
    await expectDisconnect(c, 0x93);
  });

  it('[v5 MQTT-4.12.0-3] an AUTH answering the broker\'s AUTH must be 0x18', async () => {
    const broker = makeBroker({ authMethods: ['m'] }, { authenticateEnhanced: () => ({ status: 'continue' }) });
    const c = TestClient.inMemory(broker);
    c.send({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0, properties: { authenticationMethod: 'm' } });
    await c.next('auth');
    c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'm' } });
    await c.expectClose({ allow: ['disconnect', 'connack'] });
  });

  it('[v5 MQTT-4.12.0-7] [v5 MQTT-4.12.1-1] AUTH without enhanced authentication, or re-authentication with another method, is a protocol error', async () => {
    const broker = makeBroker({ authMethods: ['m', 'n'] }, { authenticateEnhanced: () => ({ status: 'success' }) });
    const plain = await connected(broker, { clientId: 'plain' });
    plain.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'm' } });
    await expectDisconnect(plain, 0x82);
    const enhanced = await connected(broker, { clientId: 'enh', properties: { authenticationMethod: 'm' } });
    enhanced.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'n' } });
    await expectDisconnect(enhanced, 0x82);
  });
});
