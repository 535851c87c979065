// `npm run bench:broker`: the embedded broker against aedes and Mosquitto, end to end over loopback TCP.
//
// Each broker runs in its own process (ours and aedes in a child Node.js, Mosquitto natively); the load
// generator runs here: raw MQTT 3.1.1 clients on sockets, frames encoded once by our codec and written as bytes,
// so every broker faces exactly the same clients. Scenarios:
//   fan-in   4 publishers -> 1 wildcard subscriber (bench/#)      QoS 0 and QoS 1 (subscriber acknowledges)
//   fan-out  1 publisher  -> 100 subscribers                       QoS 0 and QoS 1
//   request/response round trip: A publishes a request, B (subscribed) replies, A measures; one at a time,
//            QoS 0 and QoS 1 (p50 / p99)
//   memory   per idle connection (CONNECT + one SUBSCRIBE), 2000 connections: RSS delta of the broker process,
//            and for the Node brokers heap + external after GC
// Publishers keep at most LIMIT messages not yet delivered to every subscriber (and QoS 1 publishers at
// most 64 unacknowledged), so the numbers are delivered messages per second, not what a broker dropped.
// Ours runs as shipped: src/broker bundled by esbuild. Options: --seconds=N (default 3), --rounds=N (default 3),
// --only=ours,aedes,mosquitto
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { Framer, encode } from '../src/codec';
import type { Packet, QoS } from '../src/codec/types';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const LIMIT = 2000;
const QOS1_WINDOW = 64;
const PAYLOAD = Buffer.alloc(64, 0x61);

// ---------------------------------------------------------------------------------------------
// Brokers under test
// ---------------------------------------------------------------------------------------------

interface Memory {
  rss: number;
  heap: number | undefined;
}

