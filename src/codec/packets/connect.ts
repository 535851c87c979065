// CONNECT (MQTT 5.0 §3.1, 3.1.1 §3.1, 3.1 "MQIsdp"). The one packet whose protocol version comes from its
// own bytes: decodeConnect() reads the Protocol Name and Level first and refuses an unsupported pair with
// UnsupportedProtocolVersionError (so a broker can answer CONNACK 0x84 / return code 1) before it looks
// at anything else, because the rest of the layout depends on the level.
import { MalformedPacketError, ProtocolError, UnsupportedProtocolVersionError } from '../errors';
import { checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { binarySize, decodeProperties, propertiesBlockSize, propertiesLength, stringSize, writeProperties } from '../properties';
import { Reader } from '../reader';
import { sid } from '../spec';
import type { ConnectPacket, ConnectProperties, ProtocolVersion, QoS, Will, WillProperties } from '../types';
import { Writer } from '../writer';

const enum Flag {
  Reserved = 0x01, Clean = 0x02, Will = 0x04, WillQoS = 0x18, WillRetain = 0x20, Password = 0x40, UserName = 0x80,
}

const PROTOCOL_NAMES: Record<ProtocolVersion, string> = { 3: 'MQIsdp', 4: 'MQTT', 5: 'MQTT' };

/** Reads Protocol Name and Level and returns the version they name, or throws. */
function readVersion(r: Reader): ProtocolVersion {
  const name = r.utf8('the Protocol Name');
  const level = r.u8('the Protocol Level');
  if (name !== 'MQTT' && name !== 'MQIsdp') throw new UnsupportedProtocolVersionError(name, level, 'MQTT-3.1.2-1');
  if ((level === 4 || level === 5 || level === 3) && PROTOCOL_NAMES[level] === name) return level;
  throw new UnsupportedProtocolVersionError(name, level, 'MQTT-3.1.2-2');
}

/** Decodes a CONNECT; the reader's version is ignored in favour of the Protocol Level in the packet. */
export function decodeConnect(outer: Reader): ConnectPacket {
  const v = readVersion(outer);
  const r = new Reader(outer.buf, outer.pos, outer.end, v);
  const flags = r.u8('the Connect Flags');
  checkFlags(flags, v);
  const keepalive = r.u16('the Keep Alive');
  const properties = v === 5 ? (decodeProperties(r, 'connect') as ConnectProperties | undefined) : undefined;
  const packet: ConnectPacket = {
    type: 'connect', protocolVersion: v, clientId: r.utf8('the Client Identifier'),
    clean: (flags & Flag.Clean) !== 0, keepalive,
  };
  if (flags & Flag.Will) packet.will = decodeWill(r, flags);
  if (flags & Flag.UserName) packet.username = r.utf8('the User Name');
  if (flags & Flag.Password) packet.password = r.binary('the Password');
  if (properties !== undefined) packet.properties = properties;
  r.expectEnd('CONNECT');
  return packet;
}

function checkFlags(flags: number, v: ProtocolVersion): void {
  if (flags & Flag.Reserved) throw new MalformedPacketError('CONNECT reserved flag is 1', 'MQTT-3.1.2-3');
  const willQoS = (flags & Flag.WillQoS) >> 3;
  if (flags & Flag.Will) {
    if (willQoS === 3) throw new MalformedPacketError('Will QoS 3', sid(v, 'MQTT-3.1.2-12', 'MQTT-3.1.2-14'));
  } else {
    if (willQoS !== 0) throw new MalformedPacketError('Will QoS set without a Will', sid(v, 'MQTT-3.1.2-11', 'MQTT-3.1.2-13'));
    if (flags & Flag.WillRetain) {
      throw new MalformedPacketError('Will Retain set without a Will', sid(v, 'MQTT-3.1.2-13', 'MQTT-3.1.2-15'));
    }
  }
  if (v !== 5 && flags & Flag.Password && !(flags & Flag.UserName)) {
    throw new MalformedPacketError('Password Flag set without the User Name Flag', 'MQTT-3.1.2-22');
  }
}

function decodeWill(r: Reader, flags: number): Will {
  const properties = r.v === 5 ? (decodeProperties(r, 'will') as WillProperties | undefined) : undefined;
  const will: Will = {
    topic: r.utf8('the Will Topic'), payload: r.binary('the Will Payload'),
    qos: ((flags & Flag.WillQoS) >> 3) as QoS, retain: (flags & Flag.WillRetain) !== 0,
  };
  if (properties !== undefined) will.properties = properties;
  return will;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

interface PropertyLengths {
  connect: number;
  will: number;
}

function lengths(p: ConnectPacket, v: ProtocolVersion): PropertyLengths {
  if (v !== 5) {
    refuseV5Only(v, hasDefined(p.properties), 'CONNECT properties');
    refuseV5Only(v, hasDefined(p.will?.properties), 'Will Properties');
    return { connect: 0, will: 0 };
  }
  return {
    connect: propertiesLength(p.properties, 'connect', v),
    will: p.will ? propertiesLength(p.will.properties, 'will', v) : 0,
  };
}

function remainingLength(p: ConnectPacket, v: ProtocolVersion, props: PropertyLengths): number {
  checkFields(p, v);
  let rl = stringSize(PROTOCOL_NAMES[v], v) + 1 + 1 + 2 + stringSize(p.clientId, v);
  if (v === 5) rl += propertiesBlockSize(props.connect);
  if (p.will) {
    rl += stringSize(p.will.topic, v) + binarySize(p.will.payload);
    if (v === 5) rl += propertiesBlockSize(props.will);
  }
  if (p.username !== undefined) rl += stringSize(p.username, v);
  if (p.password !== undefined) rl += binarySize(p.password);
  checkRemainingLength(rl);
  return rl;
}

function checkFields(p: ConnectPacket, v: ProtocolVersion): void {
  if (p.protocolVersion !== v) {
    throw new ProtocolError(`CONNECT for protocol level ${String(p.protocolVersion)} encoded as level ${v}`);
  }
  if (!Number.isInteger(p.keepalive) || p.keepalive < 0 || p.keepalive > 0xffff) {
    throw new ProtocolError(`Keep Alive ${String(p.keepalive)} is not a two byte integer`);
  }
  if (typeof p.clientId !== 'string') throw new ProtocolError('CONNECT without a Client Identifier string', sid(v, 'MQTT-3.1.3-3', 'MQTT-3.1.3-3'));
  if (v === 3 && p.clientId.length === 0) throw new ProtocolError('MQTT 3.1 needs a non-empty Client Identifier');
  if (v === 4 && p.clientId.length === 0 && !p.clean) {
    throw new ProtocolError('empty Client Identifier with Clean Session 0', 'MQTT-3.1.3-7');
  }
  const q = p.will?.qos;
  if (q !== undefined && q !== 0 && q !== 1 && q !== 2) {
    throw new MalformedPacketError(`Will QoS ${String(q)}`, sid(v, 'MQTT-3.1.2-12', 'MQTT-3.1.2-14'));
  }
  if (v !== 5 && p.password !== undefined && p.username === undefined) {
    throw new MalformedPacketError('Password without a User Name', 'MQTT-3.1.2-22');
  }
}

function connectFlags(p: ConnectPacket): number {
  let flags = p.clean ? Flag.Clean : 0;
  if (p.will) flags |= Flag.Will | (p.will.qos << 3) | (p.will.retain ? Flag.WillRetain : 0);
  if (p.username !== undefined) flags |= Flag.UserName;
  if (p.password !== undefined) flags |= Flag.Password;
  return flags;
}

export function connectSize(p: ConnectPacket, v: ProtocolVersion): number {
  return remainingLength(p, v, lengths(p, v));
}

export function encodeConnect(p: ConnectPacket, v: ProtocolVersion): Buffer {
  const props = lengths(p, v);
  const w = new Writer(0x10, remainingLength(p, v, props));
  w.utf8(PROTOCOL_NAMES[v]);
  w.u8(v);
  w.u8(connectFlags(p));
  w.u16(p.keepalive);
  if (v === 5) writeProperties(w, p.properties, 'connect', props.connect);
  w.utf8(p.clientId);
  if (p.will) {
    if (v === 5) writeProperties(w, p.will.properties, 'will', props.will);
    w.utf8(p.will.topic);
    w.binary(p.will.payload);
  }
  if (p.username !== undefined) w.utf8(p.username);
  if (p.password !== undefined) w.binary(p.password);
  return w.done();
}
