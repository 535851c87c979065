// MQTT 5 Topic Aliases, both directions, for the client and the broker. Mappings live for one network
// connection only [v5 MQTT-3.3.2-7]: create new instances per connection.

/** What to put in an outgoing PUBLISH: the topic to write ('' when the alias alone suffices) and the alias. */
export interface AliasChoice {
  topic: string;
  alias: number | undefined;
}

/**
 * Outgoing aliases for repeated topics, with least-recently-used replacement. The first PUBLISH to a
 * topic goes out plain (a one-off topic gains nothing from an alias) and the topic is remembered; the
 * second takes an alias (topic + alias on the wire); later ones send the alias alone. When all `maximum`
 * aliases are taken, the one used longest ago is re-pointed at the new topic. Aliases are 1..maximum,
 * never 0 [v5 MQTT-3.3.2-8] and never above the peer's Topic Alias Maximum [v5 MQTT-3.3.2-9]
 * [v5 MQTT-3.3.2-11]; a maximum of 0 (or none sent) means no aliases at all [v5 MQTT-3.2.2-18]
 * [v5 MQTT-3.1.2-27].
 */
export class TopicAliasSender {
  /** topic -> alias, least recently used first (a Map keeps insertion order; a hit re-inserts). */
  private readonly byTopic = new Map<string, number>();
  /** Topics seen once without an alias, oldest first, bounded. */
  private readonly seenOnce = new Map<string, true>();
  private readonly seenLimit: number;
  private nextFree = 1;

  constructor(readonly maximum: number) {
    this.seenLimit = Math.max(64, maximum * 2);
  }

  /** Chooses how to send `topic`, updating the mapping as if the packet is sent. */
  choose(topic: string): AliasChoice {
    if (this.maximum === 0) return { topic, alias: undefined };
    const known = this.byTopic.get(topic);
    if (known !== undefined) {
      this.byTopic.delete(topic);
      this.byTopic.set(topic, known);
      return { topic: '', alias: known };
    }
    if (!this.seenOnce.delete(topic)) {
      this.seenOnce.set(topic, true);
      if (this.seenOnce.size > this.seenLimit) this.seenOnce.delete(this.seenOnce.keys().next().value as string);
      return { topic, alias: undefined };
    }
    let alias: number;
    if (this.nextFree <= this.maximum) {
      alias = this.nextFree++;
    } else {
      const [oldest, oldAlias] = this.byTopic.entries().next().value as [string, number];
      this.byTopic.delete(oldest);
      alias = oldAlias;
    }
    this.byTopic.set(topic, alias);
    return { topic, alias };
  }
}

export type AliasResolution =
  | { ok: true; topic: string }
  | { ok: false; reasonCode: 0x94 | 0x82; statement: string | undefined; message: string };

export interface TopicAliasReceiverOptions {
  /** The Topic Alias Maximum we advertised (0 or absent: none). */
  maximum: number;
  /** Who sends to us; picks the statement a violation breaks. */
  peer: 'client' | 'server';
}

/**
 * Incoming aliases: accepts any alias from 1 to the maximum we advertised [v5 MQTT-3.3.2-10]
 * [v5 MQTT-3.3.2-12]. Alias 0 or above the maximum is "Topic Alias invalid" (0x94): a server broke
 * [v5 MQTT-3.3.2-11] / [v5 MQTT-3.1.2-27], a client [v5 MQTT-3.3.2-9] / [v5 MQTT-3.2.2-18]. An empty
 * topic with an alias that has no mapping on this connection is a Protocol Error (0x82).
 */
export class TopicAliasReceiver {
  private readonly topics: Array<string | undefined>;
  readonly maximum: number;
  private readonly peer: 'client' | 'server';

  constructor(options: TopicAliasReceiverOptions) {
    this.maximum = options.maximum;
    this.peer = options.peer;
    this.topics = new Array<string | undefined>(this.maximum + 1);
  }

  resolve(topic: string, alias: number | undefined): AliasResolution {
    if (alias === undefined) {
      if (topic === '') return { ok: false, reasonCode: 0x82, statement: 'MQTT-4.7.3-1', message: 'PUBLISH with an empty topic and no Topic Alias' };
      return { ok: true, topic };
    }
    if (alias === 0 || alias > this.maximum) {
      return { ok: false, reasonCode: 0x94, statement: this.outOfRangeStatement(), message: `Topic Alias ${alias} outside 1..${this.maximum}` };
    }
    if (topic !== '') {
      this.topics[alias] = topic;
      return { ok: true, topic };
    }
    const mapped = this.topics[alias];
    if (mapped === undefined) return { ok: false, reasonCode: 0x82, statement: undefined, message: `Topic Alias ${alias} has no mapping on this connection` };
    return { ok: true, topic: mapped };
  }

  private outOfRangeStatement(): string {
    if (this.peer === 'server') return this.maximum === 0 ? 'MQTT-3.1.2-27' : 'MQTT-3.3.2-11';
    return this.maximum === 0 ? 'MQTT-3.2.2-18' : 'MQTT-3.3.2-9';
  }
}
