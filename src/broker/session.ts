// Broker-side session state for one client identifier [MQTT-3.1.3-2]: subscriptions, QoS 1/2 messages
// in flight towards the client, messages queued for it, and QoS 2 packet ids received from it and not
// yet released. No I/O here: the connection and the outbound module act on it.

import type { ProtocolVersion } from '../codec/types';
import { Fifo } from '../session/fifo';
import type { BrokerMessage } from './message';
import type { PendingWill } from './lifecycle';
import type { RouteTarget, SharedGroup, SubscriptionRecord } from './router';

/** A QoS 1/2 message on its way to this session's client. */
export interface OutboundEntry {
  readonly message: BrokerMessage;
  readonly qos: 1 | 2;
  /** RETAIN flag to send (retained-on-subscribe, or Retain As Published). */
  readonly retain: boolean;
  readonly subscriptionIds: number[] | undefined;
  /** Shared group the copy was chosen through (redistributed if this member goes away). */
  readonly shared: SharedGroup<BrokerSession> | undefined;
  /** 0 while queued; the packet id once sent. */
  packetId: number;
  /** queued: not sent yet; publish: sent, awaiting PUBACK/PUBREC; pubrel: PUBREL sent, awaiting PUBCOMP. */
  stage: 'queued' | 'publish' | 'pubrel';
}

export interface Cancellable {
  cancel(): void;
}

/** The part of a connection a session needs to know about (implemented by Connection). */
export interface SessionConnection {
  /** True once CONNACK went out and until the connection starts closing. */
  readonly ready: boolean;
}

export class BrokerSession implements RouteTarget {
  readonly clientId: string;
  version: ProtocolVersion;
  connection: SessionConnection | undefined;
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** Sent and unacknowledged, in send order (Map keeps insertion order) for in-order resend. */
  readonly inflight = new Map<number, OutboundEntry>();
  readonly queue = new Fifo<OutboundEntry>();
  /** Inbound QoS 2 packet ids answered with PUBREC and not yet released by PUBREL [MQTT-4.3.3-10]. */
  readonly awaitingRelease = new Set<number>();
  /** Seconds the session outlives its connection; 0xFFFFFFFF never expires. */
  expiryInterval = 0;
  /** User name of the client that last connected with this session (ACL checks of offline deliveries). */
  username: string | undefined;
  /** Epoch ms at which the offline session expires; undefined while connected or when it never expires. */
  expiresAt: number | undefined;
  /** Timers owned by the broker's lifecycle module (session expiry, delayed Will). */
  expiryTimer: Cancellable | undefined;
  willTimer: Cancellable | undefined;
  /** A Will waiting for its Will Delay Interval or the end of the session [MQTT-3.1.2-8]. */
  pendingWill: PendingWill | undefined;
  private nextPacketId = 1;

  constructor(clientId: string, version: ProtocolVersion) {
    this.clientId = clientId;
    this.version = version;
  }

  get online(): boolean {
    return this.connection?.ready === true;
  }

  /**
   * A non-zero packet id not used by any message in flight [MQTT-2.2.1-4] [3.1.1 MQTT-2.3.1-4], or 0 when
   * all 65535 are in use (callers keep inflight below that through the in-flight window).
   */
  allocatePacketId(): number {
    if (this.inflight.size >= 65535) return 0;
    let id = this.nextPacketId;
    while (this.inflight.has(id)) id = id === 65535 ? 1 : id + 1;
    this.nextPacketId = id === 65535 ? 1 : id + 1;
    return id;
  }
}
