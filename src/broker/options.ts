// Broker options: what a host may configure, with defaults, normalised once at construction so the hot
// path reads plain numbers and booleans.

import type { QoS } from '../codec/types';

export interface BrokerOptions {
  /** Simultaneous network connections; more are refused with CONNACK 0x97 / 3. Default 10 000. */
  maxConnections?: number;
  /** Largest packet accepted from a client, in bytes (sent as Maximum Packet Size in v5 CONNACK).
   *  Default 1 MiB; at most 268 435 460 (the protocol limit). */
  maxPacketSize?: number;
  /** Unacknowledged QoS 1/2 PUBLISH a client may have towards the broker (v5 Receive Maximum). Default 64. */
  receiveMaximum?: number;
  /** Unacknowledged QoS 1/2 PUBLISH the broker sends to one client, further capped by the client's own
   *  Receive Maximum. Default 64. */
  maxInflight?: number;
  /** QoS 1/2 messages queued per client (offline, or beyond its in-flight window). Default 1000;
   *  further messages are dropped and counted in stats.droppedQueueFull. */
  maxQueued?: number;
  /** Bytes waiting in a connection's socket buffer above which QoS 0 messages to it are dropped and
   *  QoS 1/2 messages wait in its queue. Default 4 MiB. */
  maxWriteBuffer?: number;
  /** Milliseconds a new connection may take to send CONNECT (and finish authentication). Default 10 000. */
  connectTimeout?: number;
  /** Topic limits beyond the protocol's. Defaults: 65535 bytes, 128 levels. */
  maxTopicLength?: number;
  maxTopicLevels?: number;
  /** Longest client identifier accepted, in characters. Default 256. */
  maxClientIdLength?: number;
  /** Assign a client identifier when a client sends an empty one. Default true. */
  allowEmptyClientId?: boolean;
  /** Topic aliases a v5 client may use towards the broker (CONNACK Topic Alias Maximum). Default 64. */
  topicAliasMaximum?: number;
  /** Topic aliases the broker uses towards a v5 client that allows them. Default 64; 0 disables. */
  outboundTopicAliases?: number;
  /** Caps the Session Expiry Interval (seconds) and the lifetime of 3.1.1 persistent sessions.
   *  Default 0xFFFFFFFF (no cap: 3.1.1 persistent sessions never expire). */
  maxSessionExpiry?: number;
  /** Highest keep alive (seconds) accepted; a v5 client asking for more (or 0) is told Server Keep Alive. 0 = no cap. */
  maxKeepalive?: number;
  /** Maximum QoS the broker supports (v5 CONNACK Maximum QoS when below 2). Default 2. */
  maximumQoS?: QoS;
  retainAvailable?: boolean;
  wildcardSubscriptions?: boolean;
  sharedSubscriptions?: boolean;
  subscriptionIdentifiers?: boolean;
  /** When set, a v5 client that requests response information gets `${responseInformation}${clientId}/`. */
  responseInformation?: string;
  /** Prefix of assigned client identifiers. Default 'auto-'. */
  clientIdPrefix?: string;
  /** Authentication methods (v5 enhanced auth) handled by hooks.authenticateEnhanced. Others get 0x8C. */
  authMethods?: string[];
}

export type ResolvedOptions = Required<Omit<BrokerOptions, 'responseInformation'>> & {
  responseInformation: string | undefined;
};

export const PROTOCOL_MAX_PACKET = 268_435_460;

export function resolveOptions(o: BrokerOptions = {}): ResolvedOptions {
  return {
    maxConnections: positive(o.maxConnections, 10_000),
    maxPacketSize: Math.min(positive(o.maxPacketSize, 1024 * 1024), PROTOCOL_MAX_PACKET),
    receiveMaximum: Math.min(positive(o.receiveMaximum, 64), 65535),
    maxInflight: Math.min(positive(o.maxInflight, 64), 65535),
    maxQueued: nonNegative(o.maxQueued, 1000),
    maxWriteBuffer: positive(o.maxWriteBuffer, 4 * 1024 * 1024),
    connectTimeout: positive(o.connectTimeout, 10_000),
    maxTopicLength: Math.min(positive(o.maxTopicLength, 65535), 65535),
    maxTopicLevels: positive(o.maxTopicLevels, 128),
    maxClientIdLength: Math.min(positive(o.maxClientIdLength, 256), 65535),
    allowEmptyClientId: o.allowEmptyClientId ?? true,
    topicAliasMaximum: Math.min(nonNegative(o.topicAliasMaximum, 64), 65535),
    outboundTopicAliases: Math.min(nonNegative(o.outboundTopicAliases, 64), 65535),
    maxSessionExpiry: Math.min(nonNegative(o.maxSessionExpiry, 0xffffffff), 0xffffffff),
    maxKeepalive: Math.min(nonNegative(o.maxKeepalive, 0), 65535),
    maximumQoS: o.maximumQoS ?? 2,
    retainAvailable: o.retainAvailable ?? true,
    wildcardSubscriptions: o.wildcardSubscriptions ?? true,
    sharedSubscriptions: o.sharedSubscriptions ?? true,
    subscriptionIdentifiers: o.subscriptionIdentifiers ?? true,
    responseInformation: o.responseInformation,
    clientIdPrefix: o.clientIdPrefix ?? 'auto-',
    authMethods: o.authMethods ?? [],
  };
}

function positive(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`broker option must be a positive number, got ${value}`);
  return Math.floor(value);
}

function nonNegative(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`broker option must be >= 0, got ${value}`);
  return Math.floor(value);
}
