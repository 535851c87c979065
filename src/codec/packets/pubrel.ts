// PUBREL (MQTT 5.0 and 3.1.1 §3.6; its fixed header flags are 0010 [MQTT-3.6.1-1], checked with the other
// reserved flags in fixed-header.ts). Layout shared with the other publish acknowledgements: see ack.ts.
import type { Reader } from '../reader';
import type { PubrelPacket, ProtocolVersion } from '../types';
import { ackSize, decodeAck, encodeAck, type AckSpec } from './ack';

const SPEC: AckSpec<'pubrel'> = { type: 'pubrel', firstByte: 0x62, reasonStatement: 'MQTT-3.6.2-1' };

export function decodePubrel(r: Reader): PubrelPacket {
  return decodeAck(r, SPEC);
}

export function pubrelSize(p: PubrelPacket, v: ProtocolVersion): number {
  return ackSize(p, v, SPEC);
}

export function encodePubrel(p: PubrelPacket, v: ProtocolVersion): Buffer {
  return encodeAck(p, v, SPEC);
}
