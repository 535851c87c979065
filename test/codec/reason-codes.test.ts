// Reason code table: names for logs, the packets each code may appear in, 3.1.1 return codes.
import assert from 'node:assert/strict';
import {
  ConnectReturnCode, REASON_CODES, ReasonCode, connectReturnCodeFor, decode, encode, isValidReasonCode, reasonCodeName,
  type Packet, type ReasonCodePacket,
} from '../../src/codec/index';

const PACKETS: ReasonCodePacket[] = ['connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'disconnect', 'auth'];

/** A v5 packet of this type carrying `code`, as the codec builds it. */
function withCode(packet: ReasonCodePacket, code: number): Packet {
  switch (packet) {
    case 'connack': return { type: 'connack', sessionPresent: false, reasonCode: code };
    case 'suback': return { type: 'suback', packetId: 1, reasonCodes: [code] };
    case 'unsuback': return { type: 'unsuback', packetId: 1, reasonCodes: [code] };
    case 'disconnect': return { type: 'disconnect', reasonCode: code };
    case 'auth': return { type: 'auth', reasonCode: code, properties: { authenticationMethod: 'm' } };
    default: return { type: packet, packetId: 1, reasonCode: code };
  }
}

describe('codec reason codes', () => {
  it('names codes for logs and status text', () => {
    assert.equal(reasonCodeName(0x87), 'Not authorized');
    assert.equal(reasonCodeName(0x00), 'Success');
    assert.equal(reasonCodeName(0x00, 'disconnect'), 'Normal disconnection');
    assert.equal(reasonCodeName(0x00, 'suback'), 'Granted QoS 0');
    assert.equal(reasonCodeName(0x95), 'Packet too large');
    assert.equal(reasonCodeName(0x05, 'connack', 4), 'Not authorized');
    assert.equal(reasonCodeName(0x01, 'connack', 3), 'Unacceptable protocol version');
    assert.equal(reasonCodeName(0x80, 'suback', 4), 'Failure');
    assert.equal(reasonCodeName(0x03), 'Reason code 0x03');
    assert.equal(ReasonCode.NotAuthorized, 0x87);
    assert.equal(ConnectReturnCode.BadUserNameOrPassword, 4);
  });

  it('lists the 43 codes of MQTT 5.0 Table 2-6 with the packets that use them', () => {
    assert.equal(new Set(REASON_CODES.map((d) => d.code)).size, 43);
    assert.equal(isValidReasonCode('connack', 0x84), true);
    assert.equal(isValidReasonCode('disconnect', 0x84), false);
    assert.equal(isValidReasonCode('pubrel', 0x92), true);
    assert.equal(isValidReasonCode('puback', 0x92), false);
    assert.equal(isValidReasonCode('auth', 0x19), true);
  });

  it('every ReasonCode constant names a code of the table', () => {
    for (const code of Object.values(ReasonCode)) assert.ok(REASON_CODES.some((d) => d.code === code), String(code));
  });

  it('[v5 MQTT-3.2.2-8] [v5 MQTT-3.4.2-1] [v5 MQTT-3.5.2-1] [v5 MQTT-3.6.2-1] [v5 MQTT-3.7.2-1] [v5 MQTT-3.9.3-2] [v5 MQTT-3.11.3-2] [v5 MQTT-3.14.2-1] [v5 MQTT-3.15.2-1] the codec sends and accepts exactly the defined codes of each packet', () => {
    for (const packet of PACKETS) {
      for (let code = 0; code < 256; code++) {
        const p = withCode(packet, code);
        if (isValidReasonCode(packet, code)) assert.deepStrictEqual(decode(encode(p, 5), 5), p, `${packet} 0x${code.toString(16)}`);
        else assert.throws(() => encode(p, 5), `${packet} 0x${code.toString(16)} encoded`);
      }
    }
  });

  it('maps MQTT 5 CONNACK reason codes to 3.1.1 return codes for brokers serving both', () => {
    assert.equal(connectReturnCodeFor(0x00), 0);
    assert.equal(connectReturnCodeFor(0x84), 1);
    assert.equal(connectReturnCodeFor(0x85), 2);
    assert.equal(connectReturnCodeFor(0x88), 3);
    assert.equal(connectReturnCodeFor(0x86), 4);
    assert.equal(connectReturnCodeFor(0x87), 5);
  });
});