interface Target {
  name: string;
  port: number;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

const CHILD_MAIN = `
process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof can write its profile
const readline = require('node:readline');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'mem') return;
  global.gc(); global.gc();
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers }) + '\\n');
});
`;

const OURS = `${CHILD_MAIN}
const { Broker } = require(process.env.BUNDLE);
const broker = new Broker({ maxConnections: 100000 });
broker.listen({ port: 0, host: '127.0.0.1' }).then((l) => process.stdout.write(JSON.stringify({ port: l.address().port }) + '\\n'));
`;

const AEDES = `${CHILD_MAIN}
(async () => {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server = require('node:net').createServer({ noDelay: true }, aedes.handle);
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
})();
`;

function lines(child: ChildProcess): () => Promise<string> {
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  const ready: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else ready.push(line);
    }
  });
  return () => (ready.length > 0 ? Promise.resolve(ready.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

async function startNode(name: string, script: string, env: Record<string, string>): Promise<Target> {
  // BENCH_NODE_FLAGS (e.g. "--cpu-prof") goes to the broker child, for profiling.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...flags, '-e', script], {
    cwd: join(__dirname, '..'), env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const nextLine = lines(child);
  const { port } = JSON.parse(await nextLine()) as { port: number };
  return {
    name, port,
    async memory() {
      child.stdin!.write('mem\n');
      return JSON.parse(await nextLine()) as Memory;
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The mosquitto binary: MOSQUITTO_BIN, the usual places, or PATH. */
function mosquittoBin(): string | undefined {
  const candidates = [process.env.MOSQUITTO_BIN, '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto', '/opt/homebrew/sbin/mosquitto'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function hasMosquitto(): boolean {
  return mosquittoBin() !== undefined;
}

async function startMosquitto(): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-kit-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type none\nset_tcp_nodelay true\nmax_inflight_messages 64\n`);
  // TCP_NODELAY as ours and aedes have it (without it a QoS 1 round trip measures Nagle against delayed ACK,
  // ~44 ms), and the same outbound window as ours (max_inflight_messages 64; its default is 20); the rest
  // is default (max_queued_messages 1000, as ours).
  const child = spawn(mosquittoBin()!, ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name: 'mosquitto', port,
    async memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024, heap: undefined };
    },
    stop: () => stopChild(child),
  };
}

function bundleOurs(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'mqtt-kit-bench-')), 'broker.cjs');
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'broker', 'index.ts')], outfile, bundle: true, platform: 'node',
    format: 'cjs', target: 'node18', logLevel: 'warning',
  });
  return outfile;
}

// ---------------------------------------------------------------------------------------------
// Load generator: raw MQTT 3.1.1 clients on pre-encoded frames
// ---------------------------------------------------------------------------------------------

class Peer {
  private readonly framer = new Framer();
  onFrame: (frame: Buffer) => void = () => undefined;
  onChunk: () => void = () => undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // Replies to one chunk (PUBACKs, next PUBLISHes) leave in one write, as a real client's would.
      socket.cork();
      for (const frame of this.framer.push(chunk)) this.onFrame(frame);
      this.onChunk();
      socket.uncork();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, clientId: string): Promise<Peer> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const peer = new Peer(socket);
    await peer.request({ type: 'connect', protocolVersion: 4, clientId, clean: true, keepalive: 0 }, 2);
    return peer;
  }

  /** Sends a packet and resolves with the first frame of the expected type number. */
  request(packet: Packet, replyType: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.onFrame = (frame) => {
        if (frame[0]! >> 4 === replyType) resolve(frame);
      };
      this.socket.write(encode(packet, 4));
    });
  }

  async subscribe(topicFilter: string, qos: QoS): Promise<void> {
    await this.request({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter, qos }] }, 9);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Packet id of a PUBLISH frame with QoS > 0. */
function publishId(frame: Buffer): number {
  let i = 1;
  while (frame[i]! & 0x80) i++;
  i++;
  const at = i + 2 + ((frame[i]! << 8) | frame[i + 1]!);
  return (frame[at]! << 8) | frame[at + 1]!;
}

function pubackFor(id: number): Buffer {
  return Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
}

/** Delivered messages per second, publishers -> subscribers on `bench/#`. */
async function throughput(target: Target, publishers: number, subscribers: number, qos: QoS): Promise<number> {
  const subs = await Promise.all(Array.from({ length: subscribers }, (_, i) => Peer.open(target.port, `sub${i}`)));
  await Promise.all(subs.map((s) => s.subscribe('bench/#', qos)));
  const pubs = await Promise.all(Array.from({ length: publishers }, (_, i) => Peer.open(target.port, `pub${i}`)));
  const rings = pubs.map((_, p) => Array.from({ length: 128 }, (_, k) => encode({
    type: 'publish', topic: `bench/${p}`, payload: PAYLOAD, qos, retain: false, dup: false,
    ...(qos > 0 ? { packetId: k + 1 } : {}),
  }, 4)));
  const unacked = pubs.map(() => 0);
  const seq = pubs.map(() => 0);
  let sent = 0;
  let delivered = 0;
  let running = true;
  const pump = (): void => {
    if (!running) return;
    for (let p = 0; p < pubs.length; p++) {
      const socket = pubs[p]!.socket;
      socket.cork();
      while (sent - delivered / subscribers < LIMIT && (qos === 0 || unacked[p]! < QOS1_WINDOW)) {
        socket.write(rings[p]![seq[p]++ % 128]!);
        sent++;
        if (qos > 0) unacked[p]++;
        if (qos === 0 && seq[p]! % 32 === 0) break; // take turns between publishers
      }
      socket.uncork();
    }
  };
  for (const s of subs) {
    s.onFrame = (frame) => {
      if (frame[0]! >> 4 !== 3) return;
      delivered++;
      if (qos > 0) s.socket.write(pubackFor(publishId(frame)));
    };
    s.onChunk = pump;
  }
  pubs.forEach((pub, p) => {
    pub.onFrame = (frame) => {
      if (frame[0]! >> 4 === 4) unacked[p]--;
    };
    pub.onChunk = pump;
  });
  pump();
  await new Promise((r) => setTimeout(r, 500)); // warm up
  const start = delivered;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rate = (delivered - start) / (Number(process.hrtime.bigint() - t0) / 1e9);
  running = false;
  for (const peer of [...subs, ...pubs]) peer.close();
  return rate;
}

/**
 * Request/response round trip, one at a time: A publishes a request on rr/req, B (subscribed to it) publishes
 * the reply on rr/reply, A (subscribed to that) measures from writing the request to reading the reply.
 * At QoS 1 both sides acknowledge what they receive, as a real client would. Microseconds, p50 / p99.
 */
async function requestResponse(target: Target, qos: QoS, samples = 3000): Promise<{ p50: number; p99: number }> {
  const warmup = 300;
  const a = await Peer.open(target.port, `rr-a${qos}`);
  const b = await Peer.open(target.port, `rr-b${qos}`);
  await a.subscribe('rr/reply', qos);
  await b.subscribe('rr/req', qos);
  const frame = (topic: string, k: number): Buffer => encode({
    type: 'publish', topic, payload: PAYLOAD, qos, retain: false, dup: false, ...(qos > 0 ? { packetId: (k % 2) + 1 } : {}),
  }, 4);
  const requests = [frame('rr/req', 0), frame('rr/req', 1)];
  const replies = [frame('rr/reply', 0), frame('rr/reply', 1)];
  let sent = 0;
  let t0 = 0n;
  const rtt: number[] = [];
  let answered: (() => void) | undefined;
  b.onFrame = (f) => {
    if (f[0]! >> 4 !== 3) return;
    if (qos > 0) b.socket.write(pubackFor(publishId(f)));
    b.socket.write(replies[sent % 2]!);
  };
  a.onFrame = (f) => {
    if (f[0]! >> 4 !== 3) return;
    rtt.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (qos > 0) a.socket.write(pubackFor(publishId(f)));
    answered?.();
  };
  for (sent = 0; sent < samples + warmup; sent++) {
    const done = new Promise<void>((r) => (answered = r));
    t0 = process.hrtime.bigint();
    a.socket.write(requests[sent % 2]!);
    await done;
  }
  a.close();
  b.close();
  const sorted = rtt.slice(warmup).sort((x, y) => x - y);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

/** Idle connections: CONNECT + one SUBSCRIBE each, 50 at a time; with `replies`, each waits for its SUBACK. */
async function openIdle(port: number, count: number, replies: boolean): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((r) => socket.once('connect', r));
      const framer = new Framer();
      const subacked = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => {
        for (const frame of framer.push(chunk)) if (frame[0]! >> 4 === 9) resolve();
      }));
      socket.write(Buffer.concat([
        encode({ type: 'connect', protocolVersion: 4, clientId: `idle${port}-${i + k}`, clean: true, keepalive: 0 }, 4),
        encode({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: `idle/${i + k}/#`, qos: 1 }] }, 4),
      ]));
      if (replies) await subacked;
      return socket;
    })));
  }
  return sockets;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** V8's memory reducer gives back young-generation pages some seconds after allocation stops. */
