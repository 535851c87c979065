// Model-based test: seeded random interleavings of user publishes, packet deliveries both ways, lost
// connections, reconnects (resumed and clean) and restarts from the file store, between a ClientSession
// driven like the real driver (effects applied in order, store writes awaited, packets through the real
// codec) and an independent reference broker. Checked against the guarantees we promise:
//   QoS 1 never lost; QoS 2 never lost and, while the server keeps the session, never duplicated (a
//   duplicate is allowed only across server sessions); QoS 0 at most once; per topic and QoS the first
//   receptions follow publish order; every command of a live process completes exactly once, and a QoS
//   1/2 publish completes only after the broker has the message. The same in the other direction.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '../../src/codec';
import type { ConnectPacket, ProtocolVersion, QoS } from '../../src/codec/types';
import { ClientSession } from '../../src/session/client-session';
import type { Effect } from '../../src/session/effects';
import { QueueFullError } from '../../src/session/errors';
import { FileStore } from '../../src/store/file-store';
import { MemoryStore } from '../../src/store/memory-store';
import type { SessionStore } from '../../src/store/types';
import { prng } from '../prng';
import { ReferenceBroker } from './model-broker';

interface RunConfig {
  seed: number;
  version: ProtocolVersion;
  /** resume: the broker always keeps the session. mixed: clean starts and lost server sessions too. */
  mode: 'resume' | 'mixed';
  store: 'memory' | 'file';
  steps: number;
}

interface Published {
  index: number;
  qos: QoS;
  topic: string;
  /** The handle belongs to the current process (no restart since). */
  alive: boolean;
  outcomes: number;
  failed: boolean;
}

const TOPICS = ['a', 'b', 'c/d'];

class Harness {
  readonly rnd: () => number;
  readonly broker: ReferenceBroker;
  session!: ClientSession<string>;
  store!: SessionStore;
  c2b: Buffer[] = [];
  b2c: Buffer[] = [];
  up = false;
  now = 1;
  draining = false;
  readonly published = new Map<string, Published>();
  readonly clientApp: string[] = [];
  readonly subscribes = new Map<string, { alive: boolean; outcomes: number }>();
  private nextUid = 1;

  constructor(readonly cfg: RunConfig, private readonly dir: string) {
    this.rnd = prng(cfg.seed);
    this.broker = new ReferenceBroker(cfg.version, { receiveMaximum: 3, topicAliasMaximum: 2 }, (p) => this.b2c.push(encode(p, cfg.version)));
  }

  async start(): Promise<void> {
    this.store = this.cfg.store === 'file'
      ? await FileStore.open(join(this.dir, `model-${this.cfg.seed}.log`), { fsync: 'none' })
      : new MemoryStore();
    this.session = this.newSession();
  }

  newSession(): ClientSession<string> {
    const bounded = this.cfg.seed % 3 === 0;
    return new ClientSession<string>({
      protocolVersion: this.cfg.version, qos0WhileOffline: this.cfg.seed % 2 === 0 ? 'queue' : 'drop',
      maxQueuedMessages: bounded ? 12 : 10_000, connectTimeoutMs: 0,
    });
  }

  async step(): Promise<void> {
    this.now++;
    const r = this.rnd();
    if (r < 0.3) return this.userPublish();
    if (r < 0.55) return this.deliverToBroker();
    if (r < 0.8) return this.deliverToClient();
    if (r < 0.88) return void this.broker.publishToClient(Math.floor(this.rnd() * 3) as QoS, 'from/broker');
    if (r < 0.9) return this.userSubscribe();
    if (r < 0.94) return this.up ? this.loseConnection() : this.reconnect();
    if (r < 0.975) return this.up ? undefined : this.reconnect();
    if (this.cfg.store === 'file') return this.restart();
  }

  async userPublish(): Promise<void> {
    const uid = `m${this.nextUid++}`;
    const qos = Math.floor(this.rnd() * 3) as QoS;
    const topic = TOPICS[Math.floor(this.rnd() * TOPICS.length)]!;
    this.published.set(uid, { index: this.published.size, qos, topic, alive: true, outcomes: 0, failed: false });
    await this.apply(this.session.publish(uid, { topic, payload: Buffer.from(uid), qos, retain: false }, this.now));
  }

