// PUBREC (MQTT 5.0 and 3.1.1 §3.5). Layout shared with the other publish acknowledgements: see ack.ts.
import type { Reader } from '../reader';
import type { PubrecPacket, ProtocolVersion } from '../types';
import { ackSize, decodeAck, encodeAck, type AckSpec } from './ack';

const SPEC: AckSpec<'pubrec'> = { type: 'pubrec', firstByte: 0x50, reasonStatement: 'MQTT-3.5.2-1' };

export function decodePubrec(r: Reader): PubrecPacket {
  return decodeAck(r, SPEC);
}

export function pubrecSize(p: PubrecPacket, v: ProtocolVersion): number {
  return ackSize(p, v, SPEC);
}

export function encodePubrec(p: PubrecPacket, v: ProtocolVersion): Buffer {
  return encodeAck(p, v, SPEC);
}
