// What the broker puts on the wire, checked byte by byte over a session that makes it send every packet
// type a server sends (CONNACK, PUBLISH at each QoS, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK,
// PINGRESP, DISCONNECT, AUTH), for a v5 and a 3.1.1 client.
import assert from 'node:assert/strict';
import { decode, isValidReasonCode, type ReasonCodePacket } from '../../src/codec';
import type { Packet, ProtocolVersion } from '../../src/codec/types';
import { TestClient, ack, closeBrokers, connected, makeBroker } from './helpers';

/** Required low nibble of the first byte per packet type number (PUBLISH: checked separately). */
const FLAGS: Record<number, number> = { 2: 0, 4: 0, 5: 0, 6: 2, 7: 0, 9: 0, 11: 0, 13: 0, 14: 0, 15: 0 };

function varintSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/** Runs the scenario; returns the raw frames the probe client received. */
async function scenario(version: ProtocolVersion): Promise<Buffer[]> {
  const broker = makeBroker({ authMethods: ['m'] }, {
    authenticateEnhanced: (_c, step) => (step.data ? { status: 'success' } : { status: 'continue' }),
  });
  const probe = TestClient.inMemory(broker, version);
  const v5 = version === 5;
  if (v5) {
    probe.send({ type: 'connect', protocolVersion: 5, clientId: 'probe', clean: true, keepalive: 0, properties: { authenticationMethod: 'm', topicAliasMaximum: 4 } });
    await probe.next('auth');
    probe.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'm', authenticationData: Buffer.from('x') } });
    await probe.next('connack');
  } else {
    assert.equal((await probe.connect({ clientId: 'probe' })).reasonCode, 0);
  }
  await probe.subscribe([{ topicFilter: 't/#', qos: 2 }], 0, 1, v5 ? { subscriptionIdentifier: 7 } : undefined);
  const pub = await connected(broker, { clientId: 'pub' });
  const properties = { contentType: 'text/plain', responseTopic: 'reply/x', userProperties: [['k', 'v']] as Array<[string, string]> };
  for (const qos of [0, 1, 2] as const) pub.publish('t/a', `q${qos}`, { qos, packetId: 1 + qos, properties });
  pub.publish('t/a', 'retained', { retain: true });
  const four = [await probe.next('publish'), await probe.next('publish'), await probe.next('publish'), await probe.next('publish')];
  for (const m of four) await ack(probe, m);
  // The broker routes before it acknowledges: our own message arrives first, then the PUBACK / PUBREC.
  probe.publish('t/self', 'one', { qos: 1, packetId: 10 });
  const own1 = await probe.next('publish');
  await probe.next('puback');
  await ack(probe, own1);
  probe.publish('t/self', 'two', { qos: 2, packetId: 11 });
  const own2 = await probe.next('publish');
  await probe.next('pubrec');
  probe.send({ type: 'pubrel', packetId: 11, reasonCode: 0 });
  await probe.next('pubcomp');
  await ack(probe, own2);
  probe.send({ type: 'unsubscribe', packetId: 12, topicFilters: ['t/#'] });
  await probe.next('unsuback');
  await probe.expectQuiet();
  broker.disconnectClient('probe');
  await probe.expectClose({ allow: ['disconnect'] });
  return probe.frames;
}

