// The broker's file persistence under SIGKILL, for real: a broker runs in a child process; publishers
// send retained QoS 1 messages and QoS 1/2 messages for persistent sessions (two offline, one online and
// acknowledging); the child is killed at a seeded random moment (every other round right after a log
// compaction started) and restarted on the same directory. Then every acknowledged message must be
// there: each retained topic holds its last acknowledged value or a later one, each persistent session
// receives every acknowledged message (duplicates allowed at QoS 1, nothing unknown or corrupt). The
// directory is carried through all rounds, so each recovery starts from a recovered, compacted log.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Framer, decode, encode } from '../../src/codec';
import type { ConnackPacket, ConnectPacket, Packet, ProtocolVersion, QoS } from '../../src/codec/types';
import { prng } from '../prng';

const SEED = Number(process.env.MQKIT_BROKER_CRASH_SEED ?? 20251122);
const ROUNDS = 6;

const digest = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);
const payloadOf = (id: string, pad: number): string => `${id}|${'x'.repeat(pad)}|${digest(`${id}|${pad}`)}`;
/** The id in a payload, after checking it is intact. */
function idOf(payload: string): string {
  const [id, pad, sum] = payload.split('|');
  assert.ok(id && pad !== undefined && sum === digest(`${id}|${pad.length}`), `corrupt payload ${payload.slice(0, 60)}`);
  return id;
}

/**
 * A minimal MQTT client over TCP on our codec. Packets after CONNACK wait in a backlog until a handler is
 * set (a resumed session's PUBLISH packets arrive in the same chunk as the CONNACK).
 */
class Wire {
  readonly closed: Promise<void>;
  private readonly framer = new Framer();
  private handler: ((p: Packet) => void) | undefined;
  private readonly backlog: Packet[] = [];

  private constructor(private readonly socket: net.Socket, private readonly version: ProtocolVersion) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) {
        const packet = decode(frame, version);
        if (this.handler) this.handler(packet);
        else this.backlog.push(packet);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number, fields: Partial<ConnectPacket> & { protocolVersion: ProtocolVersion }): Promise<Wire> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const wire = new Wire(socket, fields.protocolVersion);
    const connack = await new Promise<ConnackPacket>((resolve, reject) => {
      wire.handler = (p) => {
        wire.handler = undefined;
        if (p.type === 'connack') resolve(p);
        else reject(new Error(`expected CONNACK, got ${p.type}`));
      };
      wire.send({ type: 'connect', clientId: '', clean: true, keepalive: 0, ...fields });
    });
    assert.equal(connack.reasonCode, 0);
    return wire;
  }

  set onPacket(handler: (p: Packet) => void) {
    this.handler = handler;
    for (const p of this.backlog.splice(0)) handler(p);
  }

  send(p: Packet): void {
    if (!this.socket.destroyed) this.socket.write(encode(p, this.version));
  }

  async end(): Promise<void> {
    this.send({ type: 'disconnect' });
    this.socket.end();
    await this.closed;
  }
}

/** What the publishers sent and what the broker acknowledged, across all rounds. */
class Ledger {
  /** Retained topic -> ids in send order, and the index of the last acknowledged one (-1: none). */
  readonly retained = new Map<string, { ids: string[]; acked: number }>();
  readonly queuedSent = new Set<string>();
  readonly queuedAcked = new Set<string>();
}

