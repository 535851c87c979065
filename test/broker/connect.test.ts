import assert from 'node:assert/strict';
import { encode, isValidReasonCode } from '../../src/codec';
import { TestClient, closeBrokers, connected, makeBroker, nextEvent } from './helpers';

/** CONNECT bytes with a chosen protocol name/level/flags (client id "c", keep alive 0). */
function rawConnect(name: string, level: number, flags: number, v5: boolean, clientId = 'c'): Buffer {
  const nameBytes = Buffer.from(name);
  const body = Buffer.concat([
    Buffer.from([0, nameBytes.length]), nameBytes, Buffer.from([level, flags, 0, 0]),
    v5 ? Buffer.from([0]) : Buffer.alloc(0), Buffer.from([0, clientId.length]), Buffer.from(clientId),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('broker: CONNECT and CONNACK', () => {
  afterEach(closeBrokers);

  describe('first packet and protocol', () => {
    it('[v5 MQTT-3.1.4-5] [v5 MQTT-3.2.2-1] [3.1.1 MQTT-3.1.4-4] accepts with CONNACK 0x00 whose flags byte has only bit 0', async () => {
      const broker = makeBroker();
      for (const version of [5, 4, 3] as const) {
        const c = TestClient.inMemory(broker, version);
        const connack = await c.connect({ clientId: `c${version}` });
        assert.equal(connack.reasonCode, 0);
        assert.equal(c.frames[0]![0], 0x20);
        assert.equal(c.frames[0]![2]! & 0xfe, 0, 'reserved CONNACK flag bits');
        await c.disconnect();
      }
    });

    it('[v5 MQTT-3.1.4-1] [3.1.1 MQTT-3.1.4-1] closes without CONNACK when the first packet is not CONNECT', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker);
      c.send({ type: 'pingreq' });
      await c.expectClose();
    });

    it('[v5 MQTT-3.1.0-2] [v5 MQTT-3.2.0-2] a second CONNECT is a Protocol Error: DISCONNECT 0x82, no second CONNACK', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'twice' });
      c.send({ type: 'connect', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0 });
      const [disconnect] = await c.expectClose({ allow: ['disconnect'] });
      assert.equal(disconnect?.type, 'disconnect');
      assert.equal((disconnect as { reasonCode: number }).reasonCode, 0x82);
    });

    it('[3.1.1 MQTT-3.1.0-2] a second CONNECT closes a 3.1.1 connection', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'twice', version: 4 });
      c.send({ type: 'connect', protocolVersion: 4, clientId: 'twice', clean: true, keepalive: 0 });
      await c.expectClose();
    });

    it('[v5 MQTT-3.1.2-2] answers an unsupported protocol level with CONNACK 0x84 and closes', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker, 5);
      c.sendRaw(rawConnect('MQTT', 6, 2, true));
      const [connack] = await c.expectClose({ allow: ['connack'] });
      assert.equal((connack as { reasonCode: number }).reasonCode, 0x84);
    });

    it('[3.1.1 MQTT-3.1.2-2] answers an unsupported level from an old client with return code 1', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker, 4);
      c.sendRaw(rawConnect('MQTT', 2, 2, false));
      const [connack] = await c.expectClose({ allow: ['connack'] });
      assert.equal((connack as { reasonCode: number }).reasonCode, 1);
    });

    it('[v5 MQTT-3.1.2-1] [3.1.1 MQTT-3.1.2-1] does not go on with a CONNECT whose protocol name is wrong', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker, 4);
      c.sendRaw(rawConnect('MQTX', 4, 2, false));
      const got = await c.expectClose({ allow: ['connack'] });
      for (const p of got) assert.notEqual((p as { reasonCode: number }).reasonCode, 0);
    });

    it('[v5 MQTT-3.1.2-3] [3.1.1 MQTT-3.1.2-3] closes on a CONNECT with the reserved flag set', async () => {
      const broker = makeBroker();
      for (const version of [5, 4] as const) {
        const c = TestClient.inMemory(broker, version);
        c.sendRaw(rawConnect('MQTT', version, 0x03, version === 5));
        await c.expectClose();
      }
    });

    it('[3.1.1 MQTT-3.1.2-1] speaks MQTT 3.1 (MQIsdp, level 3) too', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'old', version: 3 });
      await c.subscribe('t', 0);
      await c.disconnect();
    });
  });

  describe('client identifiers', () => {
    it('[MQTT-3.1.3-5] accepts 1-23 character [0-9a-zA-Z] client ids (and longer UTF-8 ones)', async () => {
      const broker = makeBroker();
      for (const clientId of ['a', '0123456789abcdefghijABC', 'ünïcødé-client/with:punctuation']) {
        const c = await connected(broker, { clientId });
        await c.disconnect();
      }
    });

    it('[v5 MQTT-3.1.3-6] [v5 MQTT-3.1.3-7] [MQTT-3.2.2-16] assigns a unique id to an empty one and returns it', async () => {
      const broker = makeBroker();
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const c = TestClient.inMemory(broker);
        const connack = await c.connect({ clientId: '' });
        const id = connack.properties?.assignedClientIdentifier;
        assert.ok(id && id.length > 0);
        ids.add(id);
      }
      assert.equal(ids.size, 3);
      assert.deepEqual(new Set(broker.clients().map((c) => c.clientId)), ids);
    });

    it('[3.1.1 MQTT-3.1.3-6] accepts an empty id with Clean Session 1 from a 3.1.1 client', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: '', clean: true, version: 4 });
      assert.equal(broker.clients().length, 1);
      assert.ok(broker.clients()[0]!.clientId.length > 0);
      await c.disconnect();
    });

    it('[3.1.1 MQTT-3.1.3-8] [3.1.1 MQTT-3.1.3-7] refuses an empty id with Clean Session 0: return code 2, then close', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker, 4);
      c.sendRaw(rawConnect('MQTT', 4, 0, false, '')); // our encoder refuses to write this CONNECT
      const [connack] = await c.expectClose({ allow: ['connack'] });
      assert.equal((connack as { reasonCode: number }).reasonCode, 2);
    });

    it('[v5 MQTT-3.1.3-8] [3.1.1 MQTT-3.1.3-9] a rejected id gets CONNACK 0x85 / 2 and the connection closes', async () => {
      const broker = makeBroker({ allowEmptyClientId: false, maxClientIdLength: 10 });
      for (const [version, clientId, code] of [[5, '', 0x85], [5, 'x'.repeat(11), 0x85], [4, 'y'.repeat(11), 2]] as const) {
        const c = TestClient.inMemory(broker, version);
        c.send({ type: 'connect', protocolVersion: version, clientId, clean: true, keepalive: 0 });
        const [connack] = await c.expectClose({ allow: ['connack'] });
        assert.equal((connack as { reasonCode: number }).reasonCode, code);
      }
    });
  });

  describe('refusals', () => {
    it('[v5 MQTT-3.1.4-2] [v5 MQTT-3.2.2-6] [v5 MQTT-3.2.2-7] [v5 MQTT-4.13.2-1] authentication refused: CONNACK 0x87, Session Present 0, close', async () => {
      const broker = makeBroker({}, { authenticate: () => false });
      const failed = nextEvent(broker, 'authFailure');
      const c = TestClient.inMemory(broker);
      c.send({ type: 'connect', protocolVersion: 5, clientId: 'x', clean: false, keepalive: 0 });
      const [connack] = await c.expectClose({ allow: ['connack'] });
      assert.deepEqual(connack, { type: 'connack', sessionPresent: false, reasonCode: 0x87 });
      assert.equal((await failed)[1], 0x87);
      assert.equal(broker.stats.authFailures, 1);
    });

    it('[3.1.1 MQTT-3.2.2-4] [3.1.1 MQTT-3.2.2-5] authentication refused for 3.1.1: return code 5 (or 4 for 0x86), then close', async () => {
      const broker = makeBroker({}, { authenticate: (_c, creds) => (creds.username === 'bad' ? { reasonCode: 0x86 } : false) });
      for (const [username, code] of [['bad', 4], ['other', 5]] as const) {
        const c = TestClient.inMemory(broker, 4);
        c.send({ type: 'connect', protocolVersion: 4, clientId: 'x', clean: false, keepalive: 0, username });
        const [connack] = await c.expectClose({ allow: ['connack'] });
        assert.deepEqual(connack, { type: 'connack', sessionPresent: false, reasonCode: code });
      }
    });

    it('[v5 MQTT-3.2.2-8] [3.1.1 MQTT-3.2.2-6] CONNACK codes are defined ones even when a hook returns an odd code', async () => {
      const broker = makeBroker({}, { authenticate: () => ({ reasonCode: 0x42 }) });
      const c = TestClient.inMemory(broker);
      c.send({ type: 'connect', protocolVersion: 5, clientId: 'x', clean: true, keepalive: 0 });
      const [connack] = await c.expectClose({ allow: ['connack'] });
      const code = (connack as { reasonCode: number }).reasonCode;
      assert.ok(isValidReasonCode('connack', code) && code >= 0x80, `0x${code.toString(16)}`);
    });

    it('passes username, password and CONNECT user properties to authenticate, async', async () => {
      const seen: unknown[] = [];
      const broker = makeBroker({}, {
        authenticate: async (client, creds) => {
          seen.push(client.clientId, creds.username, creds.password?.toString(), creds.userProperties);
          return creds.password?.toString() === 'secret';
        },
      });
      const c = await connected(broker, {
        clientId: 'auth', username: 'u', password: Buffer.from('secret'), properties: { userProperties: [['k', 'v']] },
      });
      assert.deepEqual(seen, ['auth', 'u', 'secret', [['k', 'v']]]);
      await c.disconnect();
    });

    it('[v5 MQTT-3.1.4-6] [3.1.1 MQTT-3.1.4-5] after a refused CONNECT nothing else from the client is processed', async () => {
      const broker = makeBroker({}, { authenticate: (c) => c.clientId !== 'evil' });
      const sub = await connected(broker, { clientId: 'sub' });
      await sub.subscribe('t', 0);
      for (const version of [5, 4] as const) {
        const evil = TestClient.inMemory(broker, version);
        const connect = { type: 'connect', protocolVersion: version, clientId: 'evil', clean: true, keepalive: 0 } as const;
        // CONNECT and PUBLISH in one write: the PUBLISH must not be routed.
        evil.stream.write(Buffer.concat([
          encode(connect, version),
          encode({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, version),
        ]));
        await evil.expectClose({ allow: ['connack'] });
      }
      await sub.expectQuiet();
      assert.equal(broker.stats.messagesIn, 0);
    });

    it('[MQTT-3.2.2-19] leaves out a CONNACK Reason String that would exceed the client\'s Maximum Packet Size', async () => {
      const broker = makeBroker({}, { authenticate: () => ({ reasonCode: 0x87, reasonString: 'no '.repeat(40) }) });
      const big = TestClient.inMemory(broker);
      big.send({ type: 'connect', protocolVersion: 5, clientId: 'a', clean: true, keepalive: 0 });
      const [withReason] = await big.expectClose({ allow: ['connack'] });
      assert.equal((withReason as { properties?: { reasonString?: string } }).properties?.reasonString, 'no '.repeat(40));
      const small = TestClient.inMemory(broker);
      small.send({ type: 'connect', protocolVersion: 5, clientId: 'b', clean: true, keepalive: 0, properties: { maximumPacketSize: 32 } });
      const [withoutReason] = await small.expectClose({ allow: ['connack'] });
      assert.equal((withoutReason as { reasonCode: number }).reasonCode, 0x87);
      assert.equal((withoutReason as { properties?: { reasonString?: string } }).properties?.reasonString, undefined);
    });

    it('[MQTT-3.2.2-12] refuses a Will QoS above Maximum QoS with 0x9B; [MQTT-3.2.2-13] a Will Retain without retain support with 0x9A', async () => {
      const broker = makeBroker({ maximumQoS: 1, retainAvailable: false });
      const will = { topic: 'w', payload: Buffer.from('x'), qos: 2 as const, retain: false };
      for (const [w, code] of [[will, 0x9b], [{ ...will, qos: 0 as const, retain: true }, 0x9a]] as const) {
        const c = TestClient.inMemory(broker);
        c.send({ type: 'connect', protocolVersion: 5, clientId: 'w', clean: true, keepalive: 0, will: w });
        const [connack] = await c.expectClose({ allow: ['connack'] });
        assert.equal((connack as { reasonCode: number }).reasonCode, code);
      }
    });

    it('refuses connections beyond maxConnections with 0x97 (3.1.1: 3)', async () => {
      const broker = makeBroker({ maxConnections: 1 });
      const first = await connected(broker, { clientId: 'one' });
      for (const [version, code] of [[5, 0x97], [4, 3]] as const) {
        const c = TestClient.inMemory(broker, version);
        c.send({ type: 'connect', protocolVersion: version, clientId: 'two', clean: true, keepalive: 0 });
        const [connack] = await c.expectClose({ allow: ['connack'] });
        assert.equal((connack as { reasonCode: number }).reasonCode, code);
      }
      await first.disconnect();
      await connected(broker, { clientId: 'two' });
    });

    it('closes a connection that never sends CONNECT (connectTimeout)', async () => {
      const broker = makeBroker({ connectTimeout: 100 });
      const c = TestClient.inMemory(broker);
      await c.expectClose({ timeout: 3000 });
      assert.equal(broker.stats.connections, 0);
    });
  });

  describe('CONNACK properties (v5)', () => {
    it('advertises the broker limits and capabilities', async () => {
      const broker = makeBroker({
        receiveMaximum: 10, maxPacketSize: 5000, topicAliasMaximum: 5, maximumQoS: 1, retainAvailable: false,
        wildcardSubscriptions: false, subscriptionIdentifiers: false, sharedSubscriptions: false,
      });
      const c = TestClient.inMemory(broker);
      const connack = await c.connect({ clientId: 'p' });
      assert.deepEqual(connack.properties, {
        receiveMaximum: 10, maximumPacketSize: 5000, topicAliasMaximum: 5, maximumQoS: 1, retainAvailable: false,
        wildcardSubscriptionAvailable: false, subscriptionIdentifiersAvailable: false, sharedSubscriptionAvailable: false,
      });
    });

    it('[MQTT-3.2.2-9] [MQTT-3.2.2-10] with Maximum QoS 1, SUBSCRIBE at QoS 2 is accepted and granted 1', async () => {
      const broker = makeBroker({ maximumQoS: 1 });
      const c = await connected(broker, { clientId: 'q' });
      const suback = await c.subscribe([{ topicFilter: 'a', qos: 2 }, { topicFilter: 'b', qos: 0 }]);
      assert.deepEqual(suback.reasonCodes, [1, 0]);
    });

    it('[MQTT-3.1.2-28] sends Response Information only when requested', async () => {
      const broker = makeBroker({ responseInformation: 'reply/' });
      const plain = TestClient.inMemory(broker);
      assert.equal((await plain.connect({ clientId: 'r1' })).properties?.responseInformation, undefined);
      const asking = TestClient.inMemory(broker);
      const connack = await asking.connect({ clientId: 'r2', properties: { requestResponseInformation: true } });
      assert.equal(connack.properties?.responseInformation, 'reply/r2/');
    });

    it('caps the Session Expiry Interval and says so', async () => {
      const broker = makeBroker({ maxSessionExpiry: 60 });
      const c = TestClient.inMemory(broker);
      const connack = await c.connect({ clientId: 's', properties: { sessionExpiryInterval: 3600 } });
      assert.equal(connack.properties?.sessionExpiryInterval, 60);
    });

    it('tells a client asking for no or a too long keep alive the Server Keep Alive', async () => {
      const broker = makeBroker({ maxKeepalive: 30 });
      for (const keepalive of [0, 100]) {
        const c = TestClient.inMemory(broker);
        assert.equal((await c.connect({ clientId: `k${keepalive}`, keepalive })).properties?.serverKeepAlive, 30);
      }
      const ok = TestClient.inMemory(broker);
      assert.equal((await ok.connect({ clientId: 'k10', keepalive: 10 })).properties?.serverKeepAlive, undefined);
    });
  });

  describe('keep alive', () => {
    it('[v5 MQTT-3.1.2-22] [MQTT-3.2.2-22] closes a silent client after 1.5x its keep alive with DISCONNECT 0x8D', async () => {
      const broker = makeBroker();
      const c = TestClient.inMemory(broker);
      const connack = await c.connect({ clientId: 'ka', keepalive: 1 });
      assert.equal(connack.properties?.serverKeepAlive, undefined);
      const started = Date.now();
      const [disconnect] = await c.expectClose({ allow: ['disconnect'], timeout: 4000 });
      assert.equal((disconnect as { reasonCode: number }).reasonCode, 0x8d);
      assert.ok(Date.now() - started >= 1400, 'not before 1.5 x keep alive');
    });

    it('[3.1.1 MQTT-3.1.2-24] [MQTT-3.12.4-1] keeps a pinging 3.1.1 client and drops it once it stops', async () => {
      const broker = makeBroker();
      const c = await connected(broker, { clientId: 'ka4', keepalive: 1, version: 4 });
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 600)); // the client's own ping schedule, not a wait for the broker
        c.send({ type: 'pingreq' });
        await c.next('pingresp');
      }
      await c.expectClose({ timeout: 4000 });
    });
  });
});
