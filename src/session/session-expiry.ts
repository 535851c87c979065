// Session Expiry, for the client and the broker. MQTT 5 states it in seconds (CONNECT, possibly
// overridden by CONNACK, and by the client's DISCONNECT); MQTT 3.1.1 has only Clean Session, where a
// clean session ends with its connection and a non-clean one never expires.
import type { ConnackPacket, ConnectPacket, DisconnectPacket } from '../codec/types';

/** 0xFFFFFFFF seconds: the session does not expire. */
export const SESSION_NEVER_EXPIRES = 0xffffffff;

/** The Session Expiry Interval (seconds) in force for a connection. */
export function sessionExpiryInterval(connect: ConnectPacket, connack?: ConnackPacket): number {
  if (connect.protocolVersion !== 5) return connect.clean ? 0 : SESSION_NEVER_EXPIRES;
  return connack?.properties?.sessionExpiryInterval ?? connect.properties?.sessionExpiryInterval ?? 0;
}

/** The interval after the client's DISCONNECT, which may change it (v5). */
export function intervalAfterDisconnect(current: number, disconnect: DisconnectPacket): number {
  return disconnect.properties?.sessionExpiryInterval ?? current;
}

/** Wall-clock ms at which a session disconnected at `disconnectedAt` ends; undefined: never. */
export function sessionExpiresAt(disconnectedAt: number, intervalSeconds: number): number | undefined {
  if (intervalSeconds >= SESSION_NEVER_EXPIRES) return undefined;
  return disconnectedAt + intervalSeconds * 1000;
}

/** True when a session disconnected at `disconnectedAt` has ended by `now` [v5 MQTT-4.1.0-2]. */
export function isSessionExpired(disconnectedAt: number, intervalSeconds: number, now: number): boolean {
  const at = sessionExpiresAt(disconnectedAt, intervalSeconds);
  return at !== undefined && now >= at;
}
