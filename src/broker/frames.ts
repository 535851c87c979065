// Outgoing PUBLISH frames, encoded once per distinct variant and shared by every subscriber that needs
// the same bytes. The codec's PreparedPublish already derives QoS / RETAIN / DUP / packet id variants by
// patching; what else changes the bytes is chosen here: protocol family (5 or 3.x), subscription
// identifiers and topic alias (v5). A message keeps its cache (on the message object) while the remaining message expiry
// it was encoded with is still the current one.

import { PreparedPublish } from '../codec';
import type { PublishPacket, PublishProperties } from '../codec/types';
import type { BrokerMessage } from './message';
import { remainingExpiry } from './message';

export interface FrameKey {
  v5: boolean;
  subscriptionIds: number[] | undefined;
  /** Topic alias to send (0: none); with elideTopic the topic name is sent empty. */
  alias: number;
  elideTopic: boolean;
}

interface Prepared extends FrameKey {
  prepared: PreparedPublish;
}

export class FrameCache {
  // The first variant sits in fields (most fan-outs need one); others go to a list.
  private first: Prepared | undefined;
  private more: Prepared[] | undefined;
  private readonly expiry: number | undefined;

  private constructor(readonly message: BrokerMessage, now: number) {
    this.expiry = remainingExpiry(message, now);
  }

  /**
   * The message's cache; renewed when the remaining expiry (whole seconds) has changed since. The clock
   * is read only for messages that expire.
   */
  static for(message: BrokerMessage, clock: { now(): number }): FrameCache {
    let cache = message.frames as FrameCache | undefined;
    const now = message.expiresAt === undefined ? 0 : clock.now();
    if (!cache || (message.expiresAt !== undefined && cache.expiry !== remainingExpiry(message, now))) {
      cache = new FrameCache(message, now);
      message.frames = cache;
    }
    return cache;
  }

  get(key: FrameKey): PreparedPublish {
    if (this.first && matches(this.first, key)) return this.first.prepared;
    if (this.more) for (const f of this.more) if (matches(f, key)) return f.prepared;
    const prepared = new PreparedPublish(this.packetFor(key), key.v5 ? 5 : 4);
    const entry: Prepared = {
      v5: key.v5, subscriptionIds: key.subscriptionIds, alias: key.alias, elideTopic: key.elideTopic, prepared,
    };
    if (!this.first) this.first = entry;
    else (this.more ??= []).push(entry);
    return prepared;
  }

  private packetFor(key: FrameKey): PublishPacket {
    const m = this.message;
    const packet: PublishPacket = {
      type: 'publish', topic: key.elideTopic ? '' : m.topic, payload: m.payload, qos: 0, retain: false, dup: false,
    };
    if (key.v5) {
      const props = v5Properties(m, this.expiry, key);
      if (props) packet.properties = props;
    }
    return packet;
  }
}

function v5Properties(m: BrokerMessage, expiry: number | undefined, key: FrameKey): PublishProperties | undefined {
  if (!m.properties && expiry === undefined && !key.subscriptionIds && key.alias === 0) return undefined;
  // Forwarded unchanged: payload format, content type, response topic, correlation data, user properties
  // in order [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20].
  const props: PublishProperties = { ...m.properties };
  if (expiry !== undefined) props.messageExpiryInterval = expiry; // [MQTT-3.3.2-6]
  if (key.subscriptionIds) props.subscriptionIdentifiers = key.subscriptionIds;
  if (key.alias !== 0) props.topicAlias = key.alias;
  return props;
}

function matches(f: FrameKey, key: FrameKey): boolean {
  return f.v5 === key.v5 && f.alias === key.alias && f.elideTopic === key.elideTopic &&
    sameIds(f.subscriptionIds, key.subscriptionIds);
}

function sameIds(a: number[] | undefined, b: number[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