  async userSubscribe(): Promise<void> {
    const handle = `s${this.nextUid++}`;
    this.subscribes.set(handle, { alive: true, outcomes: 0 });
    await this.apply(this.session.subscribe(handle, { subscriptions: [{ topicFilter: 'from/#', qos: 2 }] }, this.now));
  }

  async deliverToBroker(): Promise<void> {
    const frame = this.c2b.shift();
    if (!frame) return;
    const keep = this.draining || this.cfg.mode === 'resume' || this.rnd() < 0.6;
    this.broker.receive(decode(frame, this.cfg.version), keep);
  }

  async deliverToClient(): Promise<void> {
    const frame = this.b2c.shift();
    if (!frame) return;
    await this.apply(this.session.onPacket(decode(frame, this.cfg.version), this.now));
  }

  async loseConnection(): Promise<void> {
    this.up = false;
    this.c2b = [];
    this.b2c = [];
    this.broker.connectionLost();
    await this.apply(this.session.connectionLost(this.now));
  }

  async reconnect(): Promise<void> {
    const clean = !this.draining && this.cfg.mode === 'mixed' && this.rnd() < 0.3;
    const connect: ConnectPacket = {
      type: 'connect', protocolVersion: this.cfg.version, clientId: 'model', clean, keepalive: 0,
      ...(this.cfg.version === 5 ? { properties: { receiveMaximum: 4, topicAliasMaximum: 2, sessionExpiryInterval: 3600 } } : {}),
    };
    this.up = true;
    await this.apply(this.session.connectionOpened(connect, this.now));
  }

  /** The process dies between steps and comes back from the file store. */
  async restart(): Promise<void> {
    if (this.up) await this.loseConnection();
    await this.store.close();
    for (const p of this.published.values()) p.alive = false;
    for (const s of this.subscribes.values()) s.alive = false;
    this.store = await FileStore.open(join(this.dir, `model-${this.cfg.seed}.log`), { fsync: 'none' });
    this.session = this.newSession();
    this.session.restore(await this.store.load());
  }

  /** Applies effects the way the driver must: in order, each store write committed before what follows. */
  async apply(fx: Effect<string>[]): Promise<void> {
    for (const e of fx) {
      switch (e.kind) {
        case 'send': this.c2b.push(encode(e.packet, this.cfg.version)); break;
        case 'persist': await this.store.putOutgoing(e.record); break;
        case 'unpersist': await this.store.removeOutgoing(e.seq); break;
        case 'persistIncoming': await this.store.putIncoming(e.packetId); break;
        case 'unpersistIncoming': await this.store.removeIncoming(e.packetId); break;
        case 'deliver': this.clientApp.push(e.packet.payload.toString()); break;
        case 'complete': this.onOutcome(e.handle, e.result.kind === 'published' || e.result.kind === 'dropped' ? undefined : 'ok'); break;
        case 'fail':
          assert.ok(e.error instanceof QueueFullError, `unexpected failure: ${e.error.message}`);
          this.onOutcome(e.handle, 'failed');
          break;
        case 'connected': case 'schedule': break;
        default: assert.fail(`unexpected effect ${JSON.stringify(e)}`);
      }
    }
  }

  private onOutcome(handle: string | undefined, how: 'ok' | 'failed' | undefined): void {
    if (handle === undefined) return;
    const sub = this.subscribes.get(handle);
    if (sub) {
      sub.outcomes++;
      return;
    }
    const p = this.published.get(handle)!;
    p.outcomes++;
    if (how === 'failed') p.failed = true;
    else if (p.qos > 0) assert.ok(this.broker.received.some((r) => r.uid === handle), `${handle} completed before the broker had it`);
  }

  async drain(): Promise<void> {
    this.draining = true;
    for (let round = 0; round < 50; round++) {
      if (!this.up) await this.reconnect();
      while (this.c2b.length > 0 || this.b2c.length > 0) {
        await this.deliverToBroker();
        await this.deliverToClient();
      }
      const s = this.session.stats;
      if (s.messages === 0 && s.controlPending === 0) return;
    }
    assert.fail(`not drained: ${JSON.stringify(this.session.stats)}`);
  }
}

