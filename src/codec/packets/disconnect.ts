// DISCONNECT (MQTT 5.0 §3.14, 3.1.1 §3.14). Empty before MQTT 5; in MQTT 5 an optional reason code and
// optional properties (Remaining Length 0 means 0x00 Normal disconnection).
import { ProtocolError } from '../errors';
import { checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { isValidReasonCode, reasonCodeName } from '../reason-codes';
import type { DisconnectPacket, DisconnectProperties, ProtocolVersion } from '../types';
import { Writer } from '../writer';

export function decodeDisconnect(r: Reader): DisconnectPacket {
  const packet: DisconnectPacket = { type: 'disconnect' };
  if (r.v === 5) {
    packet.reasonCode = r.atEnd() ? 0 : checkCode(r.u8());
    if (!r.atEnd()) {
      const properties = decodeProperties(r, 'disconnect') as DisconnectProperties | undefined;
      if (properties !== undefined) packet.properties = properties;
    }
  }
  r.expectEnd('DISCONNECT');
  return packet;
}

function checkCode(code: number): number {
  if (!isValidReasonCode('disconnect', code)) {
    throw new ProtocolError(`${reasonCodeName(code)} is not a DISCONNECT reason code`, 'MQTT-3.14.2-1');
  }
  return code;
}

function remainingLength(p: DisconnectPacket, v: ProtocolVersion, propsLen: number): number {
  const code = p.reasonCode ?? 0;
  if (v !== 5) {
    refuseV5Only(v, code !== 0, 'DISCONNECT reason code');
    refuseV5Only(v, hasDefined(p.properties), 'DISCONNECT properties');
    return 0;
  }
  checkCode(code);
  const rl = propsLen > 0 ? 1 + propertiesBlockSize(propsLen) : code !== 0 ? 1 : 0;
  checkRemainingLength(rl);
  return rl;
}

export function disconnectSize(p: DisconnectPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, v === 5 ? propertiesLength(p.properties, 'disconnect', v) : 0);
}

export function encodeDisconnect(p: DisconnectPacket, v: ProtocolVersion): Buffer {
  const propsLen = v === 5 ? propertiesLength(p.properties, 'disconnect', v) : 0;
  const rl = remainingLength(p, v, propsLen);
  const w = new Writer(0xe0, rl);
  if (rl > 0) w.u8(p.reasonCode ?? 0);
  if (rl > 1) writeProperties(w, p.properties, 'disconnect', propsLen);
  return w.done();
}
