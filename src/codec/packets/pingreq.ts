// PINGREQ (MQTT 5.0 and 3.1.1 §3.12): a fixed header and nothing else.
import type { Reader } from '../reader';
import type { PingreqPacket } from '../types';

export function decodePingreq(r: Reader): PingreqPacket {
  r.expectEnd('PINGREQ');
  return { type: 'pingreq' };
}

export function pingreqSize(): number {
  return 0;
}

export function encodePingreq(): Buffer {
  const buf = Buffer.allocUnsafe(2);
  buf[0] = 0xc0;
  buf[1] = 0;
  return buf;
}
