// PINGRESP (MQTT 5.0 and 3.1.1 §3.13): a fixed header and nothing else.
import type { Reader } from '../reader';
import type { PingrespPacket } from '../types';

export function decodePingresp(r: Reader): PingrespPacket {
  r.expectEnd('PINGRESP');
  return { type: 'pingresp' };
}

export function pingrespSize(): number {
  return 0;
}

export function encodePingresp(): Buffer {
  const buf = Buffer.allocUnsafe(2);
  buf[0] = 0xd0;
  buf[1] = 0;
  return buf;
}
