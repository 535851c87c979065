// UNSUBSCRIBE (MQTT 5.0 §3.10, 3.1.1 §3.10): Packet Identifier, v5 properties, one or more Topic Filters.
import { ProtocolError } from '../errors';
import { checkPacketId, checkRemainingLength, hasDefined, refuseV5Only } from '../fixed-header';
import { decodeProperties, propertiesBlockSize, propertiesLength, stringSize, writeProperties } from '../properties';
import type { Reader } from '../reader';
import { sid } from '../spec';
import type { ProtocolVersion, UnsubscribePacket, UnsubscribeProperties } from '../types';
import { Writer } from '../writer';

const ID_STATEMENTS: [string, string] = ['MQTT-2.2.1-3', 'MQTT-2.3.1-1'];

export function decodeUnsubscribe(r: Reader): UnsubscribePacket {
  const packetId = r.packetId(...ID_STATEMENTS);
  const properties = r.v === 5 ? (decodeProperties(r, 'unsubscribe') as UnsubscribeProperties | undefined) : undefined;
  const topicFilters: string[] = [];
  while (!r.atEnd()) topicFilters.push(r.utf8('a Topic Filter'));
  if (topicFilters.length === 0) throw noFilters(r.v);
  const packet: UnsubscribePacket = { type: 'unsubscribe', packetId, topicFilters };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function noFilters(v: ProtocolVersion): ProtocolError {
  return new ProtocolError('UNSUBSCRIBE without a Topic Filter', sid(v, 'MQTT-3.10.3-2', 'MQTT-3.10.3-2'));
}

function unsubscribePropertiesLength(p: UnsubscribePacket, v: ProtocolVersion): number {
  if (v === 5) return propertiesLength(p.properties, 'unsubscribe', v);
  refuseV5Only(v, hasDefined(p.properties), 'UNSUBSCRIBE properties');
  return 0;
}

function remainingLength(p: UnsubscribePacket, v: ProtocolVersion, propsLen: number): number {
  checkPacketId(p.packetId, v, 'UNSUBSCRIBE', ID_STATEMENTS);
  if (p.topicFilters.length === 0) throw noFilters(v);
  let rl = 2 + (v === 5 ? propertiesBlockSize(propsLen) : 0);
  for (const f of p.topicFilters) rl += stringSize(f, v);
  checkRemainingLength(rl);
  return rl;
}

export function unsubscribeSize(p: UnsubscribePacket, v: ProtocolVersion): number {
  return remainingLength(p, v, unsubscribePropertiesLength(p, v));
}

export function encodeUnsubscribe(p: UnsubscribePacket, v: ProtocolVersion): Buffer {
  const propsLen = unsubscribePropertiesLength(p, v);
  const w = new Writer(0xa2, remainingLength(p, v, propsLen));
  w.u16(p.packetId);
  if (v === 5) writeProperties(w, p.properties, 'unsubscribe', propsLen);
  for (const f of p.topicFilters) w.utf8(f);
  return w.done();
}