const SETTLE_MS = 12_000;

interface IdleMemory {
  /** RSS delta per connection 300 ms after the last one connected. */
  rss: number;
  /** RSS delta per connection once the process has been idle for SETTLE_MS. */
  rssSettled: number;
  /** Heap + external + array buffers after GC (Node processes only). */
  heap: number | undefined;
}

/**
 * Memory per idle connection from `count` connections, on a process warmed up with 200 connections opened
 * and closed. RSS right away includes young-generation pages touched while the connections were set up
 * (a bounded cost that V8 gives back when idle); settled RSS is taken after the process was idle.
 */
async function idleMemory(target: Target, count: number, replies: boolean): Promise<IdleMemory> {
  for (const s of await openIdle(target.port, 200, replies)) s.destroy();
  await sleep(SETTLE_MS);
  const before = await target.memory();
  const sockets = await openIdle(target.port, count, replies);
  await sleep(300);
  const now = await target.memory();
  await sleep(SETTLE_MS);
  const settled = await target.memory();
  for (const s of sockets) s.destroy();
  return {
    rss: (now.rss - before.rss) / count,
    rssSettled: (settled.rss - before.rss) / count,
    heap: now.heap !== undefined && before.heap !== undefined ? (now.heap - before.heap) / count : undefined,
  };
}

