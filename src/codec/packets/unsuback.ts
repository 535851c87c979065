// UNSUBACK (MQTT 5.0 §3.11, 3.1.1 §3.11): Packet Identifier only in 3.1/3.1.1; in MQTT 5 also properties
// and one reason code per Topic Filter of the UNSUBSCRIBE.
import { ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode, reasonCodeName } from '../reason-codes';
import type { AckProperties, ProtocolVersion, UnsubackPacket } from '../types';
import { Writer } from '../writer';

const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-6', 'MQTT-2.3.1-7'];

export function decodeUnsuback(r: Reader): UnsubackPacket {
  const packetId = r.packetId(...ID_STATEMENTS);
  const packet: UnsubackPacket = { type: 'unsuback', packetId };
  if (r.v === 5) {
    const properties = decodeProperties(r, 'unsuback') as AckProperties | undefined;
    const reasonCodes: number[] = [];
    while (!r.atEnd()) reasonCodes.push(checkCode(r.u8()));
    checkCount(reasonCodes);
    packet.reasonCodes = reasonCodes;
    if (properties !== undefined) packet.properties = properties;
  }
  r.expectEnd('UNSUBACK');
  return packet;
}

function checkCode(code: number): number {
  if (!isValidReasonCode('unsuback', code)) {
    throw new ProtocolError(`${reasonCodeName(code)} is not an UNSUBACK reason code`, 'MQTT-3.11.3-2');
  }
  return code;
}

function checkCount(codes: number[]): void {
  if (codes.length === 0) throw new ProtocolError('UNSUBACK without reason codes (§3.11.3)', 'MQTT-3.11.3-2');
}

function unsubackPropertiesLength(p: UnsubackPacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'unsuback', v);
  refuseV5Only(v, hasDefined(p.properties), 'UNSUBACK properties');
  return 0;
}

function remainingLength(p: UnsubackPacket, v: ProtocolVersion, propsLen: number): number {
  checkPacketId(p.packetId, v, 'UNSUBACK', ID_STATEMENTS);
  if (v !== 5) {
    refuseV5Only(v, (p.reasonCodes?.length ?? 0) > 0, 'UNSUBACK reason codes');
    return 2;
  }
  const codes = p.reasonCodes ?? [];
  checkCount(codes);
  for (const code of codes) checkCode(code);
  const rl = 2 + propertiesBlockSize(propsLen) + codes.length;
  checkRemainingLength(rl);
  return rl;
}

export function unsubackSize(p: UnsubackPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, unsubackPropertiesLength(p, v));
}

export function encodeUnsuback(p: UnsubackPacket, v: ProtocolVersion): Buffer {
  const propsLen = unsubackPropertiesLength(p, v);
  const w = new Writer(0xb0, remainingLength(p, v, propsLen));
  w.u16(p.packetId);
  if (v === 5) {
    writeProperties(w, p.properties, 'unsuback', propsLen);
    for (const code of p.reasonCodes!) w.u8(code);
  }
  return w.done();
}
