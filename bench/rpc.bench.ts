// `npm run bench:rpc`: request/response round trips, flow to flow inside Node-RED: an mqtt-rpc request node
// -> broker -> mqtt-rpc respond node -> mqtt-rpc reply node -> broker -> the request node's output. The
// package is loaded as it ships (nodes/mqtt-kit.js) into Node-RED through node-red-node-test-helper; the
// clock starts when the msg is handed to the request node and stops when the reply msg reaches the node
// wired to its output, so Node-RED's own message passing (one setImmediate per hop) is included.
//
// Brokers: our embedded broker in this process over loopback TCP, and Mosquitto (when installed).
// Sequential: one call at a time, latency p50/p99. Concurrent: WINDOW calls in flight, calls/s.
// For reference, the same round trip with the engines alone (no Node-RED) over the in-memory transport.
// Every pipeline is loaded at once and the rounds interleave them, so load from other processes on the
// machine spreads over all of them; p50 and calls/s are medians over the rounds, p99 over all calls.
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { Broker } from '../src/broker';
import type { ConnectionPool, listenMemory } from '../src/client';
import type { Requester, Responder } from '../src/rpc';
import { findMosquitto, Mosquitto } from '../test/interop/mosquitto';

interface Kit {
  Broker: typeof Broker;
  ConnectionPool: typeof ConnectionPool;
  listenMemory: typeof listenMemory;
  Requester: typeof Requester;
  Responder: typeof Responder;
}

/** Broker, pool and engines bundled by esbuild, as they run inside nodes/mqtt-kit.js. */
function loadKit(): Kit {
  // Inside the repository, so the bundle's require('ws') resolves from node_modules.
  const cache = join(__dirname, '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'mqtt-kit-bench-rpc-'));
  const entry = join(dir, 'entry.ts');
  const src = join(__dirname, '..', 'src');
  writeFileSync(entry, [
    `export { Broker } from ${JSON.stringify(join(src, 'broker'))};`,
    `export { ConnectionPool, listenMemory } from ${JSON.stringify(join(src, 'client'))};`,
    `export { Requester, Responder } from ${JSON.stringify(join(src, 'rpc'))};`,
  ].join('\n'));
  const outfile = join(dir, 'kit.cjs');
  buildSync({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node18', external: ['ws'], logLevel: 'warning' });
  const kit = require(outfile) as Kit;
  rmSync(dir, { recursive: true, force: true });
  return kit;
}

const ROUNDS = 5;
const SEQUENTIAL = 600;
const WARMUP = 1000;
const CONCURRENT = 4000;
const WINDOW = 500;
/** A small JSON request, as RPC calls usually carry (auto-detect parses it on both ends). */
const PAYLOAD = { op: 'ping', n: 1 };
const PAYLOAD_BYTES = JSON.stringify(PAYLOAD);

/** One way of making a call, measured round after round. */
interface Pipeline {
  path: string;
  qos: 0 | 1;
  call(): Promise<unknown>;
  latencies: number[];
  roundP50: number[];
  rates: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function sequential(p: Pipeline, n: number, record: boolean): Promise<void> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await p.call();
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  if (!record) return;
  p.latencies.push(...lat);
  p.roundP50.push(median(lat));
}

async function concurrent(p: Pipeline): Promise<void> {
  const t0 = process.hrtime.bigint();
  let started = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (started >= CONCURRENT) return;
      started++;
      p.call().then(() => (++done === CONCURRENT ? resolve() : next()), reject);
    };
    for (let i = 0; i < WINDOW; i++) next();
  });
  p.rates.push(CONCURRENT / (Number(process.hrtime.bigint() - t0) / 1e9));
}

function pipeline(path: string, qos: 0 | 1, call: () => Promise<unknown>): Pipeline {
  return { path, qos, call, latencies: [], roundP50: [], rates: [] };
}

interface Target {
  name: string;
  port: number;
  protocolVersion: 4 | 5;
}

