// `$SYS/broker/...` statistics, published as retained broker messages at a fixed interval, under
// Mosquitto's topic names so existing dashboards work. A topic is republished only when its value
// changed. Load averages follow Mosquitto: the number per minute, as exponentially weighted moving
// averages over 1, 5 and 15 minutes; `$SYS/broker/rate/...` adds the plain per-second rate over the
// last interval. Clients cannot publish under `$SYS/` (the broker refuses it); reading needs a
// subscription the ACL allows (e.g. `topic read $SYS/#`).

import type { Broker } from './broker';
import type { BrokerStats } from './core';

export interface SysTopicsOptions {
  /** Seconds between updates. Default 10. */
  intervalSeconds?: number;
  /** Published once as $SYS/broker/version. */
  version: string;
}

/** The running totals the loads are computed from; `connections` is BrokerStats.connectionsTotal. */
type Counters = Pick<BrokerStats, 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut' | 'packetsIn' | 'packetsOut'> & {
  connections: number;
};

const WINDOWS = [['1min', 60], ['5min', 300], ['15min', 900]] as const;
const LOADS = [
  ['messages/received', 'packetsIn'], ['messages/sent', 'packetsOut'],
  ['publish/received', 'messagesIn'], ['publish/sent', 'messagesOut'],
  ['bytes/received', 'bytesIn'], ['bytes/sent', 'bytesOut'], ['connections', 'connections'],
] as const;

export class SysTopics {
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly startedAt = Date.now();
  private last: { at: number; counters: Counters } | undefined;
  private readonly loads = new Map<string, number>();
  private readonly published = new Map<string, string>();
  /** Our own $SYS messages, not counted as received publishes. */
  private ownMessages = 0;
  private connected = 0;
  private maximum = 0;
  private readonly onConnect = (): void => {
    this.connected++;
    if (this.connected > this.maximum) this.maximum = this.connected;
  };
  private readonly onDisconnect = (): void => {
    this.connected = Math.max(0, this.connected - 1);
  };

  constructor(private readonly broker: Broker, private readonly options: SysTopicsOptions) {
    this.intervalMs = Math.max(1, options.intervalSeconds ?? 10) * 1000;
  }

  start(): void {
    if (this.timer) return;
    this.broker.on('clientConnect', this.onConnect);
    this.broker.on('clientDisconnect', this.onDisconnect);
    this.connected = this.maximum = this.broker.clients().length;
    this.update();
    this.timer = setInterval(() => this.update(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.broker.off('clientConnect', this.onConnect);
    this.broker.off('clientDisconnect', this.onDisconnect);
  }

  /** Computes every value now and publishes those that changed. */
  update(now = Date.now()): void {
    for (const [topic, value] of this.sample(now)) {
      if (this.published.get(topic) === value) continue;
      this.published.set(topic, value);
      this.ownMessages++;
      void this.broker.publish({ topic: `$SYS/broker/${topic}`, payload: value, retain: true }).catch(() => undefined);
    }
  }

  /** Topic (below $SYS/broker/) and value pairs for the current state. */
  sample(now: number): Array<[string, string]> {
    const stats = this.broker.stats;
    const counters: Counters = {
      messagesIn: stats.messagesIn - this.ownMessages, messagesOut: stats.messagesOut, bytesIn: stats.bytesIn,
      bytesOut: stats.bytesOut, packetsIn: stats.packetsIn, packetsOut: stats.packetsOut, connections: stats.connectionsTotal,
    };
    const out: Array<[string, string]> = [
      ['version', this.options.version],
      ['uptime', `${Math.floor((now - this.startedAt) / 1000)} seconds`],
      ['clients/connected', String(this.connected)],
      ['clients/maximum', String(this.maximum)],
      ['clients/total', String(stats.sessions)],
      ['clients/disconnected', String(Math.max(0, stats.sessions - this.connected))],
      ['messages/received', String(counters.packetsIn)],
      ['messages/sent', String(counters.packetsOut)],
      ['publish/messages/received', String(counters.messagesIn)],
      ['publish/messages/sent', String(counters.messagesOut)],
      ['publish/messages/dropped', String(stats.droppedQos0 + stats.droppedQueueFull + stats.droppedTooLarge + stats.droppedExpired)],
      ['bytes/received', String(counters.bytesIn)],
      ['bytes/sent', String(counters.bytesOut)],
      ['subscriptions/count', String(stats.subscriptions)],
      ['retained messages/count', String(stats.retained)],
    ];
    this.addRates(out, counters, now);
    return out;
  }

  private addRates(out: Array<[string, string]>, counters: Counters, now: number): void {
    const last = this.last;
    this.last = { at: now, counters };
    if (!last || now <= last.at) return;
    const seconds = (now - last.at) / 1000;
    for (const [name, field] of LOADS) {
      const perSecond = Math.max(0, counters[field] - last.counters[field]) / seconds;
      if (field !== 'connections' && !name.startsWith('messages/')) out.push([`rate/${name}`, perSecond.toFixed(2)]);
      for (const [label, windowSeconds] of WINDOWS) {
        const key = `load/${name}/${label}`;
        const decay = Math.exp(-seconds / windowSeconds);
        const previous = this.loads.get(key) ?? perSecond * 60;
        const load = previous * decay + perSecond * 60 * (1 - decay);
        this.loads.set(key, load);
        out.push([key, load.toFixed(2)]);
      }
    }
  }
}
