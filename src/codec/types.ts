// The packet model shared by every layer: the codec produces and consumes these objects, the session
// engine, the client driver and the broker speak only in them. Names follow the MQTT specifications
// (camelCase), optional fields are optional on the wire too, and binary data is a Buffer.
//
// Decoded Buffers (payload, password, correlation data, authentication data) may share memory with the
// frame they were decoded from; a caller that keeps the frame's chunk and mutates it must copy first.

/** Protocol level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

export type QoS = 0 | 1 | 2;

/** User properties are ordered name/value pairs; a name may repeat [MQTT-3.3.2-18]. */
export type UserProperties = Array<[string, string]>;

export type PacketType =
  | 'connect' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'
  | 'subscribe' | 'suback' | 'unsubscribe' | 'unsuback' | 'pingreq' | 'pingresp'
  | 'disconnect' | 'auth';

/** Control packet type numbers from the fixed header (bits 7-4 of byte 1). */
export const PACKET_TYPE_CODES: Readonly<Record<PacketType, number>> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13,
  disconnect: 14, auth: 15,
};

// ---------------------------------------------------------------------------------------------
// MQTT 5 properties. One table in the codec (properties.ts) maps these names to identifiers, wire
// kinds and the packets each may appear in. Byte-valued switches (0 or 1 on the wire) are booleans.
// ---------------------------------------------------------------------------------------------

export interface ConnectProperties {
  sessionExpiryInterval?: number;
  receiveMaximum?: number;
  maximumPacketSize?: number;
  topicAliasMaximum?: number;
  requestResponseInformation?: boolean;
  requestProblemInformation?: boolean;
  userProperties?: UserProperties;
  authenticationMethod?: string;
  authenticationData?: Buffer;
}

export interface WillProperties {
  willDelayInterval?: number;
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
}

export interface ConnackProperties {
  sessionExpiryInterval?: number;
  receiveMaximum?: number;
  maximumQoS?: 0 | 1;
  retainAvailable?: boolean;
  maximumPacketSize?: number;
  assignedClientIdentifier?: string;
  topicAliasMaximum?: number;
  reasonString?: string;
  userProperties?: UserProperties;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
  serverKeepAlive?: number;
  responseInformation?: string;
  serverReference?: string;
  authenticationMethod?: string;
  authenticationData?: Buffer;
}

export interface PublishProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  topicAlias?: number;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
  /** A PUBLISH from a server may carry several Subscription Identifiers [MQTT-3.3.4-3]. */
  subscriptionIdentifiers?: number[];
  contentType?: string;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK. */
export interface AckProperties {
  reasonString?: string;
  userProperties?: UserProperties;
}

export interface SubscribeProperties {
  subscriptionIdentifier?: number;
  userProperties?: UserProperties;
}

export interface UnsubscribeProperties {
  userProperties?: UserProperties;
}

export interface DisconnectProperties {
  sessionExpiryInterval?: number;
  reasonString?: string;
  userProperties?: UserProperties;
  serverReference?: string;
}

export interface AuthProperties {
  authenticationMethod?: string;
  authenticationData?: Buffer;
  reasonString?: string;
  userProperties?: UserProperties;
}

// ---------------------------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------------------------

export interface Will {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: WillProperties; // v5 only
}

export interface ConnectPacket {
  type: 'connect';
  /** Taken from the protocol level byte on decode; written as protocol name + level on encode. */
  protocolVersion: ProtocolVersion;
  clientId: string;
  /** Clean Session (3.1, 3.1.1) or Clean Start (5.0). */
  clean: boolean;
  keepalive: number;
  username?: string;
  password?: Buffer;
  will?: Will;
  properties?: ConnectProperties;
}

export interface ConnackPacket {
  type: 'connack';
  sessionPresent: boolean;
  /** v5 reason code, or the 3.1/3.1.1 connect return code (0-5). */
  reasonCode: number;
  properties?: ConnackProperties;
}

export interface PublishPacket {
  type: 'publish';
  /** May be '' only when properties.topicAlias is set (v5). */
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present iff qos > 0 [MQTT-2.2.1-2]. */
  packetId?: number;
  properties?: PublishProperties;
}

interface AckBase {
  packetId: number;
  /** 0 (success) when absent on the wire; always 0 for 3.1/3.1.1. */
  reasonCode: number;
  properties?: AckProperties;
}
export interface PubackPacket extends AckBase { type: 'puback' }
export interface PubrecPacket extends AckBase { type: 'pubrec' }
export interface PubrelPacket extends AckBase { type: 'pubrel' }
export interface PubcompPacket extends AckBase { type: 'pubcomp' }

export type RetainHandling = 0 | 1 | 2;

export interface Subscription {
  topicFilter: string;
  /** Maximum QoS requested. */
  qos: QoS;
  /** v5 subscription options; absent means false / 0. Must be absent or default for 3.1/3.1.1. */
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: RetainHandling;
}

export interface SubscribePacket {
  type: 'subscribe';
  packetId: number;
  subscriptions: Subscription[];
  properties?: SubscribeProperties;
}

export interface SubackPacket {
  type: 'suback';
  packetId: number;
  /** One per requested subscription: granted QoS (0-2) or a failure code (0x80 in 3.1.1, >= 0x80 in 5). */
  reasonCodes: number[];
  properties?: AckProperties;
}

export interface UnsubscribePacket {
  type: 'unsubscribe';
  packetId: number;
  topicFilters: string[];
  properties?: UnsubscribeProperties;
}

export interface UnsubackPacket {
  type: 'unsuback';
  packetId: number;
  /** v5 only: one reason code per topic filter. Absent for 3.1/3.1.1. */
  reasonCodes?: number[];
  properties?: AckProperties;
}

export interface PingreqPacket { type: 'pingreq' }
export interface PingrespPacket { type: 'pingresp' }

export interface DisconnectPacket {
  type: 'disconnect';
  /** v5 only; 0 (normal disconnection) when absent. */
  reasonCode?: number;
  properties?: DisconnectProperties;
}

export interface AuthPacket {
  type: 'auth';
  reasonCode: number;
  properties?: AuthProperties;
}

export type Packet =
  | ConnectPacket | ConnackPacket | PublishPacket | PubackPacket | PubrecPacket | PubrelPacket
  | PubcompPacket | SubscribePacket | SubackPacket | UnsubscribePacket | UnsubackPacket
  | PingreqPacket | PingrespPacket | DisconnectPacket | AuthPacket;

export type PacketOf<T extends PacketType> = Extract<Packet, { type: T }>;
