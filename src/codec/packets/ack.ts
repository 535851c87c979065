// The shape shared by PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 5.0 §3.4-3.7, 3.1.1 §3.4-3.7): Packet
// Identifier, then in MQTT 5 an optional Reason Code and optional properties. Each packet's own module
// supplies what differs (type, first byte, the statement about its reason codes).
import { ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode, reasonCodeName } from '../reason-codes';
import type {
  AckProperties, PacketOf, ProtocolVersion, PubackPacket, PubcompPacket, PubrecPacket, PubrelPacket,
} from '../types';
import { Writer } from '../writer';

export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
type AckPacket = PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket;

export interface AckSpec<T extends AckType> {
  readonly type: T;
  readonly firstByte: number;
  /** v5 statement requiring a defined reason code for this packet. */
  readonly reasonStatement: string;
}

// The acknowledgement echoes the PUBLISH's Packet Identifier, which is never 0.
const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-5', 'MQTT-2.3.1-6'];

export function decodeAck<T extends AckType>(r: Reader, spec: AckSpec<T>): PacketOf<T> {
  const packetId = r.packetId(...ID_STATEMENTS);
  const packet = { type: spec.type, packetId, reasonCode: 0 } as AckPacket;
  if (r.v === 5 && !r.atEnd()) {
    packet.reasonCode = checkCode(spec, r.u8());
    // Below 4 bytes of Remaining Length there is no Property Length (§3.4.2.2).
    if (!r.atEnd()) {
      const properties = decodeProperties(r, spec.type) as AckProperties | undefined;
      if (properties !== undefined) packet.properties = properties;
    }
  }
  r.expectEnd(spec.type.toUpperCase());
  return packet as PacketOf<T>;
}

function checkCode(spec: AckSpec<AckType>, code: number): number {
  if (!isValidReasonCode(spec.type, code)) {
    throw new ProtocolError(`${reasonCodeName(code)} is not a ${spec.type.toUpperCase()} reason code`, spec.reasonStatement);
  }
  return code;
}

/** Remaining Length: the shortest form that carries the reason code and properties. */
function remainingLength(p: AckPacket, v: ProtocolVersion, spec: AckSpec<AckType>, propsLen: number): number {
  checkPacketId(p.packetId, v, spec.type.toUpperCase(), ID_STATEMENTS);
  const code = p.reasonCode ?? 0;
  if (v !== 5) {
    refuseV5Only(v, code !== 0, `${spec.type.toUpperCase()} reason code`);
    refuseV5Only(v, hasDefined(p.properties), `${spec.type.toUpperCase()} properties`);
    return 2;
  }
  checkCode(spec, code);
  const rl = propsLen > 0 ? 3 + propertiesBlockSize(propsLen) : code !== 0 ? 3 : 2;
  checkRemainingLength(rl);
  return rl;
}

function ackPropertiesLength(p: AckPacket, v: ProtocolVersion, spec: AckSpec<AckType>): number {
  return v === 5 ? propertiesLength(p.properties, spec.type, v) : 0;
}

export function ackSize(p: AckPacket, v: ProtocolVersion, spec: AckSpec<AckType>): number {
  return remainingLength(p, v, spec, ackPropertiesLength(p, v, spec));
}

export function encodeAck(p: AckPacket, v: ProtocolVersion, spec: AckSpec<AckType>): Buffer {
  const propsLen = ackPropertiesLength(p, v, spec);
  const rl = remainingLength(p, v, spec, propsLen);
  const w = new Writer(spec.firstByte, rl);
  w.u16(p.packetId);
  if (rl > 2) w.u8(p.reasonCode ?? 0);
  if (rl > 3) writeProperties(w, p.properties, spec.type, propsLen);
  return w.done();
}
