// PUBCOMP (MQTT 5.0 and 3.1.1 §3.7). Layout shared with the other publish acknowledgements: see ack.ts.
import type { Reader } from '../reader';
import type { PubcompPacket, ProtocolVersion } from '../types';
import { ackSize, decodeAck, encodeAck, type AckSpec } from './ack';

const SPEC: AckSpec<'pubcomp'> = { type: 'pubcomp', firstByte: 0x70, reasonStatement: 'MQTT-3.7.2-1' };

export function decodePubcomp(r: Reader): PubcompPacket {
  return decodeAck(r, SPEC);
}

export function pubcompSize(p: PubcompPacket, v: ProtocolVersion): number {
  return ackSize(p, v, SPEC);
}

export function encodePubcomp(p: PubcompPacket, v: ProtocolVersion): Buffer {
  return encodeAck(p, v, SPEC);
}
