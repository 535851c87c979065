// PUBACK (MQTT 5.0 and 3.1.1 §3.4). Layout shared with the other publish acknowledgements: see ack.ts.
import type { Reader } from '../reader';
import type { PubackPacket, ProtocolVersion } from '../types';
import { ackSize, decodeAck, encodeAck, type AckSpec } from './ack';

const SPEC: AckSpec<'puback'> = { type: 'puback', firstByte: 0x40, reasonStatement: 'MQTT-3.4.2-1' };

export function decodePuback(r: Reader): PubackPacket {
  return decodeAck(r, SPEC);
}

export function pubackSize(p: PubackPacket, v: ProtocolVersion): number {
  return ackSize(p, v, SPEC);
}

export function encodePuback(p: PubackPacket, v: ProtocolVersion): Buffer {
  return encodeAck(p, v, SPEC);
}
