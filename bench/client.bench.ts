// `npm run bench:client`: publish -> Mosquitto -> subscribe throughput, our client vs MQTT.js, in one run.
// Each sample: one publisher and one subscriber of the same library on a local Mosquitto, N messages of
// 64 bytes at QoS 0 or 1, at most WINDOW publishes outstanding; the clock runs from the first publish to
// the last message received. CPU time per message is process.cpuUsage() (both clients live in this
// process; the broker does not) divided by N. Samples of the two libraries alternate; medians reported.
//
// Our client is measured as it ships: bundled by esbuild into one scope like nodes/mqtt-kit.js (through
// tsx every call between our modules goes through a CommonJS export getter; pass --source for that).
import { buildSync } from 'esbuild';
import mqtt from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Client from '../src/client/index';
import type { QoS } from '../src/codec/types';
import { findMosquitto, Mosquitto } from '../test/interop/mosquitto';

function loadClient(): typeof Client {
  if (process.argv.includes('--source')) return require('../src/client/index') as typeof Client;
  const outfile = join(mkdtempSync(join(tmpdir(), 'mqtt-kit-bench-')), 'client.cjs');
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'client', 'index.ts')], outfile, bundle: true, platform: 'node',
    format: 'cjs', target: 'node18', external: ['ws'], logLevel: 'warning',
  });
  return require(outfile) as typeof Client;
}

const { Connection, normalizeOptions } = loadClient();
type Connection = InstanceType<typeof Connection>;

const MESSAGES: Record<0 | 1, number> = { 0: 100_000, 1: 40_000 };
const WINDOW = 1000;
const ROUNDS = 5;
const PAYLOAD = Buffer.alloc(64, 0x61);

interface Sample {
  msgsPerSec: number;
  cpuMicrosPerMsg: number;
}

interface Pair {
  publish(topic: string, qos: QoS): Promise<unknown>;
  onMessage(handler: () => void): void;
  close(): Promise<void>;
}

async function ourPair(url: string, topic: string): Promise<Pair> {
  const make = async (): Promise<Connection> => {
    const c = new Connection(normalizeOptions({ url, protocolVersion: 4 }));
    const up = new Promise<void>((resolve) => c.on('connected', () => resolve()));
    c.open();
    await up;
    return c;
  };
  const sub = await make();
  const pub = await make();
  await sub.subscribe([{ topicFilter: topic, qos: 1 }]);
  return {
    publish: (t, qos) => pub.publish({ topic: t, payload: PAYLOAD, qos }),
    onMessage: (h) => void sub.on('message', h),
    close: async () => {
      await Promise.all([sub.dispose(), pub.dispose()]);
    },
  };
}

async function mqttJsPair(url: string, topic: string): Promise<Pair> {
  const sub = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await sub.subscribeAsync(topic, { qos: 1 });
  return {
    publish: (t, qos) => pub.publishAsync(t, PAYLOAD, { qos }),
    onMessage: (h) => void sub.on('message', h),
    close: async () => {
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    },
  };
}

async function sample(make: (url: string, topic: string) => Promise<Pair>, url: string, qos: 0 | 1, round: number): Promise<Sample> {
  const topic = `bench/${qos}/${round}/${Math.random().toString(36).slice(2)}`;
  const pair = await make(url, topic);
  const n = MESSAGES[qos];
  let received = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  pair.onMessage(() => {
    if (++received === n) resolveDone();
  });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    const p = pair.publish(topic, qos);
    inflight.add(p);
    void p.then(
      () => inflight.delete(p),
      (err) => {
        throw err;
      },
    );
    if (inflight.size >= WINDOW) await Promise.race(inflight);
  }
  const timeout = setTimeout(() => resolveDone(), 60_000);
  await done;
  clearTimeout(timeout);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(inflight); // the last acknowledgements, outside the timed part
  await pair.close();
  if (received < n) throw new Error(`only ${received} of ${n} messages arrived`);
  return { msgsPerSec: n / seconds, cpuMicrosPerMsg: (cpu.user + cpu.system) / n };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  if (!findMosquitto()) {
    console.log('mosquitto not found: skipping bench:client (apt-get install mosquitto)');
    return;
  }
  const broker = await Mosquitto.start();
  try {
    const how = process.argv.includes('--source') ? 'TypeScript sources through tsx' : 'esbuild bundle';
    console.log(`bench:client  Node ${process.version}, ${how}; mosquitto ${broker.url}, 64-byte payloads, window ${WINDOW}, ${ROUNDS} rounds, medians`);
    console.log('qos  client     msgs/s     cpu us/msg   ratio (ours / MQTT.js)');
    for (const qos of [0, 1] as const) {
      const ours: Sample[] = [];
      const theirs: Sample[] = [];
      await sample(ourPair, broker.url, qos, -1); // warm-up
      await sample(mqttJsPair, broker.url, qos, -2);
      for (let r = 0; r < ROUNDS; r++) {
        ours.push(await sample(ourPair, broker.url, qos, r));
        theirs.push(await sample(mqttJsPair, broker.url, qos, r));
      }
      const o = { rate: median(ours.map((s) => s.msgsPerSec)), cpu: median(ours.map((s) => s.cpuMicrosPerMsg)) };
      const t = { rate: median(theirs.map((s) => s.msgsPerSec)), cpu: median(theirs.map((s) => s.cpuMicrosPerMsg)) };
      const row = (name: string, x: { rate: number; cpu: number }, ratio: string): string =>
        `${qos}    ${name.padEnd(9)}  ${x.rate.toFixed(0).padStart(8)}   ${x.cpu.toFixed(2).padStart(8)}     ${ratio}`;
      console.log(row('mqtt-kit', o, `${(o.rate / t.rate).toFixed(2)}x msgs/s, ${(t.cpu / o.cpu).toFixed(2)}x less CPU`));
      console.log(row('MQTT.js', t, ''));
    }
  } finally {
    await broker.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