function check(h: Harness): void {
  const where = JSON.stringify(h.cfg);
  const byUid = new Map<string, { epoch: number }[]>();
  for (const r of h.broker.received) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), r]);
  for (const [uid, p] of h.published) {
    const got = byUid.get(uid) ?? [];
    if (p.alive) assert.equal(p.outcomes, 1, `${uid} (QoS ${p.qos}) completed ${p.outcomes} times, ${where}`);
    else assert.ok(p.outcomes <= 1, `${uid} completed twice, ${where}`);
    if (p.qos === 0) {
      assert.ok(got.length <= 1, `QoS 0 ${uid} received ${got.length} times, ${where}`);
      continue;
    }
    if (p.failed) continue;
    assert.ok(got.length >= 1, `QoS ${p.qos} ${uid} lost, ${where}`);
    if (p.qos === 2) {
      const epochs = new Set(got.map((r) => r.epoch));
      assert.equal(epochs.size, got.length, `QoS 2 ${uid} duplicated within one server session, ${where}`);
      if (h.cfg.mode === 'resume') assert.equal(got.length, 1, `QoS 2 ${uid} duplicated, ${where}`);
    }
  }
  // Order: per topic and QoS, first receptions follow publish order.
  const seen = new Set<string>();
  const last = new Map<string, number>();
  for (const r of h.broker.received) {
    if (r.qos === 0 || seen.has(r.uid)) continue;
    seen.add(r.uid);
    const key = `${r.topic}|${r.qos}`;
    const index = h.published.get(r.uid)!.index;
    assert.ok(index > (last.get(key) ?? -1), `order broken on ${key} at ${r.uid}, ${where}`);
    last.set(key, index);
  }
  for (const [handle, s] of h.subscribes) {
    if (s.alive) assert.equal(s.outcomes, 1, `subscribe ${handle} completed ${s.outcomes} times`);
  }
  // The other direction.
  const delivered = new Map<string, number>();
  for (const uid of h.clientApp) delivered.set(uid, (delivered.get(uid) ?? 0) + 1);
  for (const [uid, m] of h.broker.sentToClient) {
    const n = delivered.get(uid) ?? 0;
    if (m.qos === 0 || m.qos === 2) assert.ok(n <= 1, `broker QoS ${m.qos} ${uid} delivered ${n} times, ${where}`);
    if (m.qos > 0 && !m.cancelled) {
      assert.ok(m.done, `broker QoS ${m.qos} ${uid} never acknowledged, ${where}`);
      assert.ok(n >= 1, `broker QoS ${m.qos} ${uid} never delivered, ${where}`);
    }
  }
  const stats = h.session.stats;
  assert.deepEqual([stats.queued, stats.inflight, stats.messages], [0, 0, 0], where);
}

describe('session/model: random interleavings against a reference broker', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqkit-model-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const SEEDS = Number(process.env.MQKIT_MODEL_SEEDS ?? 12);
  for (const version of [4, 5] as const) {
    for (const mode of ['resume', 'mixed'] as const) {
      for (const store of ['memory', 'file'] as const) {
        const name = `${version === 5 ? 'v5' : '3.1.1'} ${mode} sessions, ${store} store${store === 'file' ? ' with restarts' : ''}`;
        const cites = version === 5
          ? '[v5 MQTT-4.4.0-1] [v5 MQTT-4.6.0-1] [v5 MQTT-4.3.3-10] [v5 MQTT-3.3.4-7] [v5 MQTT-3.3.2-7]'
          : '[3.1.1 MQTT-4.4.0-1] [3.1.1 MQTT-4.6.0-1] [3.1.1 MQTT-4.3.2-1] [3.1.1 MQTT-4.3.3-1]';
        it(`${name}: QoS 1 never lost, QoS 2 never lost nor duplicated per server session, order kept ${cites}`, async () => {
          for (let i = 0; i < SEEDS; i++) {
            const seed = 1000 * version + (mode === 'mixed' ? 500 : 0) + (store === 'file' ? 250 : 0) + i;
            const h = new Harness({ seed, version, mode, store, steps: 300 }, dir);
            await h.start();
            for (let s = 0; s < h.cfg.steps; s++) await h.step();
            await h.drain();
            check(h);
            if (process.env.MQKIT_MODEL_DEBUG) {
              const dups = h.broker.received.length - new Set(h.broker.received.map((r) => r.uid)).size;
              console.log(seed, 'published', h.published.size, 'received', h.broker.received.length, 'dups', dups, 'epochs', h.broker.epoch, 'toClient', h.broker.sentToClient.size, 'delivered', h.clientApp.length, 'failed', [...h.published.values()].filter((p) => p.failed).length);
            }
            await h.store.close();
          }
        });
      }
    }
  }
});
