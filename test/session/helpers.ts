// Helpers for session scenario tests: build packets by hand, bring a session online, and read effects.
import assert from 'node:assert/strict';
import type {
  ConnackProperties, ConnectPacket, ConnectProperties, Packet, ProtocolVersion, PublishPacket, QoS,
} from '../../src/codec/types';
import { ClientSession, type ClientSessionOptions } from '../../src/session/client-session';
import type { Effect, OutboundMessage } from '../../src/session/effects';

export type Fx = Effect<string>[];

export function connectPacket(version: ProtocolVersion, over: Partial<ConnectPacket> & { properties?: ConnectProperties } = {}): ConnectPacket {
  return { type: 'connect', protocolVersion: version, clientId: 'c1', clean: false, keepalive: 60, ...over };
}

export function newSession(version: ProtocolVersion, options: Partial<ClientSessionOptions> = {}): ClientSession<string> {
  return new ClientSession<string>({ protocolVersion: version, ...options });
}

export interface OnlineOptions {
  sessionPresent?: boolean;
  clean?: boolean;
  keepalive?: number;
  connectProperties?: ConnectProperties;
  connackProperties?: ConnackProperties;
  now?: number;
}

/** connectionOpened + CONNACK; returns the effects of the CONNACK. */
export function goOnline(s: ClientSession<string>, o: OnlineOptions = {}): Fx {
  const now = o.now ?? 0;
  const connect = connectPacket(s.version, {
    clean: o.clean ?? false, keepalive: o.keepalive ?? 60, ...(o.connectProperties ? { properties: o.connectProperties } : {}),
  });
  const opened = s.connectionOpened(connect, now);
  assert.deepEqual(sent(opened), [connect]);
  return s.onPacket({
    type: 'connack', sessionPresent: o.sessionPresent ?? false, reasonCode: 0,
    ...(o.connackProperties ? { properties: o.connackProperties } : {}),
  }, now);
}

export function msg(topic: string, qos: QoS, over: Partial<OutboundMessage> = {}): OutboundMessage {
  return { topic, payload: Buffer.from(`m:${topic}`), qos, retain: false, ...over };
}

export function publishPacket(topic: string, qos: QoS, packetId?: number, over: Partial<PublishPacket> = {}): PublishPacket {
  return { type: 'publish', topic, payload: Buffer.from(`in:${topic}`), qos, retain: false, dup: false, ...(packetId ? { packetId } : {}), ...over };
}

export const puback = (packetId: number, reasonCode = 0): Packet => ({ type: 'puback', packetId, reasonCode });
export const pubrec = (packetId: number, reasonCode = 0): Packet => ({ type: 'pubrec', packetId, reasonCode });
export const pubrel = (packetId: number): Packet => ({ type: 'pubrel', packetId, reasonCode: 0 });
export const pubcomp = (packetId: number): Packet => ({ type: 'pubcomp', packetId, reasonCode: 0 });

export function sent(fx: Fx): Packet[] {
  return fx.flatMap((e) => (e.kind === 'send' ? [e.packet] : []));
}

/** The effect kinds, with the packet type for sends: e.g. ['persist', 'send:publish']. */
export function kinds(fx: Fx): string[] {
  return fx.map((e) => (e.kind === 'send' ? `send:${e.packet.type}` : e.kind));
}

export function only<K extends Fx[number]['kind']>(fx: Fx, kind: K): Array<Extract<Fx[number], { kind: K }>> {
  return fx.filter((e): e is Extract<Fx[number], { kind: K }> => e.kind === kind);
}

export function publishes(fx: Fx): PublishPacket[] {
  return sent(fx).filter((p): p is PublishPacket => p.type === 'publish');
}

/** Effects without `schedule`, which most scenarios do not care about. */
export function noSchedule(fx: Fx): Fx {
  return fx.filter((e) => e.kind !== 'schedule');
}

/**
 * A statement id for assertions on error values. Citations belong in test titles, where the coverage
 * tool reads them with their spec tag; ids built here are not counted twice or for the wrong spec.
 */
export const stmt = (n: string): string => `MQTT-${n}`;
