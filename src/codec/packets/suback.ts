// SUBACK (MQTT 5.0 §3.9, 3.1.1 §3.9): Packet Identifier, v5 properties, one reason code (v5) or return
// code (3.1.1) per requested subscription, in the order of the SUBSCRIBE's filters.
import { ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode } from '../reason-codes';
import { sid } from '../spec';
import type { AckProperties, ProtocolVersion, SubackPacket } from '../types';
import { Writer } from '../writer';

const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-6', 'MQTT-2.3.1-7'];

export function decodeSuback(r: Reader): SubackPacket {
  const packetId = r.packetId(...ID_STATEMENTS);
  const properties = r.v === 5 ? (decodeProperties(r, 'suback') as AckProperties | undefined) : undefined;
  const reasonCodes: number[] = [];
  while (!r.atEnd()) reasonCodes.push(checkCode(r.u8(), r.v));
  checkCount(reasonCodes, r.v);
  const packet: SubackPacket = { type: 'suback', packetId, reasonCodes };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function checkCode(code: number, v: ProtocolVersion): number {
  const ok = v === 5 ? isValidReasonCode('suback', code) : code <= 2 || code === 0x80;
  if (!ok) throw new ProtocolError(`${String(code)} is not a SUBACK code`, sid(v, 'MQTT-3.9.3-2', 'MQTT-3.9.3-2'));
  return code;
}

/** One code per requested subscription, and SUBSCRIBE has at least one. */
function checkCount(codes: number[], v: ProtocolVersion): void {
  if (codes.length === 0) throw new ProtocolError('SUBACK without reason codes', sid(v, 'MQTT-3.8.4-6', 'MQTT-3.8.4-5'));
}

function subackPropertiesLength(p: SubackPacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'suback', v);
  refuseV5Only(v, hasDefined(p.properties), 'SUBACK properties');
  return 0;
}

function remainingLength(p: SubackPacket, v: ProtocolVersion, propsLen: number): number {
  checkPacketId(p.packetId, v, 'SUBACK', ID_STATEMENTS);
  checkCount(p.reasonCodes, v);
  for (const code of p.reasonCodes) checkCode(code, v);
  const rl = 2 + (v === 5 ? propertiesBlockSize(propsLen) : 0) + p.reasonCodes.length;
  checkRemainingLength(rl);
  return rl;
}

export function subackSize(p: SubackPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, subackPropertiesLength(p, v));
}

export function encodeSuback(p: SubackPacket, v: ProtocolVersion): Buffer {
  const propsLen = subackPropertiesLength(p, v);
  const w = new Writer(0x90, remainingLength(p, v, propsLen));
  w.u16(p.packetId);
  if (v === 5) writeProperties(w, p.properties, 'suback', propsLen);
  for (const code of p.reasonCodes) w.u8(code);
  return w.done();
}