/** One Node-RED flow with a request -> respond -> reply pipeline per broker target and QoS. */
async function nodeRedPipelines(targets: Target[]): Promise<Pipeline[]> {
  const flow: object[] = [{ id: 'f1', type: 'tab' }];
  const ids: Array<{ path: string; qos: 0 | 1; req: string; out: string }> = [];
  targets.forEach((t, i) => {
    flow.push({
      id: `cfg${i}`, type: 'mqtt-broker-config', broker: '127.0.0.1', port: t.port, protocolVersion: t.protocolVersion, clientid: '',
      keepalive: 60, cleansession: true, autoConnect: true, store: 'memory', queueMaxMessages: 100000, queueMaxMB: 64,
      qos0Offline: 'queue', reconnectMin: 0.1, reconnectMax: 1, requestResponseInformation: false,
    });
    for (const qos of [0, 1] as const) {
      const k = `${i}q${qos}`;
      const node = (id: string, mode: string, wires: string[][]) => ({
        id, type: 'mqtt-rpc', z: 'f1', x: 0, y: 0, mode, broker: mode === 'reply' ? '' : `cfg${i}`, topic: `bench/rpc/${k}`, qos: String(qos),
        expect: 'reply', timeout: 60, failures: 'error', datatype: 'auto-detect', responseTopic: '', protocol: 'auto', correlation: 'auto',
        noResponder: 'fail', maxInFlight: 10000, wires,
      });
      flow.push(node(`req${k}`, 'request', [[`out${k}`]]), node(`srv${k}`, 'respond', [[`rep${k}`]]), node(`rep${k}`, 'reply', []));
      flow.push({ id: `out${k}`, type: 'helper', z: 'f1', x: 0, y: 0, wires: [] });
      ids.push({ path: `${t.name}, Node-RED flow, ${t.protocolVersion === 5 ? 'v5' : '3.1.1'}`, qos, req: `req${k}`, out: `out${k}` });
    }
  });
  await helper.load(require('../nodes/mqtt-kit.js'), flow);
  // The test helper wraps Node.prototype methods (send, status, log, ...) in sinon spies that record every
  // call; that is test instrumentation, not Node-RED, so it comes off before measuring.
  (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
  return ids.map(({ path, qos, req, out }) => {
    const reqNode = helper.getNode(req);
    const waiting = new Map<number, () => void>();
    helper.getNode(out).on('input', (msg: { seq: number }) => {
      const resolve = waiting.get(msg.seq);
      waiting.delete(msg.seq);
      resolve?.();
    });
    let seq = 0;
    return pipeline(path, qos, () => new Promise<void>((resolve) => {
      const n = ++seq;
      waiting.set(n, resolve);
      reqNode.receive({ payload: PAYLOAD, seq: n });
    }));
  });
}

/** The engines alone over the in-memory transport to the embedded broker (reference: no Node-RED). */
async function enginePipelines(kit: Kit, broker: Broker): Promise<{ pipelines: Pipeline[]; close(): Promise<void> }> {
  const memory = kit.listenMemory('bench-rpc', (s) => broker.handleConnection(s, { listener: 'memory', remoteAddress: 'memory' }));
  const pool = new kit.ConnectionPool();
  await pool.define('cfg', { url: 'memory://bench-rpc', protocolVersion: 5 });
  const lease = pool.acquire('cfg', { id: 'bench' });
  await new Promise((r) => lease.once('connected', r));
  const pipelines: Pipeline[] = [];
  const engines: Array<{ close(): void }> = [];
  for (const qos of [0, 1] as const) {
    const topic = `bench/engine/${qos}`;
    const responder: Responder = new kit.Responder(lease, {
      topic, qos, onRequest: (r) => void (r.route && responder.reply(r.route, { payload: r.payload }).catch(() => undefined)),
    });
    await responder.start();
    const requester = new kit.Requester(lease, { replyQos: qos });
    engines.push(requester, responder);
    pipelines.push(pipeline('embedded (memory), engines only, v5', qos, () => requester.request({ topic, payload: PAYLOAD_BYTES, timeoutMs: 60_000, qos })));
  }
  return {
    pipelines,
    close: async () => {
      for (const e of engines) e.close();
      await pool.closeAll();
      memory.close();
    },
  };
}

/** `--only=<text>`: measure just the pipelines whose path contains the text (for profiling). */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

async function main(): Promise<void> {
  const kit = loadKit();
  helper.init(require.resolve('node-red'));
  await helper.startServer();
  const embedded = new kit.Broker();
  const port = (await embedded.listen({ port: 0, host: '127.0.0.1' })).address()!.port;
  const mosquitto = findMosquitto() ? await Mosquitto.start() : undefined;
  if (!mosquitto) console.log('mosquitto not found: no Mosquitto rows (apt-get install mosquitto)');
  const targets: Target[] = [
    { name: 'embedded (TCP)', port, protocolVersion: 5 },
    { name: 'embedded (TCP)', port, protocolVersion: 4 },
    ...(mosquitto ? [{ name: 'mosquitto', port: mosquitto.ports.mqtt, protocolVersion: 5 as const }] : []),
  ];
  const engines = await enginePipelines(kit, embedded);
  try {
    const all = [...(await nodeRedPipelines(targets)), ...engines.pipelines].filter((p) => !ONLY || p.path.includes(ONLY));
    for (const p of all) await sequential(p, WARMUP, false); // connects, subscribes, warms the JIT
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of all) {
        await sequential(p, SEQUENTIAL, true);
        await concurrent(p);
      }
    }
    report(all);
  } finally {
    await helper.unload();
    await engines.close();
    await helper.stopServer();
    await mosquitto?.stop();
    await embedded.close();
  }
}

function report(all: Pipeline[]): void {
  console.log(`bench:rpc  Node ${process.version}; ${ROUNDS} interleaved rounds of ${SEQUENTIAL} sequential calls and ${CONCURRENT} calls with ${WINDOW} in flight; payload ${PAYLOAD_BYTES}`);
  console.log('| path | QoS | p50 µs | p99 µs | calls/s (concurrent) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const p of all) {
    const sorted = [...p.latencies].sort((a, b) => a - b);
    console.log(`| ${p.path} | ${p.qos} | ${median(p.roundP50).toFixed(0)} | ${percentile(sorted, 0.99).toFixed(0)} | ${median(p.rates).toFixed(0)} |`);
  }
  const target = all.find((p) => p.path === 'embedded (TCP), Node-RED flow, v5' && p.qos === 1);
  if (target) {
    const p50 = median(target.roundP50);
    console.log(`target: p50 < 250 µs per round trip at QoS 1 through the embedded broker, flow to flow: ${p50.toFixed(0)} µs ${p50 < 250 ? '(met)' : '(NOT met)'}; round p50s ${target.roundP50.map((x) => x.toFixed(0)).join(', ')}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
