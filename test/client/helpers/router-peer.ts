// A scripted broker session that routes like a real broker but sends ONE COPY PER MATCHING SUBSCRIPTION
// (the style MQTT 3.1.1 [MQTT-3.3.5-1] and v5 [MQTT-3.3.4-5] allow, and Mosquitto uses), or with
// `style: 'combined'` one copy naming every matching Subscription Identifier [MQTT-3.3.4-4]. It answers
// SUBSCRIBE / UNSUBSCRIBE itself, keeps retained messages and sends them on subscribe per Retain Handling,
// and logs what the client asked, so tests can check the order of SUBSCRIBE and UNSUBSCRIBE.
import type { Packet, PublishPacket, QoS, Subscription } from '../../../src/codec/types';
import { matchTopic, parseSharedFilter } from '../../../src/topic';
import type { PeerConnection } from './peer';

interface Held {
  filter: string;
  match: string;
  qos: QoS;
  rap: boolean;
  id: number | undefined;
}

export interface RouterOptions {
  style?: 'per-subscription' | 'combined';
  /** SUBACK code for a filter (default: the QoS asked). */
  grant?: (filter: string, qos: QoS) => number;
  /** Hold SUBACK for these filters until release() (the subscription is in force meanwhile). */
  holdSuback?: (filter: string) => boolean;
}

export class RouterPeer {
  readonly subscriptions = new Map<string, Held>();
  readonly retained = new Map<string, string>();
  /** "+filter" per SUBSCRIBE entry, "-filter" per UNSUBSCRIBE entry, in arrival order. */
  readonly log: string[] = [];
  private readonly held: Array<() => void> = [];
  private waiters: Array<() => void> = [];

  constructor(
    readonly peer: PeerConnection,
    private readonly options: RouterOptions = {},
  ) {
    peer.on('packet', (p: Packet) => this.onPacket(p));
  }

  /** Filters held now, sorted. */
  get filters(): string[] {
    return [...this.subscriptions.keys()].sort();
  }

  /** Sends every held SUBACK. */
  release(): void {
    for (const send of this.held.splice(0)) send();
  }

  /** Routes a publish from "another client"; returns the number of copies sent. */
  publish(topic: string, payload: string, options: { retain?: boolean } = {}): number {
    if (options.retain) this.retained.set(topic, payload);
    const matching = [...this.subscriptions.values()].filter((s) => matchTopic(s.match, topic));
    if (matching.length === 0) return 0;
    if (this.options.style === 'combined') {
      const ids = matching.flatMap((s) => (s.id === undefined ? [] : [s.id]));
      const retain = options.retain === true && matching.some((s) => s.rap);
      this.send(topic, payload, { retain, ids });
      return 1;
    }
    for (const s of matching) this.send(topic, payload, { retain: options.retain === true && s.rap, ids: s.id === undefined ? [] : [s.id] });
    return matching.length;
  }

  /** Resolves when `predicate` holds after some packet from the client (or holds now). */
  until(predicate: () => boolean, what: string, ms = 3000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; log ${JSON.stringify(this.log)}`)), ms);
      const check = (): void => {
        if (!predicate()) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private send(topic: string, payload: string, o: { retain: boolean; ids: number[] }): void {
    const packet: PublishPacket = { type: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: o.retain, dup: false };
    if (this.peer.version === 5 && o.ids.length > 0) packet.properties = { subscriptionIdentifiers: o.ids };
    this.peer.send(packet);
  }

  private onPacket(p: Packet): void {
    if (p.type === 'subscribe') this.onSubscribe(p.packetId, p.subscriptions, p.properties?.subscriptionIdentifier);
    if (p.type === 'unsubscribe') {
      for (const f of p.topicFilters) {
        this.log.push(`-${f}`);
        this.subscriptions.delete(f);
      }
      this.peer.send({ type: 'unsuback', packetId: p.packetId, ...(this.peer.version === 5 ? { reasonCodes: p.topicFilters.map(() => 0) } : {}) });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private onSubscribe(packetId: number, subs: Subscription[], id: number | undefined): void {
    const codes: number[] = [];
    const retainedFor: Held[] = [];
    let hold = false;
    for (const s of subs) {
      this.log.push(`+${s.topicFilter}`);
      const code = this.options.grant?.(s.topicFilter, s.qos) ?? s.qos;
      codes.push(code);
      if (code >= 0x80) continue;
      const shared = parseSharedFilter(s.topicFilter);
      const existed = this.subscriptions.has(s.topicFilter);
      const held: Held = { filter: s.topicFilter, match: shared?.filter ?? s.topicFilter, qos: code as QoS, rap: s.retainAsPublished === true, id };
      this.subscriptions.set(s.topicFilter, held);
      const handling = this.peer.version === 5 ? (s.retainHandling ?? 0) : 0;
      if (!shared && (handling === 0 || (handling === 1 && !existed))) retainedFor.push(held);
      hold ||= this.options.holdSuback?.(s.topicFilter) === true;
    }
    const answer = (): void => {
      this.peer.send({ type: 'suback', packetId, reasonCodes: codes });
      for (const h of retainedFor) {
        for (const [topic, payload] of this.retained) {
          if (matchTopic(h.match, topic)) this.send(topic, payload, { retain: true, ids: h.id === undefined ? [] : [h.id] });
        }
      }
    };
    if (hold) this.held.push(answer);
    else answer();
  }
}
