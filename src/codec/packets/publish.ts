// PUBLISH (MQTT 5.0 §3.3, 3.1.1 §3.3). The hot path of both the client and the broker: one allocation per
// encode, no intermediate objects, and the payload of a decoded PUBLISH shares the frame's memory.
import { MalformedPacketError, ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesLength, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { sid } from '../spec';
import type { ProtocolVersion, PublishPacket, PublishProperties, QoS } from '../types';
import { checkNoWildcards, topicNameLength } from '../utf8';
import { varintSize } from '../varint';
import { Writer } from '../writer';

const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-3', 'MQTT-2.3.1-1'];

export function decodePublish(r: Reader, flags: number): PublishPacket {
  const v = r.v;
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw new MalformedPacketError('PUBLISH with QoS 3', 'MQTT-3.3.1-4');
  const dup = (flags & 8) !== 0;
  if (dup && qos === 0) throw new MalformedPacketError('QoS 0 PUBLISH with DUP set', sid(v, 'MQTT-3.3.1-2', 'MQTT-3.3.1-2'));
  const topic = r.utf8('the Topic Name');
  checkNoWildcards(topic, v);
  const packetId = qos > 0 ? r.packetId(...ID_STATEMENTS) : 0;
  const properties = v === 5 ? (decodeProperties(r, 'publish') as PublishProperties | undefined) : undefined;
  if (topic.length === 0) checkEmptyTopic(v, properties);
  const packet: PublishPacket = { type: 'publish', topic, payload: r.rest(), qos: qos as QoS, retain: (flags & 1) !== 0, dup };
  if (qos > 0) packet.packetId = packetId;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

/** An empty Topic Name is allowed only with a Topic Alias (MQTT 5 §3.3.2.1); never before 5 [MQTT-4.7.3-1]. */
function checkEmptyTopic(v: ProtocolVersion, properties: PublishProperties | undefined): void {
  if (v !== 5) throw new ProtocolError('empty Topic Name', 'MQTT-4.7.3-1');
  if (properties?.topicAlias === undefined) {
    throw new ProtocolError('empty Topic Name without a Topic Alias (§3.3.2.1)');
  }
}

function firstByte(p: PublishPacket, v: ProtocolVersion): number {
  const qos = p.qos;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new MalformedPacketError(`PUBLISH with QoS ${String(qos)}`, 'MQTT-3.3.1-4');
  if (p.dup && qos === 0) throw new MalformedPacketError('QoS 0 PUBLISH with DUP set', sid(v, 'MQTT-3.3.1-2', 'MQTT-3.3.1-2'));
  if (qos === 0) {
    if (p.packetId !== undefined) {
      throw new ProtocolError('QoS 0 PUBLISH with a Packet Identifier', sid(v, 'MQTT-2.2.1-2', 'MQTT-2.3.1-5'));
    }
  } else checkPacketId(p.packetId, v, 'QoS > 0 PUBLISH', ID_STATEMENTS);
  return 0x30 | (p.dup ? 8 : 0) | (qos << 1) | (p.retain ? 1 : 0);
}

/** Remaining Length of p given the length of its properties. Validates the topic on the way. */
function remainingLength(p: PublishPacket, v: ProtocolVersion, propsLen: number): number {
  const topic = p.topic;
  if (typeof topic !== 'string') throw new ProtocolError('PUBLISH without a Topic Name string');
  const topicLength = topicNameLength(topic, v);
  if (topicLength === 0) checkEmptyTopic(v, p.properties);
  if (topicLength > 0xffff) throw new MalformedPacketError(`Topic Name of ${topicLength} bytes is longer than 65,535`, 'MQTT-4.7.3-3');
  return restLength(p, v, propsLen, topicLength);
}

function restLength(p: PublishPacket, v: ProtocolVersion, propsLen: number, topicLength: number): number {
  let rl = 2 + topicLength + p.payload.length;
  if (p.qos !== 0) rl += 2;
  if (v === 5) rl += varintSize(propsLen) + propsLen;
  checkRemainingLength(rl);
  return rl;
}

function publishPropertiesLength(p: PublishPacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'publish', v);
  refuseV5Only(v, hasDefined(p.properties), 'PUBLISH properties');
  return 0;
}

export function publishSize(p: PublishPacket, v: ProtocolVersion): number {
  firstByte(p, v);
  return remainingLength(p, v, publishPropertiesLength(p, v));
}

/**
 * Allocates the packet and writes the Topic Name. Optimistic for a short (<= 32) ASCII topic: size the
 * packet from topic.length and validate while copying (one pass instead of two); anything else, or a
 * topic that turns out not to be plain ASCII, is measured and validated first.
 */
function writeTopic(p: PublishPacket, v: ProtocolVersion, b0: number, propsLen: number, tailBytes: number): Writer {
  const topic = p.topic;
  if (typeof topic === 'string' && topic.length > 0 && topic.length <= 32) {
    const w = new Writer(b0, restLength(p, v, propsLen, topic.length), tailBytes);
    if (w.asciiTopicName(topic)) return w;
  }
  const w = new Writer(b0, remainingLength(p, v, propsLen), tailBytes);
  w.utf8(topic);
  return w;
}

export function encodePublish(p: PublishPacket, v: ProtocolVersion): Buffer {
  const w = writeHead(p, v, 0);
  w.bytes(p.payload);
  return w.done();
}

/** Everything of the PUBLISH but its payload, which the caller sends as the next chunk (no copy). */
export function encodePublishHead(p: PublishPacket, v: ProtocolVersion): Buffer {
  return writeHead(p, v, p.payload.length).done();
}

function writeHead(p: PublishPacket, v: ProtocolVersion, tailBytes: number): Writer {
  const b0 = firstByte(p, v);
  const propsLen = publishPropertiesLength(p, v);
  const w = writeTopic(p, v, b0, propsLen, tailBytes);
  if (p.qos !== 0) w.u16(p.packetId!);
  if (v === 5) writeProperties(w, p.properties, 'publish', propsLen);
  return w;
}
