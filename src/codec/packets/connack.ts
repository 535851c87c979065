// CONNACK (MQTT 5.0 §3.2, 3.1.1 §3.2): Connect Acknowledge Flags, a reason code (v5) or return code
// (3.1/3.1.1), and in v5 properties.
import { MalformedPacketError, ProtocolError } from '../errors';
import { checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode, reasonCodeName } from '../reason-codes';
import { sid } from '../spec';
import type { ConnackPacket, ConnackProperties, ProtocolVersion } from '../types';
import { Writer } from '../writer';

export function decodeConnack(r: Reader): ConnackPacket {
  const flags = r.u8('the Connect Acknowledge Flags');
  if (flags & 0xfe) {
    throw new MalformedPacketError('CONNACK reserved flag bits 7-1 set', sid(r.v, 'MQTT-3.2.2-1', undefined));
  }
  const packet: ConnackPacket = { type: 'connack', sessionPresent: flags === 1, reasonCode: r.u8('the reason code') };
  checkCode(packet, r.v);
  if (r.v === 5) {
    const properties = decodeProperties(r, 'connack') as ConnackProperties | undefined;
    if (properties !== undefined) packet.properties = properties;
  }
  r.expectEnd('CONNACK');
  return packet;
}

function checkCode(p: ConnackPacket, v: ProtocolVersion): void {
  const code = p.reasonCode;
  if (v === 5 ? !isValidReasonCode('connack', code) : !(code >= 0 && code <= 5)) {
    throw new ProtocolError(
      `${String(code)} is not a CONNACK ${v === 5 ? 'reason' : 'return'} code`,
      sid(v, 'MQTT-3.2.2-8', undefined),
    );
  }
  if (p.sessionPresent && code !== 0) {
    throw new ProtocolError(
      `Session Present with ${reasonCodeName(code, 'connack', v)}`,
      sid(v, 'MQTT-3.2.2-6', 'MQTT-3.2.2-4'),
    );
  }
}

function connackPropertiesLength(p: ConnackPacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'connack', v);
  refuseV5Only(v, hasDefined(p.properties), 'CONNACK properties');
  return 0;
}

function remainingLength(p: ConnackPacket, v: ProtocolVersion, propsLen: number): number {
  if (!Number.isInteger(p.reasonCode)) throw new ProtocolError(`CONNACK code ${String(p.reasonCode)}`);
  checkCode(p, v);
  const rl = v === 5 ? 2 + propertiesBlockSize(propsLen) : 2;
  checkRemainingLength(rl);
  return rl;
}

export function connackSize(p: ConnackPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, connackPropertiesLength(p, v));
}

export function encodeConnack(p: ConnackPacket, v: ProtocolVersion): Buffer {
  const propsLen = connackPropertiesLength(p, v);
  const w = new Writer(0x20, remainingLength(p, v, propsLen));
  w.u8(p.sessionPresent ? 1 : 0);
  w.u8(p.reasonCode);
  if (v === 5) writeProperties(w, p.properties, 'connack', propsLen);
  return w.done();
}
