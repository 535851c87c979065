// AUTH (MQTT 5.0 §3.15; no such packet before 5, where type 15 is reserved). Reason code and properties,
// both omitted for 0x00 Success without properties. §3.15.2.2.2 calls a missing Authentication Method a
// Protocol Error, yet allows the abbreviated 0x00 form that has none: the codec requires the method for
// 0x18 (Continue authentication) and 0x19 (Re-authenticate), which only exist inside an exchange.
import { ProtocolError } from '../errors';
import { checkRemainingLength } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode, reasonCodeName } from '../reason-codes';
import type { AuthPacket, AuthProperties, ProtocolVersion } from '../types';
import { Writer } from '../writer';

export function decodeAuth(r: Reader): AuthPacket {
  if (r.atEnd()) return { type: 'auth', reasonCode: 0 };
  const packet: AuthPacket = { type: 'auth', reasonCode: checkCode(r.u8()) };
  const properties = r.atEnd() ? undefined : (decodeProperties(r, 'auth') as AuthProperties | undefined);
  r.expectEnd('AUTH');
  checkMethod(packet.reasonCode, properties);
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function checkCode(code: number): number {
  if (!isValidReasonCode('auth', code)) {
    throw new ProtocolError(`${reasonCodeName(code)} is not an AUTH reason code`, 'MQTT-3.15.2-1');
  }
  return code;
}

function checkMethod(code: number, properties: AuthProperties | undefined): void {
  if (code !== 0 && properties?.authenticationMethod === undefined) {
    throw new ProtocolError('AUTH without an Authentication Method (§3.15.2.2.2)');
  }
}

function remainingLength(p: AuthPacket, v: ProtocolVersion, propsLen: number): number {
  if (v !== 5) throw new ProtocolError(`AUTH needs MQTT 5; cannot encode it for protocol level ${v}`);
  const code = p.reasonCode ?? 0;
  checkCode(code);
  checkMethod(code, p.properties);
  if (code === 0 && propsLen === 0) return 0;
  const rl = 1 + propertiesBlockSize(propsLen);
  checkRemainingLength(rl);
  return rl;
}

export function authSize(p: AuthPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, v === 5 ? propertiesLength(p.properties, 'auth', v) : 0);
}

export function encodeAuth(p: AuthPacket, v: ProtocolVersion): Buffer {
  const propsLen = v === 5 ? propertiesLength(p.properties, 'auth', v) : 0;
  const rl = remainingLength(p, v, propsLen);
  const w = new Writer(0xf0, rl);
  if (rl > 0) {
    w.u8(p.reasonCode ?? 0);
    writeProperties(w, p.properties, 'auth', propsLen);
  }
  return w.done();
}
