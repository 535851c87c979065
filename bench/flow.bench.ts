// `npm run bench:flow`: a Node-RED flow that relays a numbered stream, mqtt in -> mqtt out, through one
// Mosquitto: our nodes (the built bundle) against core Node-RED's `mqtt in` / `mqtt out`, in one run.
//
//   source --QoS 1--> mosquitto --> [mqtt in -> mqtt out] --QoS 1--> mosquitto --> sink
//
// Both relays run in one embedded Node-RED runtime (the devDependency, 4.x; our package linked into its
// user directory as a user installs it), one after the other, with the same source and sink, MQTT 3.1.1
// and 5, QoS 1 both ways, output "auto-detect" (the default of both). Source and sink are one client
// library for both relays (ours: it costs the least CPU, which is shared with the relay on this machine).
// The source keeps at most WINDOW messages not yet seen by the sink, so no broker queue overflows and any
// loss is the relay's. Reported: delivered messages per second (first publish to last delivery), loss
// (numbers never delivered) and duplicates. Rounds alternate; medians reported.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '../src/client/connection';
import { normalizeOptions } from '../src/client/options';
import { findMosquitto, Mosquitto } from '../test/interop/mosquitto';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const N = Number(process.argv.find((a) => a.startsWith('--messages='))?.slice(11) ?? 20_000);
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
const WINDOW = 1000;
const STALL_MS = 10_000;

type Impl = 'ours' | 'core';

interface Sample {
  msgsPerSec: number;
  lost: number;
  duplicates: number;
}

function relayFlow(impl: Impl, port: number, version: 4 | 5): FlowNode[] {
  const tab = { id: 'bench', type: 'tab', label: 'bench' };
  const where = { z: 'bench', x: 0, y: 0 };
  if (impl === 'ours') {
    return [
      tab,
      {
        id: 'cfg', type: 'mqtt-broker-config', broker: '127.0.0.1', port, protocolVersion: version, clientid: '', keepalive: 60,
        cleansession: true, autoConnect: true, store: 'memory', qos0Offline: 'queue',
      },
      { id: 'in', type: 'mqtt-in', ...where, topic: 'bench/ours/in', qos: '1', datatype: 'auto-detect', broker: 'cfg', nl: false, rap: true, rh: 0, inputs: 0, wires: [['out']] },
      { id: 'out', type: 'mqtt-out', ...where, topic: 'bench/ours/out', qos: '1', retain: 'false', broker: 'cfg', wires: [] },
    ];
  }
  return [
    tab,
    {
      id: 'cfg', type: 'mqtt-broker', broker: '127.0.0.1', port, clientid: '', autoConnect: true, usetls: false, protocolVersion: version,
      keepalive: 60, cleansession: true, autoUnsubscribe: true, birthTopic: '', closeTopic: '', willTopic: '', userProps: '', sessionExpiry: '',
    },
    { id: 'in', type: 'mqtt in', ...where, topic: 'bench/core/in', qos: '1', datatype: 'auto-detect', broker: 'cfg', nl: false, rap: true, rh: 0, inputs: 0, wires: [['out']] },
    { id: 'out', type: 'mqtt out', ...where, topic: 'bench/core/out', qos: '1', retain: 'false', broker: 'cfg', respTopic: '', contentType: '', userProps: '', correl: '', expiry: '', wires: [] },
  ];
}

/** Waits until the relay delivers: probes until one comes through (the subscription is in place). */
async function ready(source: Connection, sink: Sink, impl: Impl): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const seen = sink.next();
    await source.publish({ topic: `bench/${impl}/in`, payload: 'probe', qos: 1 });
    const got = await Promise.race([seen, new Promise<false>((r) => setTimeout(() => r(false), 200))]);
    if (got) return;
  }
  throw new Error(`${impl} relay never delivered`);
}

class Sink {
  private seen = new Uint8Array(0);
  unique = 0;
  duplicates = 0;
  lastAt = 0;
  private waiters: Array<(v: true) => void> = [];
  private onProgress: (() => void) | undefined;

  constructor(client: Connection) {
    client.on('message', (packet) => {
      const text = packet.payload.toString();
      if (text === 'probe') return void this.waiters.splice(0).forEach((w) => w(true));
      const n = Number(text);
      if (this.seen[n]) this.duplicates++;
      else {
        this.seen[n] = 1;
        this.unique++;
      }
      this.lastAt = Date.now();
      this.onProgress?.();
    });
  }

  reset(n: number): void {
    this.seen = new Uint8Array(n);
    this.unique = 0;
    this.duplicates = 0;
  }

  next(): Promise<true> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Resolves when unique >= target (or the stream stalled for STALL_MS). */
  until(target: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.unique >= target || Date.now() - this.lastAt > STALL_MS) {
          clearInterval(stall);
          this.onProgress = undefined;
          resolve();
        }
      };
      const stall = setInterval(check, 250);
      this.onProgress = () => this.unique >= target && check();
      check();
    });
  }
}