/** Publishes until its connection dies: a window of 8 unacknowledged messages, refilled on each ack. */
function publisher(wire: Wire, name: string, round: number, rnd: () => number, ledger: Ledger): void {
  let n = 0;
  let nextId = 1;
  const open = new Map<number, { kind: 'retained' | 'queued'; topic: string; id: string; index: number }>();
  const sendOne = (): void => {
    const packetId = nextId;
    nextId = nextId === 65535 ? 1 : nextId + 1;
    const id = `${name}.${round}.${n++}`;
    const pad = Math.floor(rnd() * 1500);
    if (rnd() < 0.4) {
      const topic = `r/${name}/${Math.floor(rnd() * 4)}`;
      const entry = ledger.retained.get(topic) ?? { ids: [], acked: -1 };
      ledger.retained.set(topic, entry);
      entry.ids.push(id);
      open.set(packetId, { kind: 'retained', topic, id, index: entry.ids.length - 1 });
      wire.send({ type: 'publish', topic, payload: Buffer.from(payloadOf(id, pad)), qos: 1, retain: true, dup: false, packetId });
    } else {
      const qos: QoS = rnd() < 0.5 ? 1 : 2;
      ledger.queuedSent.add(id);
      open.set(packetId, { kind: 'queued', topic: `q/${name}`, id, index: 0 });
      wire.send({ type: 'publish', topic: `q/${name}`, payload: Buffer.from(payloadOf(id, pad)), qos, retain: false, dup: false, packetId });
    }
  };
  const acked = (packetId: number): void => {
    const m = open.get(packetId);
    if (!m) return;
    if (m.kind === 'queued') ledger.queuedAcked.add(m.id);
    else {
      const entry = ledger.retained.get(m.topic)!;
      entry.acked = Math.max(entry.acked, m.index);
    }
  };
  wire.onPacket = (p) => {
    if (p.type === 'puback') {
      acked(p.packetId);
      open.delete(p.packetId);
      sendOne();
    } else if (p.type === 'pubrec') {
      acked(p.packetId);
      wire.send({ type: 'pubrel', packetId: p.packetId, reasonCode: 0 });
    } else if (p.type === 'pubcomp') {
      open.delete(p.packetId);
      sendOne();
    }
  };
  for (let i = 0; i < 8; i++) sendOne();
}

interface Subscriber {
  clientId: string;
  version: ProtocolVersion;
  qos: QoS;
  received: Set<string>;
  corrupt: string[];
  wire?: Wire | undefined;
}

/** Connects a persistent subscriber that acknowledges everything; resolves its wire and a marker promise. */
async function attach(port: number, sub: Subscriber, marker: string): Promise<{ wire: Wire; sawMarker: Promise<void> }> {
  let seen!: () => void;
  const sawMarker = new Promise<void>((resolve) => (seen = resolve));
  const wire = await Wire.open(port, {
    protocolVersion: sub.version, clientId: sub.clientId, clean: false,
    ...(sub.version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
  });
  wire.onPacket = (p) => {
    if (p.type === 'publish') {
      const text = p.payload.toString();
      // Markers of earlier rounds may come again: their acknowledgement was not waited for before the kill.
      if (text.startsWith('marker ')) {
        if (text === marker) seen();
      } else {
        try {
          sub.received.add(idOf(text));
        } catch (err) {
          sub.corrupt.push((err as Error).message);
        }
      }
      if (p.qos === 1) wire.send({ type: 'puback', packetId: p.packetId!, reasonCode: 0 });
      if (p.qos === 2) wire.send({ type: 'pubrec', packetId: p.packetId!, reasonCode: 0 });
    } else if (p.type === 'pubrel') {
      wire.send({ type: 'pubcomp', packetId: p.packetId, reasonCode: 0 });
    }
  };
  sub.wire = wire;
  return { wire, sawMarker };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]);
}

class Child {
  readonly port: Promise<number>;
  readonly exited: Promise<void>;
  private compactionWaiters: Array<() => void> = [];
  private stderr = '';
  private readonly proc: ChildProcess;

  constructor(dir: string, fsync: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'crash-broker.ts'), dir, fsync],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    this.port = new Promise((resolve, reject) => {
      this.proc.once('exit', (code, signal) => reject(new Error(`broker child exited (${code ?? signal}): ${this.stderr}`)));
      createInterface({ input: this.proc.stdout! }).on('line', (line) => {
        const [tag, value] = line.split(' ');
        if (tag === 'PORT') resolve(Number(value));
        if (tag === 'C' && value === 'start') for (const wake of this.compactionWaiters.splice(0)) wake();
      });
    });
  }

  nextCompaction(): Promise<void> {
    return new Promise((resolve) => this.compactionWaiters.push(resolve));
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
    assert.equal(this.stderr, '', 'the broker child reported no errors');
  }
}

