// decode(frame, version): one complete frame (as the framer yields it) to a typed packet.
import { MalformedPacketError, ProtocolError } from './errors';
import { checkFirstByte } from './fixed-header';
import { decodeAuth } from './packets/auth';
import { decodeConnack } from './packets/connack';
import { decodeConnect as decodeConnectBody } from './packets/connect';
import { decodeDisconnect } from './packets/disconnect';
import { decodePingreq } from './packets/pingreq';
import { decodePingresp } from './packets/pingresp';
import { decodePuback } from './packets/puback';
import { decodePubcomp } from './packets/pubcomp';
import { decodePublish } from './packets/publish';
import { decodePubrec } from './packets/pubrec';
import { decodePubrel } from './packets/pubrel';
import { decodeSuback } from './packets/suback';
import { decodeSubscribe } from './packets/subscribe';
import { decodeUnsuback } from './packets/unsuback';
import { decodeUnsubscribe } from './packets/unsubscribe';
import { Reader } from './reader';
import type { ConnectPacket, Packet, ProtocolVersion } from './types';
import { readVarint, varintSize } from './varint';

/** Checks the fixed header against the frame's length and returns a reader over the rest. */
function open(frame: Buffer, v: ProtocolVersion): Reader {
  if (frame.length < 2) throw new MalformedPacketError('frame shorter than a fixed header');
  checkFirstByte(frame[0], v);
  const rl = readVarint(frame, 1, frame.length);
  if (rl < 0) throw new MalformedPacketError('frame ends inside the Remaining Length');
  const start = 1 + varintSize(rl);
  if (start + rl !== frame.length) {
    throw new MalformedPacketError(`Remaining Length ${rl} but ${frame.length - start} bytes follow (§2.1.4)`);
  }
  return new Reader(frame, start, frame.length, v);
}

/**
 * Decodes one complete packet. `version` is the connection's negotiated protocol level. A CONNECT is read
 * with the level written in it instead (use decodeConnect() when the version is not known yet).
 * Throws an MqttError subclass for anything the codec refuses; see docs/codec.md for the list.
 */
export function decode(frame: Buffer, version: ProtocolVersion): Packet {
  const r = open(frame, version);
  const flags = frame[0] & 0x0f;
  switch (frame[0] >> 4) {
    case 1: return decodeConnectBody(r);
    case 2: return decodeConnack(r);
    case 3: return decodePublish(r, flags);
    case 4: return decodePuback(r);
    case 5: return decodePubrec(r);
    case 6: return decodePubrel(r);
    case 7: return decodePubcomp(r);
    case 8: return decodeSubscribe(r);
    case 9: return decodeSuback(r);
    case 10: return decodeUnsubscribe(r);
    case 11: return decodeUnsuback(r);
    case 12: return decodePingreq(r);
    case 13: return decodePingresp(r);
    case 14: return decodeDisconnect(r);
    default: return decodeAuth(r); // 15; 0 was refused by checkFirstByte
  }
}

/**
 * Decodes the first packet of a connection on the server side, where the version is not known yet: it
 * must be a CONNECT [MQTT-3.1.0-1], whose Protocol Name and Level decide the version. Throws
 * UnsupportedProtocolVersionError (reasonCode 0x84, with replyVersion/replyCode for the CONNACK) for a
 * protocol it does not speak.
 */
export function decodeConnect(frame: Buffer): ConnectPacket {
  if (frame.length > 0 && frame[0] >> 4 !== 1) {
    throw new ProtocolError(`first packet is type ${frame[0] >> 4}, not CONNECT`, 'MQTT-3.1.0-1');
  }
  // The fixed header rules of CONNECT are the same in every version; 5 only picks statement ids.
  return decodeConnectBody(open(frame, 5));
}

/** The packet type number of a frame, without decoding it (e.g. to route or count). */
export function frameType(frame: Uint8Array): number {
  return frame[0] >> 4;
}