/** The floor under any Node.js broker: a bare net server (TCP_NODELAY, reads and discards) in its own process. */
async function nodeSocketFloor(count: number): Promise<IdleMemory> {
  const script = `${CHILD_MAIN}
const server = require('node:net').createServer({ noDelay: true }, (s) => { s.on('data', () => {}); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;
  const target = await startNode('node-net', script, {});
  try {
    return await idleMemory(target, count, false);
  } finally {
    await target.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const kib = (n: number | undefined): string => (n === undefined ? '-' : `${(n / 1024).toFixed(1)} KiB`);

const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const SCENARIOS: Array<[string, (t: Target) => Promise<number>]> = [
  ['fan-in  QoS 0 (4 -> 1)', (t) => throughput(t, 4, 1, 0)],
  ['fan-in  QoS 1 (4 -> 1)', (t) => throughput(t, 4, 1, 1)],
  ['fan-out QoS 0 (1 -> 100)', (t) => throughput(t, 1, 100, 0)],
  ['fan-out QoS 1 (1 -> 100)', (t) => throughput(t, 1, 100, 1)],
];

/** What was measured: table cells, and the numbers the targets are checked against. */
class Results {
  readonly rows = new Map<string, Map<string, string>>();
  /** Throughput (msg/s) per scenario and broker. */
  readonly rates = new Map<string, Map<string, number>>();
  /** Round trip p50 / p99 (µs) per QoS and broker. */
  readonly rtt = new Map<string, { p50: number; p99: number }>();
  readonly memory = new Map<string, IdleMemory>();

  put(row: string, col: string, value: string): void {
    if (!this.rows.has(row)) this.rows.set(row, new Map());
    this.rows.get(row)!.set(col, value);
  }
}

/**
 * Every scenario alternates between the brokers (all running side by side, idle while not measured) for
 * several rounds, so a change in background load hits each alike; the median round counts.
 */
async function measureThroughput(targets: Target[], results: Results): Promise<void> {
  for (const [label, run] of SCENARIOS) {
    const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) samples.get(t.name)!.push(await run(t));
    }
    results.rates.set(label, new Map(targets.map((t) => [t.name, median(samples.get(t.name)!)])));
    for (const t of targets) results.put(label, t.name, `${fmt(results.rates.get(label)!.get(t.name)!)} msg/s`);
  }
}

async function measureLatency(targets: Target[], results: Results): Promise<void> {
  for (const qos of [0, 1] as const) {
    for (const t of targets) {
      const rr = await requestResponse(t, qos);
      results.rtt.set(`${t.name}/${qos}`, rr);
      results.put(`request/response QoS ${qos} p50`, t.name, `${rr.p50.toFixed(0)} µs`);
      results.put(`request/response QoS ${qos} p99`, t.name, `${rr.p99.toFixed(0)} µs`);
    }
  }
}

/** Memory on a fresh process per broker (after the throughput runs a Node heap is larger and still settling). */
async function measureMemory(starters: Array<[string, () => Promise<Target>]>, results: Results): Promise<void> {
  const count = 2000;
  const row = (mem: IdleMemory): string => `${kib(mem.rss)} / ${kib(mem.rssSettled)}${mem.heap === undefined ? '' : ` / ${kib(mem.heap)}`}`;
  for (const [name, start] of starters) {
    const t = await start();
    try {
      const mem = await idleMemory(t, count, true);
      results.memory.set(name, mem);
      results.put(`idle connection (${count}): RSS / settled RSS / heap`, name, row(mem));
    } finally {
      await t.stop();
    }
  }
  results.put('  Node net server, no MQTT (same measure)', 'ours', row(await nodeSocketFloor(count)));
}

function printTable(names: string[], results: Results): void {
  const others = names.includes('ours') ? names.filter((n) => n !== 'ours') : [];
  const header = ['scenario', ...names, ...others.map((n) => `ours/${n}`)];
  const table = [...results.rows.entries()].map(([row, cols]) => [
    row, ...names.map((n) => cols.get(n) ?? '-'),
    ...others.map((n) => {
      const r = results.rates.get(row);
      return r?.has(n) ? `${(r.get('ours')! / r.get(n)!).toFixed(2)}x` : '';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(`broker benchmark: median of ${ROUNDS} interleaved rounds of ${SECONDS} s, 64-byte payloads, loopback TCP,`);
  console.log('MQTT 3.1.1 raw-socket load generator on our codec (same clients for every broker)');
  console.log(line(header));
  for (const r of table) console.log(line(r));
}

/** The targets of issue 6: >= 2x aedes and >= 0.7x Mosquitto throughput, QoS 1 round trip p50 < 200 µs, < 8 KiB per idle connection. */
function printTargets(names: string[], results: Results): void {
  if (!names.includes('ours')) return;
  const checks: Array<[string, boolean]> = [];
  for (const [label, r] of results.rates) {
    if (r.has('aedes')) checks.push([`${label.replace(/\s+/g, ' ')}: >= 2x aedes (${(r.get('ours')! / r.get('aedes')!).toFixed(2)}x)`, r.get('ours')! >= 2 * r.get('aedes')!]);
    if (r.has('mosquitto')) checks.push([`${label.replace(/\s+/g, ' ')}: >= 0.7x Mosquitto (${(r.get('ours')! / r.get('mosquitto')!).toFixed(2)}x)`, r.get('ours')! >= 0.7 * r.get('mosquitto')!]);
  }
  const rtt = results.rtt.get('ours/1');
  if (rtt) checks.push([`request/response QoS 1 p50 < 200 µs (${rtt.p50.toFixed(0)} µs)`, rtt.p50 < 200]);
  const mem = results.memory.get('ours');
  if (mem) {
    checks.push([`idle connection < 8 KiB, settled RSS (${kib(mem.rssSettled)}; right away ${kib(mem.rss)})`, mem.rssSettled < 8 * 1024]);
    if (mem.heap !== undefined) checks.push([`idle connection < 8 KiB heap (${kib(mem.heap)})`, mem.heap < 8 * 1024]);
  }
  console.log('\ntargets');
  for (const [what, ok] of checks) console.log(`  ${ok ? 'met   ' : 'MISSED'}  ${what}`);
}

async function main(): Promise<void> {
  const bundle = bundleOurs();
  const starters: Array<[string, () => Promise<Target>]> = [
    ['ours', () => startNode('ours', OURS, { BUNDLE: bundle })],
    ['aedes', () => startNode('aedes', AEDES, {})],
    ['mosquitto', startMosquitto],
  ];
  const chosen = starters.filter(([name]) => {
    if (ONLY && !ONLY.includes(name)) return false;
    if (name === 'mosquitto' && !hasMosquitto()) {
      console.log('mosquitto not found: measuring ours and aedes only');
      return false;
    }
    return true;
  });
  const targets: Target[] = [];
  const results = new Results();
  try {
    for (const [, start] of chosen) targets.push(await start());
    await measureThroughput(targets, results);
    await measureLatency(targets, results);
  } finally {
    for (const t of targets) await t.stop();
  }
  await measureMemory(chosen, results);
  const names = targets.map((t) => t.name);
  printTable(names, results);
  printTargets(names, results);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
