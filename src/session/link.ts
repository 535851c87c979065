// What the client session knows about the current network connection: the CONNECT we sent and, once
// CONNACK arrived, the server's limits. A new Link per connection, so nothing connection-scoped (topic
// aliases [v5 MQTT-3.3.2-7], send quota, limits) leaks into the next one.
import type { ConnackPacket, ConnectPacket, Packet, ProtocolVersion, QoS } from '../codec/types';
import type { Effect } from './effects';
import { TopicAliasReceiver, TopicAliasSender } from './topic-alias';

export type LinkPhase = 'connecting' | 'online' | 'closing';

export class Link {
  phase: LinkPhase = 'connecting';
  readonly version: ProtocolVersion;
  /** The server's Maximum Packet Size, when it sent one (v5) [v5 MQTT-3.2.2-15]. */
  peerMaxPacketSize: number | undefined;
  peerMaxQos: QoS = 2;
  retainAvailable = true;
  /** The server's Receive Maximum (65535 when absent or on 3.1.1). */
  peerReceiveMaximum = 65535;
  aliasOut = new TopicAliasSender(0);
  readonly aliasIn: TopicAliasReceiver;

  constructor(readonly connect: ConnectPacket) {
    this.version = connect.protocolVersion;
    const ours = this.version === 5 ? connect.properties?.topicAliasMaximum ?? 0 : 0;
    this.aliasIn = new TopicAliasReceiver({ maximum: ours, peer: 'server' });
  }

  /** Takes in the limits the server announced in its CONNACK. */
  accept(connack: ConnackPacket, outgoingAliases: 'auto' | 'off'): void {
    this.phase = 'online';
    const p = this.version === 5 ? connack.properties : undefined;
    this.peerMaxPacketSize = p?.maximumPacketSize;
    this.peerMaxQos = p?.maximumQoS ?? 2;
    this.retainAvailable = p?.retainAvailable ?? true;
    this.peerReceiveMaximum = p?.receiveMaximum ?? 65535;
    this.aliasOut = new TopicAliasSender(outgoingAliases === 'auto' ? p?.topicAliasMaximum ?? 0 : 0);
  }

  /** Keep Alive in force: the server's override when it sent one [v5 MQTT-3.1.2-21]. */
  keepaliveSeconds(connack: ConnackPacket): number {
    return (this.version === 5 ? connack.properties?.serverKeepAlive : undefined) ?? this.connect.keepalive;
  }

  /** The statement id for `v5` on MQTT 5 connections and `v311` otherwise. */
  statement(v5: string, v311: string): string {
    return this.version === 5 ? v5 : v311;
  }
}

/** How the session's parts emit packets: through the session, which times keepalive on every send. */
export interface Wire<H> {
  /** The protocol version the session was created for. */
  readonly version: ProtocolVersion;
  readonly link: Link | undefined;
  /** `seq`: the outgoing message a QoS 1/2 PUBLISH carries (see the `send` effect). */
  send(fx: Effect<H>[], packet: Packet, now: number, seq?: number): void;
  /** Encoded size of `packet` for the current connection's protocol version. */
  sizeOf(packet: Packet): number;
}
