// `npm run bench:broker`: the embedded broker against aedes and Mosquitto, end to end over loopback TCP.
//
// Each broker runs in its own process (ours and aedes in a child Node.js, Mosquitto natively); the load
// generator runs here with pre-encoded frames, so every broker faces the same clients. Scenarios:
//   fan-in   10 publishers -> 1 subscriber        QoS 0 and QoS 1 (subscriber acknowledges)
//   fan-out  1 publisher  -> 20 subscribers      QoS 0 and QoS 1
//   latency  QoS 1 PUBLISH -> PUBACK round trip, one message at a time (p50 / p99), and publish -> delivery
//   memory   per idle connection (CONNECT + one SUBSCRIBE), 1000 connections: heap + external after GC for the
//            Node brokers, RSS for Mosquitto
// Publishers keep at most LIMIT messages not yet delivered to every subscriber (and QoS 1 publishers at
// most 64 unacknowledged), so the numbers are delivered messages per second, not what a broker dropped.
// Ours runs as shipped: src/broker bundled by esbuild. Options: --seconds=N (default 3), --rounds=N (default 3),
// --only=ours,aedes,mosquitto
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  const server = require('node:net').createServer(aedes.handle);
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

async function startMosquitto(): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-kit-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type none\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
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

/** QoS 1 PUBLISH -> PUBACK and PUBLISH -> delivery, one message at a time: microseconds p50 / p99. */
async function latency(target: Target, samples = 3000): Promise<{ rtt50: number; rtt99: number; deliver50: number }> {
  const sub = await Peer.open(target.port, 'lat-sub');
  await sub.subscribe('lat/t', 1);
  const pub = await Peer.open(target.port, 'lat-pub');
  const frames = Array.from({ length: 2 }, (_, k) => encode({ type: 'publish', topic: 'lat/t', payload: PAYLOAD, qos: 1, retain: false, dup: false, packetId: k + 1 }, 4));
  const rtt: number[] = [];
  const deliver: number[] = [];
  let t0 = 0n;
  let waiting: (() => void) | undefined;
  let got = 0;
  const settle = (): void => {
    if (++got === 2) waiting?.();
  };
  sub.onFrame = (frame) => {
    if (frame[0]! >> 4 !== 3) return;
    deliver.push(Number(process.hrtime.bigint() - t0) / 1000);
    sub.socket.write(pubackFor(publishId(frame)));
    settle();
  };
  pub.onFrame = (frame) => {
    if (frame[0]! >> 4 !== 4) return;
    rtt.push(Number(process.hrtime.bigint() - t0) / 1000);
    settle();
  };
  for (let i = 0; i < samples + 300; i++) {
    got = 0;
    const done = new Promise<void>((r) => (waiting = r));
    t0 = process.hrtime.bigint();
    pub.socket.write(frames[i % 2]!);
    await done;
  }
  sub.close();
  pub.close();
  const pct = (xs: number[], p: number): number => [...xs.slice(300)].sort((a, b) => a - b)[Math.floor((xs.length - 300) * p)]!;
  return { rtt50: pct(rtt, 0.5), rtt99: pct(rtt, 0.99), deliver50: pct(deliver, 0.5) };
}

/** Memory per idle connection (CONNECT + one SUBSCRIBE), from `count` connections. */
async function idleMemory(target: Target, count = 1000): Promise<Memory> {
  const before = await target.memory();
  const peers: Peer[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => Peer.open(target.port, `idle${i + k}`)));
    await Promise.all(batch.map((p, k) => p.subscribe(`idle/${i + k}/#`, 1)));
    peers.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 300));
  const after = await target.memory();
  for (const p of peers) p.close();
  return {
    rss: (after.rss - before.rss) / count,
    heap: after.heap !== undefined && before.heap !== undefined ? (after.heap - before.heap) / count : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const kib = (n: number | undefined): string => (n === undefined ? '-' : `${(n / 1024).toFixed(1)} KiB`);

const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const bundle = bundleOurs();
  const starters: Array<[string, () => Promise<Target>]> = [
    ['ours', () => startNode('ours', OURS, { BUNDLE: bundle })],
    ['aedes', () => startNode('aedes', AEDES, {})],
    ['mosquitto', startMosquitto],
  ];
  const scenarios: Array<[string, (t: Target) => Promise<number>]> = [
    ['fan-in  QoS 0 (10 -> 1)', (t) => throughput(t, 10, 1, 0)],
    ['fan-in  QoS 1 (10 -> 1)', (t) => throughput(t, 10, 1, 1)],
    ['fan-out QoS 0 (1 -> 20)', (t) => throughput(t, 1, 20, 0)],
    ['fan-out QoS 1 (1 -> 20)', (t) => throughput(t, 1, 20, 1)],
  ];
  // All brokers run side by side (idle while not measured) and every scenario alternates between them
  // for several rounds, so a change in background load hits each broker alike; the median round counts.
  const targets: Target[] = [];
  for (const [name, start] of starters) if (!ONLY || ONLY.includes(name)) targets.push(await start());
  const names = targets.map((t) => t.name);
  const rows = new Map<string, Map<string, string>>();
  const rates = new Map<string, Map<string, number>>();
  const put = (row: string, col: string, value: string): void => {
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)!.set(col, value);
  };
  try {
    for (const [label, run] of scenarios) {
      const samples = new Map<string, number[]>(names.map((n) => [n, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) samples.get(t.name)!.push(await run(t));
      }
      rates.set(label, new Map(names.map((n) => [n, median(samples.get(n)!)])));
      for (const n of names) put(label, n, `${fmt(rates.get(label)!.get(n)!)} msg/s`);
    }
    for (const t of targets) {
      const lat = await latency(t);
      put('QoS 1 PUBLISH->PUBACK p50', t.name, `${lat.rtt50.toFixed(0)} µs`);
      put('QoS 1 PUBLISH->PUBACK p99', t.name, `${lat.rtt99.toFixed(0)} µs`);
      put('QoS 1 PUBLISH->delivery p50', t.name, `${lat.deliver50.toFixed(0)} µs`);
    }
    for (const t of targets) {
      // Node's RSS moves with the allocator and GC more than with 1000 connections: the Node brokers are
      // measured by heap + external + array buffers after GC, Mosquitto (no GC) by RSS.
      const mem = await idleMemory(t);
      put('memory per idle connection', t.name, mem.heap !== undefined ? `${kib(mem.heap)} (heap)` : `${kib(mem.rss)} (RSS)`);
    }
  } finally {
    for (const t of targets) await t.stop();
  }
  const ratioCols = names.filter((n) => n !== 'ours');
  const header = ['scenario', ...names, ...(names.includes('ours') ? ratioCols.map((n) => `ours/${n}`) : [])];
  const table = [...rows.entries()].map(([row, cols]) => [
    row, ...names.map((n) => cols.get(n) ?? '-'),
    ...(names.includes('ours') ? ratioCols.map((n) => {
      const r = rates.get(row);
      return r?.has(n) ? `${(r.get('ours')! / r.get(n)!).toFixed(2)}x` : '';
    }) : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`broker benchmark: median of ${ROUNDS} interleaved rounds of ${SECONDS} s, 64-byte payloads, loopback TCP, MQTT 3.1.1 clients`);
  console.log(line(header));
  for (const r of table) console.log(line(r));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
