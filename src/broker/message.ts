// The broker's in-memory form of an application message: what was published, by whom, when it expires.
// One BrokerMessage is shared by every subscriber it is routed to; the per-subscriber parts (QoS, RETAIN
// flag, subscription identifiers, packet id, topic alias) are chosen at delivery time.

import type { PublishProperties, QoS } from '../codec/types';

export interface BrokerMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  /** The RETAIN flag as published. */
  readonly retain: boolean;
  /** v5 properties to forward unchanged [MQTT-3.3.2-4] [MQTT-3.3.2-15..20]; never topicAlias,
   *  subscriptionIdentifiers or messageExpiryInterval (the remaining interval is computed per send). */
  readonly properties: PublishProperties | undefined;
  /** Client id of the publisher, null when injected by the broker (flows, wills keep their client id). */
  readonly publisherId: string | null;
  /** Epoch ms after which the message must not be delivered [MQTT-3.3.2-5], or undefined. */
  readonly expiresAt: number | undefined;
  /** Internal: the message's encoded frames (frames.ts), kept on the object so queued copies share them. */
  frames: unknown;
}

/** Input of Broker.publish(): a message injected by the host (a flow, $SYS, a test). */
export interface PublishInput {
  topic: string;
  payload?: Buffer | Uint8Array | string;
  qos?: QoS;
  retain?: boolean;
  /** v5 properties; messageExpiryInterval is honoured, topicAlias and subscriptionIdentifiers are ignored. */
  properties?: PublishProperties;
}

/** Builds a BrokerMessage from PUBLISH fields, splitting off the per-hop properties. */
export function makeMessage(fields: {
  topic: string; payload: Buffer; qos: QoS; retain: boolean; properties?: PublishProperties | undefined;
  publisherId: string | null; now: number;
}): BrokerMessage {
  const props = fields.properties;
  let properties: PublishProperties | undefined;
  let expiresAt: number | undefined;
  if (props) {
    const { topicAlias: _alias, subscriptionIdentifiers: _ids, messageExpiryInterval, ...rest } = props;
    if (messageExpiryInterval !== undefined) expiresAt = fields.now + messageExpiryInterval * 1000;
    properties = Object.keys(rest).length > 0 ? rest : undefined;
  }
  return {
    topic: fields.topic, payload: fields.payload, qos: fields.qos, retain: fields.retain, properties,
    publisherId: fields.publisherId, expiresAt, frames: undefined,
  };
}

/** Seconds left before expiry, rounded up so a message never looks expired early; undefined if none. */
export function remainingExpiry(message: BrokerMessage, now: number): number | undefined {
  if (message.expiresAt === undefined) return undefined;
  return Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
}

export function isExpired(message: BrokerMessage, now: number): boolean {
  return message.expiresAt !== undefined && now >= message.expiresAt;
}