async function sample(impl: Impl, source: Connection, sink: Sink, n: number): Promise<Sample> {
  sink.reset(n);
  sink.lastAt = Date.now();
  const t0 = process.hrtime.bigint();
  const acks: Array<Promise<unknown>> = [];
  for (let i = 0; i < n; i++) {
    // Keep at most WINDOW messages between source and sink.
    if (i - sink.unique >= WINDOW) await sink.until(i - WINDOW / 2);
    acks.push(source.publish({ topic: `bench/${impl}/in`, payload: String(i), qos: 1 }));
    if (Date.now() - sink.lastAt > STALL_MS) break;
  }
  await sink.until(n);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(acks);
  return { msgsPerSec: sink.unique / seconds, lost: n - sink.unique, duplicates: sink.duplicates };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Node-RED embedded in this process, with our package linked into a fresh user directory. */
interface Runtime {
  setFlows(flows: FlowNode[]): Promise<void>;
  version: string;
  stop(): Promise<void>;
}

async function startNodeRed(): Promise<Runtime> {
  const userDir = mkdtempSync(join(tmpdir(), 'mqtt-kit-bench-'));
  mkdirSync(join(userDir, 'node_modules'));
  symlinkSync(join(__dirname, '..'), join(userDir, 'node_modules', 'node-red-contrib-mqtt-kit'), 'dir');
  const RED = require('node-red');
  RED.init(createServer(), {
    userDir, flowFile: 'flows.json', credentialSecret: false, httpAdminRoot: false, httpNodeRoot: false, disableEditor: true,
    logging: { console: { level: 'warn' } }, telemetry: { enabled: false },
  });
  await RED.start();
  return {
    version: RED.version(),
    setFlows: async (flows) => {
      await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: 'full' });
    },
    stop: async () => {
      await RED.stop();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

async function run(red: Runtime, impl: Impl, broker: Mosquitto, version: 4 | 5, source: Connection, sink: Sink, n: number): Promise<Sample> {
  await red.setFlows(relayFlow(impl, broker.ports.mqtt, version));
  try {
    await ready(source, sink, impl);
    const result = await sample(impl, source, sink, n);
    // One more round trip before the redeploy, so the relay's last acknowledgements have come back
    // (a redeploy while they are in flight reports them as INTERRUPTED, correctly but noisily).
    await ready(source, sink, impl);
    return result;
  } finally {
    await red.setFlows([]);
  }
}

async function client(url: string): Promise<Connection> {
  const c = new Connection(normalizeOptions({ url, protocolVersion: 5 }));
  const up = new Promise<void>((resolve) => c.on('connected', () => resolve()));
  c.open();
  await up;
  return c;
}

async function main(): Promise<void> {
  if (!findMosquitto()) {
    console.log('mosquitto not found: skipping bench:flow (apt-get install mosquitto)');
    return;
  }
  const broker = await Mosquitto.start();
  const red = await startNodeRed();
  const source = await client(broker.url);
  const sinkClient = await client(broker.url);
  await sinkClient.subscribe([{ topicFilter: 'bench/+/out', qos: 1 }]);
  const sink = new Sink(sinkClient);
  try {
    console.log(`bench:flow  Node ${process.version}, Node-RED ${red.version}; mosquitto ${broker.url}; ${N} messages per sample, QoS 1 in and out, window ${WINDOW}, ${ROUNDS} rounds, medians`);
    console.log('protocol    relay             msgs/s   lost  dup   ratio (ours / core)');
    for (const version of [4, 5] as const) {
      const results: Record<Impl, Sample[]> = { ours: [], core: [] };
      await run(red, 'ours', broker, version, source, sink, N / 4); // warm-up
      await run(red, 'core', broker, version, source, sink, N / 4);
      for (let r = 0; r < ROUNDS; r++) {
        for (const impl of (r % 2 ? ['core', 'ours'] : ['ours', 'core']) as Impl[]) results[impl].push(await run(red, impl, broker, version, source, sink, N));
      }
      const row = (impl: Impl) => ({
        rate: median(results[impl].map((s) => s.msgsPerSec)),
        lost: Math.max(...results[impl].map((s) => s.lost)),
        dup: Math.max(...results[impl].map((s) => s.duplicates)),
      });
      const o = row('ours');
      const c = row('core');
      const name = version === 5 ? 'MQTT 5    ' : 'MQTT 3.1.1';
      console.log(`${name}  mqtt kit in/out  ${o.rate.toFixed(0).padStart(7)}  ${String(o.lost).padStart(4)}  ${String(o.dup).padStart(3)}   ${(o.rate / c.rate).toFixed(2)}x`);
      console.log(`${name}  core mqtt in/out ${c.rate.toFixed(0).padStart(7)}  ${String(c.lost).padStart(4)}  ${String(c.dup).padStart(3)}`);
    }
  } finally {
    await Promise.all([source.dispose(), sinkClient.dispose()]);
    await red.stop();
    await broker.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
