// PreparedPublish: one encoding shared by many deliveries that differ in QoS, RETAIN, DUP and Packet Id.
import assert from 'node:assert/strict';
import {
  MalformedPacketError, PreparedPublish, ProtocolError, decode, encode, type ProtocolVersion, type PublishPacket,
} from '../../src/codec/index';
import { assertMqttError } from './helpers';

const message: PublishPacket = {
  type: 'publish', topic: 'sensors/é/1', payload: Buffer.from('payload'), qos: 2, retain: true, dup: false, packetId: 99,
};

describe('codec PreparedPublish', () => {
  for (const v of [3, 4, 5] as ProtocolVersion[]) {
    it(`level ${v}: every delivery equals a fresh encode of the same packet`, () => {
      const props = v === 5 ? { properties: { contentType: 'text/plain', userProperties: [['k', 'v']] as Array<[string, string]> } } : {};
      const source = { ...message, ...props };
      const prepared = new PreparedPublish(source, v);
      for (const qos of [0, 1, 2] as const) {
        for (const retain of [false, true]) {
          for (const dup of qos === 0 ? [false] : [false, true]) {
            const packetId = qos === 0 ? undefined : 1 + qos * 1000;
            const expected: PublishPacket = { ...source, qos, retain, dup, packetId };
            if (packetId === undefined) delete expected.packetId;
            const frame = prepared.frame({ qos, retain, dup, packetId });
            assert.deepStrictEqual(frame, encode(expected, v), `qos ${qos} retain ${retain} dup ${dup}`);
            assert.equal(prepared.sizeFor(qos), frame.length);
            assert.deepStrictEqual(decode(frame, v), expected);
          }
        }
      }
    });
  }

  it('shares QoS 0 frames and copies QoS 1/2 frames', () => {
    const prepared = new PreparedPublish(message, 4);
    assert.equal(prepared.frame({ qos: 0, retain: false }), prepared.frame({ qos: 0, retain: false }));
    assert.equal(prepared.frame({ qos: 0, retain: true }), prepared.frame({ qos: 0, retain: true }));
    const a = prepared.frame({ qos: 1, retain: false, packetId: 1 });
    const b = prepared.frame({ qos: 1, retain: false, packetId: 2 });
    assert.notEqual(a, b);
    assert.equal((decode(a, 4) as PublishPacket).packetId, 1);
  });

  it('[v5 MQTT-3.3.1-2] [3.1.1 MQTT-3.3.1-2] [v5 MQTT-2.2.1-4] [3.1.1 MQTT-2.3.1-1] refuses DUP on QoS 0 and a missing or zero Packet Identifier', () => {
    const prepared = new PreparedPublish(message, 5);
    assertMqttError(() => prepared.frame({ qos: 0, retain: false, dup: true }), { cls: MalformedPacketError, code: 0x81, statement: 'MQTT-3.3.1-2' });
    assertMqttError(() => prepared.frame({ qos: 1, retain: false }), { cls: ProtocolError, code: 0x82, statement: 'MQTT-2.2.1-4' });
    assertMqttError(() => prepared.frame({ qos: 2, retain: false, packetId: 0 }), { cls: ProtocolError, code: 0x82, statement: 'MQTT-2.2.1-4' });
  });

  it('validates the message when prepared', () => {
    assertMqttError(() => new PreparedPublish({ ...message, topic: 'a/#' }, 4), { cls: ProtocolError, code: 0x82, statement: 'MQTT-3.3.2-2' });
  });
});
