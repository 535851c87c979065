// encode(packet, version) and encodedSize(packet, version). Each packet module computes the Remaining
// Length first (validating every field), allocates the packet once and writes it in place.
import { ProtocolError } from './errors';
import { authSize, encodeAuth } from './packets/auth';
import { connackSize, encodeConnack } from './packets/connack';
import { connectSize, encodeConnect } from './packets/connect';
import { disconnectSize, encodeDisconnect } from './packets/disconnect';
import { encodePingreq, pingreqSize } from './packets/pingreq';
import { encodePingresp, pingrespSize } from './packets/pingresp';
import { encodePuback, pubackSize } from './packets/puback';
import { encodePubcomp, pubcompSize } from './packets/pubcomp';
import { encodePublish, encodePublishHead, publishSize } from './packets/publish';
import { encodePubrec, pubrecSize } from './packets/pubrec';
import { encodePubrel, pubrelSize } from './packets/pubrel';
import { encodeSuback, subackSize } from './packets/suback';
import { encodeSubscribe, subscribeSize } from './packets/subscribe';
import { encodeUnsuback, unsubackSize } from './packets/unsuback';
import { encodeUnsubscribe, unsubscribeSize } from './packets/unsubscribe';
import type { Packet, ProtocolVersion } from './types';
import { varintSize } from './varint';

function unknownType(p: never): never {
  throw new ProtocolError(`unknown packet type ${String((p as { type: unknown }).type)}`);
}

function checkVersion(v: ProtocolVersion): void {
  if (v !== 3 && v !== 4 && v !== 5) throw new ProtocolError(`unknown protocol version ${String(v)}`);
}

/**
 * Encodes a packet for a connection speaking `version`, as one Buffer. Throws an MqttError subclass
 * (nothing is returned) when the packet breaks a rule the codec checks or uses fields `version` lacks.
 */
export function encode(p: Packet, version: ProtocolVersion): Buffer {
  checkVersion(version);
  switch (p.type) {
    case 'publish': return encodePublish(p, version);
    case 'puback': return encodePuback(p, version);
    case 'pubrec': return encodePubrec(p, version);
    case 'pubrel': return encodePubrel(p, version);
    case 'pubcomp': return encodePubcomp(p, version);
    case 'pingreq': return encodePingreq();
    case 'pingresp': return encodePingresp();
    case 'subscribe': return encodeSubscribe(p, version);
    case 'suback': return encodeSuback(p, version);
    case 'unsubscribe': return encodeUnsubscribe(p, version);
    case 'unsuback': return encodeUnsuback(p, version);
    case 'connect': return encodeConnect(p, version);
    case 'connack': return encodeConnack(p, version);
    case 'disconnect': return encodeDisconnect(p, version);
    case 'auth': return encodeAuth(p, version);
    default: return unknownType(p);
  }
}

function remainingLength(p: Packet, v: ProtocolVersion): number {
  switch (p.type) {
    case 'publish': return publishSize(p, v);
    case 'puback': return pubackSize(p, v);
    case 'pubrec': return pubrecSize(p, v);
    case 'pubrel': return pubrelSize(p, v);
    case 'pubcomp': return pubcompSize(p, v);
    case 'pingreq': return pingreqSize();
    case 'pingresp': return pingrespSize();
    case 'subscribe': return subscribeSize(p, v);
    case 'suback': return subackSize(p, v);
    case 'unsubscribe': return unsubscribeSize(p, v);
    case 'unsuback': return unsubackSize(p, v);
    case 'connect': return connectSize(p, v);
    case 'connack': return connackSize(p, v);
    case 'disconnect': return disconnectSize(p, v);
    case 'auth': return authSize(p, v);
    default: return unknownType(p);
  }
}

/**
 * Total size in bytes (fixed header included) that encode(p, version) would produce: what MQTT 5's
 * Maximum Packet Size limits [MQTT-3.1.2-24] [MQTT-3.2.2-15]. Validates like encode() and throws the same
 * errors, but allocates nothing.
 */
export function encodedSize(p: Packet, version: ProtocolVersion): number {
  checkVersion(version);
  const rl = remainingLength(p, version);
  return 1 + varintSize(rl) + rl;
}

/**
 * PUBLISH payloads from this size on are not copied by encodeChunks(). Below it, one copy into a single
 * buffer is cheaper than a second (corked) write; on Node 20 the two cost the same at about 1 KiB, and
 * beyond it the copy grows with the payload while the extra write does not.
 */
export const LARGE_PAYLOAD = 1024;

/**
 * Like encode(), for writing to a socket: a PUBLISH whose payload is LARGE_PAYLOAD bytes or more comes back
 * as two chunks, [everything before the payload, the payload itself], so the payload is never copied
 * (write both with socket.cork()/uncork() or writev). Any other packet is one chunk, as from encode().
 */
export function encodeChunks(p: Packet, version: ProtocolVersion): Buffer[] {
  if (p.type !== 'publish' || p.payload.length < LARGE_PAYLOAD) return [encode(p, version)];
  checkVersion(version);
  return [encodePublishHead(p, version), p.payload];
}