describe('broker: bytes on the wire', () => {
  afterEach(closeBrokers);

  for (const version of [5, 4] as const) {
    describe(version === 5 ? 'to a v5 client' : 'to a 3.1.1 client', () => {
      let frames: Buffer[] = [];
      let packets: Packet[] = [];
      before(async () => {
        frames = await scenario(version);
        packets = frames.map((f) => decode(f, version));
        await closeBrokers();
      });

      it('covers every packet type a server sends', () => {
        const types = new Set(packets.map((p) => p.type));
        const expected = ['connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'pingresp', ...(version === 5 ? ['disconnect', 'auth'] : [])];
        for (const t of expected) assert.ok(types.has(t as Packet['type']), t);
      });

      it('[v5 MQTT-2.1.3-1] [3.1.1 MQTT-2.2.2-1] sets the reserved fixed-header flag bits as specified', () => {
        for (const f of frames) {
          const type = f[0]! >> 4;
          if (type !== 3) assert.equal(f[0]! & 0x0f, FLAGS[type], `type ${type}`);
        }
      });

      it('[v5 MQTT-1.5.5-1] encodes Remaining Length in the fewest bytes', () => {
        for (const f of frames) {
          let i = 1;
          while (f[i]! & 0x80) i++;
          const rl = f.length - (i + 1);
          assert.equal(i, varintSize(rl), `frame type ${f[0]! >> 4}`);
        }
      });

      it('[v5 MQTT-3.3.2-1] [v5 MQTT-3.3.2-2] [3.1.1 MQTT-3.3.2-1] [3.1.1 MQTT-3.3.2-2] PUBLISH starts its variable header with the UTF-8 topic, without wildcards', () => {
        frames.forEach((f, i) => {
          const p = packets[i]!;
          if (p.type !== 'publish') return;
          let h = 1;
          while (f[h]! & 0x80) h++;
          h++;
          const len = (f[h]! << 8) | f[h + 1]!;
          assert.equal(f.subarray(h + 2, h + 2 + len).toString('utf8'), p.topic);
          assert.ok(!/[+#]/.test(p.topic));
        });
      });

      it('[v5 MQTT-2.2.1-2] [3.1.1 MQTT-3.3.1-2] [3.1.1 MQTT-2.3.1-1] QoS 0 PUBLISH has DUP 0 and no id; QoS > 0 ids are non-zero', () => {
        for (const p of packets) {
          if (p.type !== 'publish') continue;
          if (p.qos === 0) {
            assert.equal(p.dup, false);
            assert.equal(p.packetId, undefined);
          } else assert.ok(p.packetId! > 0);
        }
      });

      if (version === 5) {
        it('[v5 MQTT-3.2.2-8] [v5 MQTT-3.4.2-1] [v5 MQTT-3.5.2-1] [v5 MQTT-3.6.2-1] [v5 MQTT-3.7.2-1] [v5 MQTT-3.9.3-2] [v5 MQTT-3.11.3-2] [v5 MQTT-3.14.2-1] [v5 MQTT-3.15.2-1] uses only defined reason codes', () => {
          for (const p of packets) {
            if (p.type === 'suback' || p.type === 'unsuback') {
              for (const code of p.reasonCodes ?? []) assert.ok(isValidReasonCode(p.type, code), `${p.type} ${code}`);
            } else if ('reasonCode' in p && p.reasonCode !== undefined) {
              assert.ok(isValidReasonCode(p.type as ReasonCodePacket, p.reasonCode), `${p.type} ${p.reasonCode}`);
            }
          }
        });

        it('[v5 MQTT-2.2.2-1] writes a Property Length of 0 when there are no properties', () => {
          frames.forEach((f, i) => {
            const p = packets[i]!;
            if (p.type === 'suback' || p.type === 'unsuback') {
              // fixed header (2) + packet id (2) + property length (1) + one code per filter
              assert.equal(f.length, 2 + 2 + 1 + (p.reasonCodes?.length ?? 0));
              assert.equal(f[4], 0);
            }
            if (p.type === 'puback' && p.reasonCode === 0 && !p.properties) assert.ok(f.length === 4 || f.length === 5 || f[5] === 0);
          });
        });

        it('[v5 MQTT-3.3.2-13] [v5 MQTT-3.3.2-14] [v5 MQTT-3.3.2-19] [v5 MQTT-3.3.2-8] forwards Response Topic and Content Type as UTF-8 strings without wildcards; no alias 0', () => {
          const published = packets.filter((p) => p.type === 'publish') as Array<Extract<Packet, { type: 'publish' }>>;
          const withProps = published.filter((p) => p.properties?.responseTopic !== undefined);
          assert.ok(withProps.length >= 3);
          for (const p of withProps) {
            assert.equal(p.properties!.responseTopic, 'reply/x');
            assert.equal(p.properties!.contentType, 'text/plain');
            assert.ok(!/[+#]/.test(p.properties!.responseTopic!));
          }
          assert.ok(published.some((p) => (p.properties?.topicAlias ?? 0) > 0));
          for (const p of published) assert.notEqual(p.properties?.topicAlias, 0);
        });
      }
    });
  }

  it('[v5 MQTT-3.4.2-2] [v5 MQTT-3.4.2-3] [v5 MQTT-3.5.2-2] [v5 MQTT-3.5.2-3] [v5 MQTT-3.14.2-3] [v5 MQTT-3.14.2-4] [v5 MQTT-3.2.2-20] leaves out Reason String and User Properties that would exceed the client\'s Maximum Packet Size', async () => {
    const diagnostics = { reasonString: 'r'.repeat(40), userProperties: [['k', 'v'.repeat(40)]] as Array<[string, string]> };
    const broker = makeBroker({ authMethods: ['m'] }, {
      authorizePublish: () => ({ reasonCode: 0x87, ...diagnostics }),
      authenticate: (c) => (c.clientId === 'refused' ? { reasonCode: 0x87, ...diagnostics } : true),
      authenticateEnhanced: (_c, step) => (step.reauthenticate ? { status: 'fail', ...diagnostics } : { status: 'success' }),
    });
    for (const maximumPacketSize of [1000, 24]) {
      const fits = maximumPacketSize > 100;
      const refused = TestClient.inMemory(broker);
      refused.send({ type: 'connect', protocolVersion: 5, clientId: 'refused', clean: true, keepalive: 0, properties: { maximumPacketSize } });
      const [connack] = await refused.expectClose({ allow: ['connack'] });
      assert.equal((connack as { properties?: { userProperties?: unknown } }).properties?.userProperties !== undefined, fits);
      const c = await connected(broker, { clientId: `c${maximumPacketSize}`, properties: { maximumPacketSize, authenticationMethod: 'm' } });
      c.publish('t', 'x', { qos: 1, packetId: 1 });
      c.publish('t', 'x', { qos: 2, packetId: 2 });
      for (const p of [await c.next('puback'), await c.next('pubrec')]) {
        assert.equal(p.reasonCode, 0x87);
        assert.equal(p.properties?.reasonString !== undefined, fits);
        assert.equal(p.properties?.userProperties !== undefined, fits);
      }
      c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'm' } });
      const [d] = await c.expectClose({ allow: ['disconnect'] });
      assert.equal((d as { reasonCode: number }).reasonCode, 0x87);
      assert.equal((d as { properties?: { reasonString?: string } }).properties?.reasonString !== undefined, fits);
      for (const f of [...refused.frames, ...c.frames]) assert.ok(f.length <= maximumPacketSize);
    }
  });

  it('[v5 MQTT-3.9.2-1] [v5 MQTT-3.9.2-2] [v5 MQTT-3.11.2-1] [v5 MQTT-3.11.2-2] [v5 MQTT-3.6.2-2] [v5 MQTT-3.6.2-3] [v5 MQTT-3.7.2-2] [v5 MQTT-3.7.2-3] [v5 MQTT-3.15.2-2] [v5 MQTT-3.15.2-3] SUBACK, UNSUBACK, PUBREL, PUBCOMP and AUTH stay within a small Maximum Packet Size', async () => {
    const broker = makeBroker({ authMethods: ['m'] }, { authenticateEnhanced: () => ({ status: 'success' }) });
    const c = await connected(broker, { clientId: 'small', properties: { maximumPacketSize: 24, authenticationMethod: 'm' } });
    await c.subscribe([{ topicFilter: 'q', qos: 2 }, { topicFilter: 'r', qos: 1 }]);
    c.publish('q', 'x', { qos: 2, packetId: 3 });
    const m = await c.next('publish');
    await c.next('pubrec');
    c.send({ type: 'pubrel', packetId: 3, reasonCode: 0 });
    await c.next('pubcomp');
    c.send({ type: 'pubrec', packetId: m.packetId!, reasonCode: 0 });
    await c.next('pubrel');
    c.send({ type: 'unsubscribe', packetId: 4, topicFilters: ['q', 'r', 'none'] });
    await c.next('unsuback');
    c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'm' } });
    await c.next('auth');
    for (const f of c.frames) assert.ok(f.length <= 24, `frame of ${f.length} bytes`);
  });
});
