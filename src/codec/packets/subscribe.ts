// SUBSCRIBE (MQTT 5.0 §3.8, 3.1.1 §3.8): Packet Identifier, v5 properties, then one or more Topic Filter +
// Subscription Options pairs. Filter syntax (wildcard placement, shared subscription names) is checked by
// the topic layer, so that a broker can refuse one filter in SUBACK instead of dropping the connection.
import { MalformedPacketError, ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, stringSize, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { sid } from '../spec';
import type { ProtocolVersion, QoS, RetainHandling, SubscribePacket, SubscribeProperties, Subscription } from '../types';
import { Writer } from '../writer';

const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-3', 'MQTT-2.3.1-1'];
const SHARED_PREFIX = '$share/';

export function decodeSubscribe(r: Reader): SubscribePacket {
  const packetId = r.packetId(...ID_STATEMENTS);
  const properties = r.v === 5 ? (decodeProperties(r, 'subscribe') as SubscribeProperties | undefined) : undefined;
  const subscriptions: Subscription[] = [];
  while (!r.atEnd()) {
    const topicFilter = r.utf8('a Topic Filter');
    subscriptions.push(r.v === 5 ? optionsV5(topicFilter, r.u8('Subscription Options')) : optionsV3(topicFilter, r.u8('a Requested QoS')));
  }
  if (subscriptions.length === 0) throw noFilters(r.v);
  const packet: SubscribePacket = { type: 'subscribe', packetId, subscriptions };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function noFilters(v: ProtocolVersion): ProtocolError {
  return new ProtocolError('SUBSCRIBE without a Topic Filter', sid(v, 'MQTT-3.8.3-2', 'MQTT-3.8.3-3'));
}

function optionsV3(topicFilter: string, b: number): Subscription {
  if (b > 2) throw new MalformedPacketError(`Requested QoS byte 0x${b.toString(16)}`, 'MQTT-3.8.3-4');
  return { topicFilter, qos: b as QoS };
}

function optionsV5(topicFilter: string, b: number): Subscription {
  if (b & 0xc0) throw new MalformedPacketError('reserved Subscription Options bits 7-6 set', 'MQTT-3.8.3-5');
  const qos = b & 3;
  const retainHandling = (b >> 4) & 3;
  if (qos === 3) throw new ProtocolError('Subscription Options with Maximum QoS 3 (§3.8.3.1)');
  if (retainHandling === 3) throw new ProtocolError('Subscription Options with Retain Handling 3 (§3.8.3.1)');
  const noLocal = (b & 4) !== 0;
  if (noLocal) checkNoLocal(topicFilter);
  return {
    topicFilter, qos: qos as QoS, noLocal, retainAsPublished: (b & 8) !== 0, retainHandling: retainHandling as RetainHandling,
  };
}

function checkNoLocal(topicFilter: string): void {
  if (topicFilter.startsWith(SHARED_PREFIX)) {
    throw new ProtocolError(`No Local on Shared Subscription "${topicFilter}"`, 'MQTT-3.8.3-4');
  }
}

function optionsByte(s: Subscription, v: ProtocolVersion): number {
  const { qos } = s;
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    if (v === 5) throw new ProtocolError(`Subscription Options with Maximum QoS ${String(qos)} (§3.8.3.1)`);
    throw new MalformedPacketError(`Requested QoS ${String(qos)}`, 'MQTT-3.8.3-4');
  }
  const rh = s.retainHandling ?? 0;
  if (v !== 5) {
    refuseV5Only(v, s.noLocal === true || s.retainAsPublished === true || rh !== 0, 'Subscription Options');
    return qos;
  }
  if (rh !== 0 && rh !== 1 && rh !== 2) throw new ProtocolError(`Retain Handling ${String(rh)} (§3.8.3.1)`);
  if (s.noLocal) checkNoLocal(s.topicFilter);
  return qos | (s.noLocal ? 4 : 0) | (s.retainAsPublished ? 8 : 0) | (rh << 4);
}

function subscribePropertiesLength(p: SubscribePacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'subscribe', v);
  refuseV5Only(v, hasDefined(p.properties), 'SUBSCRIBE properties');
  return 0;
}

function remainingLength(p: SubscribePacket, v: ProtocolVersion, propsLen: number): number {
  checkPacketId(p.packetId, v, 'SUBSCRIBE', ID_STATEMENTS);
  if (p.subscriptions.length === 0) throw noFilters(v);
  let rl = 2 + (v === 5 ? propertiesBlockSize(propsLen) : 0);
  for (const s of p.subscriptions) {
    optionsByte(s, v);
    rl += stringSize(s.topicFilter, v) + 1;
  }
  checkRemainingLength(rl);
  return rl;
}

export function subscribeSize(p: SubscribePacket, v: ProtocolVersion): number {
  return remainingLength(p, v, subscribePropertiesLength(p, v));
}

export function encodeSubscribe(p: SubscribePacket, v: ProtocolVersion): Buffer {
  const propsLen = subscribePropertiesLength(p, v);
  const w = new Writer(0x82, remainingLength(p, v, propsLen));
  w.u16(p.packetId);
  if (v === 5) writeProperties(w, p.properties, 'subscribe', propsLen);
  for (const s of p.subscriptions) {
    w.utf8(s.topicFilter);
    w.u8(optionsByte(s, v));
  }
  return w.done();
}