describe('broker file persistence under SIGKILL', function () {
  this.timeout(180_000);

  for (const [fsync, seedOffset] of [['batch', 0], ['none', 1]] as const) {
    it(`every acknowledged retained and queued message survives kill -9 and restarts (fsync ${fsync}, seed ${SEED + seedOffset})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mqttkit-broker-crash-'));
      const rnd = prng(SEED + seedOffset);
      const ledger = new Ledger();
      const subs: Subscriber[] = [
        { clientId: 'offline-v5', version: 5, qos: 2, received: new Set(), corrupt: [] },
        { clientId: 'offline-v4', version: 4, qos: 1, received: new Set(), corrupt: [] },
        { clientId: 'online-v5', version: 5, qos: 1, received: new Set(), corrupt: [] },
      ];
      let child = new Child(dir, fsync);
      try {
        let port = await child.port;
        for (const sub of subs) {
          const { wire } = await attach(port, sub, 'never');
          wire.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'q/#', qos: sub.qos }] });
          if (sub.clientId.startsWith('offline')) await wire.end();
        }
        let compactionKills = 0;
        for (let round = 1; round <= ROUNDS; round++) {
          const pubs = await Promise.all(['p0', 'p1', 'p2'].map(async (name) => {
            const wire = await Wire.open(port, { protocolVersion: name === 'p2' ? 4 : 5, clientId: `${name}-${round}` });
            publisher(wire, name, round, rnd, ledger);
            return wire;
          }));
          const delay = 150 + Math.floor(rnd() * 500);
          if (round % 2 === 0) {
            const hit = await withTimeout(child.nextCompaction().then(() => true), 4000, 'compaction').catch(() => false);
            if (hit) compactionKills++;
          } else {
            await new Promise((r) => setTimeout(r, delay));
          }
          await child.kill();
          await Promise.all(pubs.map((w) => w.closed));
          await subs[2]!.wire?.closed;

          child = new Child(dir, fsync);
          port = await child.port;
          await verifyRetained(port, ledger);
          const marker = `marker ${round}`;
          const attached = await Promise.all(subs.map((s) => attach(port, s, marker)));
          const checker = await Wire.open(port, { protocolVersion: 5, clientId: `checker-${round}` });
          checker.send({ type: 'publish', topic: 'q/marker', payload: Buffer.from(marker), qos: 1, retain: false, dup: false, packetId: 1 });
          const seen = attached.map(() => false);
          attached.forEach((a, i) => void a.sawMarker.then(() => (seen[i] = true)));
          await withTimeout(Promise.all(attached.map((a) => a.sawMarker)), 10_000, `${marker} at every subscriber`)
            .catch((err: Error) => {
              throw new Error(`${err.message}: seen ${seen}, received ${subs.map((s) => s.received.size)}, acked ${ledger.queuedAcked.size}`);
            });
          await checker.end();
          for (const sub of subs) {
            const missing = [...ledger.queuedAcked].filter((id) => !sub.received.has(id));
            assert.deepEqual(missing.slice(0, 5), [], `${sub.clientId} lost ${missing.length} acknowledged messages in round ${round}`);
            assert.deepEqual(sub.corrupt, [], `${sub.clientId} got corrupt payloads`);
            const unknown = [...sub.received].filter((id) => !ledger.queuedSent.has(id));
            assert.deepEqual(unknown, [], `${sub.clientId} got messages nobody sent`);
          }
          for (const a of attached.slice(0, 2)) await a.wire.end();
        }
        assert.ok(ledger.queuedAcked.size > 100, `enough traffic (${ledger.queuedAcked.size} acknowledged queued messages)`);
        assert.ok(compactionKills >= 1, 'at least one kill landed during a compaction');
      } finally {
        await child.kill().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Each retained topic holds its last acknowledged value or a later one that was sent. */
async function verifyRetained(port: number, ledger: Ledger): Promise<void> {
  const got = new Map<string, string>();
  const wire = await Wire.open(port, { protocolVersion: 5, clientId: 'retained-checker' });
  const done = new Promise<void>((resolve) => {
    wire.onPacket = (p) => {
      if (p.type === 'publish') got.set(p.topic, p.payload.toString());
      if (p.type === 'pingresp') resolve();
      if (p.type === 'suback') wire.send({ type: 'pingreq' });
    };
  });
  wire.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'r/#', qos: 0 }] });
  await withTimeout(done, 5000, 'retained messages');
  await wire.end();
  for (const [topic, entry] of ledger.retained) {
    const payload = got.get(topic);
    const id = payload === undefined ? undefined : idOf(payload);
    if (entry.acked < 0 && id === undefined) continue;
    assert.ok(id !== undefined, `retained ${topic} lost (last acknowledged ${entry.ids[entry.acked]})`);
    const index = entry.ids.indexOf(id);
    assert.ok(index >= 0, `retained ${topic} holds ${id}, which was never sent there`);
    assert.ok(index >= entry.acked, `retained ${topic} went back to ${id} (index ${index}) after ${entry.ids[entry.acked]} was acknowledged`);
  }
  for (const topic of got.keys()) assert.ok(ledger.retained.has(topic), `unknown retained topic ${topic}`);
}
