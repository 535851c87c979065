// What the session engine asks its driver to do. Every input returns an array of effects in the order
// they must be applied (docs/session.md, "Applying effects"). `H` is the driver's command handle type:
// whatever it passed with a command comes back in that command's complete/fail effect.
import type { MqttError } from '../codec/errors';
import type {
  AckProperties, AuthPacket, ConnackPacket, DisconnectPacket, Packet, PublishPacket, QoS,
} from '../codec/types';
import type { OutgoingRecord } from '../store/types';

/** A publish as a user hands it to the session. */
export interface OutboundMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /**
   * MQTT 5 properties (ignored on 3.1.1). A Topic Alias here is ignored: the session assigns aliases per
   * connection. Subscription Identifiers are refused [v5 MQTT-3.3.4-6].
   */
  properties?: PublishRequestProperties;
}

export type PublishRequestProperties = PublishPacket['properties'];

export type PublishResult =
  /** Sent (QoS 0) or acknowledged (QoS 1/2). `reasonCode` may be 0x10 "No matching subscribers" (v5). */
  | { kind: 'published'; reasonCode: number; properties?: AckProperties }
  /** QoS 0 while offline with the 'drop' policy: counted in stats.droppedQos0. */
  | { kind: 'dropped'; reason: 'offline' };

export interface SubscribeResult {
  kind: 'subscribed';
  /** One per requested filter, same order: granted QoS 0-2, or a failure code >= 0x80. */
  reasonCodes: number[];
  properties?: AckProperties;
}

export interface UnsubscribeResult {
  kind: 'unsubscribed';
  /** v5 only: one per filter (0x00 Success, 0x11 No subscription existed, or >= 0x80). */
  reasonCodes?: number[];
  properties?: AckProperties;
}

export interface DisconnectResult {
  kind: 'disconnected';
}

export type CommandResult = PublishResult | SubscribeResult | UnsubscribeResult | DisconnectResult;

export type Effect<H> =
  /**
   * Encode and write this packet (after every store effect before it has committed). A QoS 1/2 PUBLISH
   * names its message (`seq`, the record's): the driver drops it when that message's store write failed.
   */
  | { kind: 'send'; packet: Packet; seq?: number }
  /** store.putOutgoing(record). */
  | { kind: 'persist'; record: OutgoingRecord }
  /** store.removeOutgoing(seq). */
  | { kind: 'unpersist'; seq: number }
  /** store.putIncoming(packetId). */
  | { kind: 'persistIncoming'; packetId: number }
  /** store.removeIncoming(packetId). */
  | { kind: 'unpersistIncoming'; packetId: number }
  /** Hand the message to the application (topic already resolved from any Topic Alias). */
  | { kind: 'deliver'; packet: PublishPacket }
  /** The command finished; `handle` is undefined for messages restored from a store after a restart. */
  | { kind: 'complete'; handle: H | undefined; result: CommandResult }
  | { kind: 'fail'; handle: H | undefined; error: MqttError }
  /** CONNACK accepted: the connection is usable. */
  | { kind: 'connected'; sessionPresent: boolean; connack: ConnackPacket }
  /** CONNACK refused the connection: close it; `error` says why in user words. */
  | { kind: 'connectRefused'; connack: ConnackPacket; error: MqttError }
  /** The peer broke the protocol: v5 send DISCONNECT with `reasonCode` then close; 3.1.1 close [MQTT-4.8.0-1]. */
  | { kind: 'protocolViolation'; reasonCode: number; statement: string | undefined; message: string }
  /** No CONNACK in time ('connect'), or the link is dead ('keepalive'): close without further ado. */
  | { kind: 'timeout'; reason: 'connect' | 'keepalive'; silentMs: number }
  /** The server sent DISCONNECT (v5): close the connection; the packet says why. */
  | { kind: 'peerDisconnect'; packet: DisconnectPacket }
  /** We sent DISCONNECT: close the network connection now [MQTT-3.14.4-1]. */
  | { kind: 'close' }
  /** An AUTH packet (v5 enhanced authentication) for the driver's authenticator. */
  | { kind: 'auth'; packet: AuthPacket }
  /** (Re)arm the session's single timer: call tick(now) at `at` (ms), replacing the previous timer. */
  | { kind: 'schedule'; at: number };

export type EffectKind = Effect<unknown>['kind'];
