// `npm run bench:session`: the session engine alone (no I/O, no codec): how many complete publish
// cycles per second it handles, in both directions, for QoS 0, 1 and 2. A cycle is every input the
// engine sees for one message and every effect it returns:
//   out QoS 0: publish                      in QoS 0: PUBLISH
//   out QoS 1: publish, PUBACK              in QoS 1: PUBLISH
//   out QoS 2: publish, PUBREC, PUBCOMP     in QoS 2: PUBLISH, PUBREL
// For scale, the same run measures encode() of the PUBLISH the cycle sends (the codec's share of the
// work per message): the ratio column says how many session cycles fit in the time of one encode.
//
// Like bench:codec, the code is measured as it ships: bundled by esbuild into one scope (pass --source
// to load the TypeScript through tsx instead).
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Session from '../src/session/index';
import type * as Codec from '../src/codec/index';
import type { Packet, ProtocolVersion, QoS } from '../src/codec/types';
import { compare, formatOps, sinkValue, type Contender } from './lib/measure';

function load<T>(entry: string): T {
  if (process.argv.includes('--source')) return require(`../src/${entry}/index`) as T;
  const outfile = join(mkdtempSync(join(tmpdir(), 'mqtt-kit-bench-')), `${entry}.cjs`);
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', entry, 'index.ts')], outfile, bundle: true, platform: 'node',
    format: 'cjs', target: 'node18', logLevel: 'warning',
  });
  return require(outfile) as T;
}

const { ClientSession } = load<typeof Session>('session');
const { encode } = load<typeof Codec>('codec');

const PAYLOAD = Buffer.alloc(64, 0x61);
const TOPIC = 'sensors/room1/t1';

function onlineSession(version: ProtocolVersion): InstanceType<typeof ClientSession<number>> {
  const s = new ClientSession<number>({ protocolVersion: version, connectTimeoutMs: 0 });
  s.connectionOpened({ type: 'connect', protocolVersion: version, clientId: 'bench', clean: true, keepalive: 60 }, 0);
  s.onPacket({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 0);
  return s;
}

function outgoing(version: ProtocolVersion, qos: QoS): Contender {
  const s = onlineSession(version);
  const msg = { topic: TOPIC, payload: PAYLOAD, qos, retain: false };
  return {
    name: `out QoS ${qos}`,
    run(n) {
      let effects = 0;
      for (let i = 0; i < n; i++) {
        const fx = s.publish(i, msg, i);
        effects += fx.length;
        if (qos === 0) continue;
        const sent = fx[fx.length - 1] as { packet: { packetId: number } };
        const id = sent.packet.packetId;
        if (qos === 1) {
          effects += s.onPacket({ type: 'puback', packetId: id, reasonCode: 0 }, i).length;
        } else {
          effects += s.onPacket({ type: 'pubrec', packetId: id, reasonCode: 0 }, i).length;
          effects += s.onPacket({ type: 'pubcomp', packetId: id, reasonCode: 0 }, i).length;
        }
      }
      return effects;
    },
  };
}

function incoming(version: ProtocolVersion, qos: QoS): Contender {
  const s = onlineSession(version);
  return {
    name: `in QoS ${qos}`,
    run(n) {
      let effects = 0;
      for (let i = 0; i < n; i++) {
        const packetId = (i % 65535) + 1;
        const p: Packet = { type: 'publish', topic: TOPIC, payload: PAYLOAD, qos, retain: false, dup: false, ...(qos > 0 ? { packetId } : {}) };
        effects += s.onPacket(p, i).length;
        if (qos === 2) effects += s.onPacket({ type: 'pubrel', packetId, reasonCode: 0 }, i).length;
      }
      return effects;
    },
  };
}

function encodeOnly(version: ProtocolVersion, qos: QoS): Contender {
  const p: Packet = { type: 'publish', topic: TOPIC, payload: PAYLOAD, qos, retain: false, dup: false, ...(qos > 0 ? { packetId: 7 } : {}) };
  return { name: 'encode', run(n) { let acc = 0; for (let i = 0; i < n; i++) acc += encode(p, version).length; return acc; } };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const opts = quick ? { samples: 3, ms: 100 } : { samples: 7, ms: 300 };
  const how = process.argv.includes('--source') ? 'TypeScript sources through tsx' : 'esbuild bundle';
  console.log(`session benchmark: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}`);
  console.log(`${how}; 64 B payload, 16 B topic; median of ${opts.samples} interleaved samples of ${opts.ms} ms; higher is better`);
  for (const version of [4, 5] as const) {
    console.log(`\nMQTT ${version === 5 ? '5.0' : '3.1.1'}\n`);
    console.log('| cycle | session cycles/s | encode PUBLISH ops/s | cycles per encode |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const dir of ['out', 'in'] as const) {
      for (const qos of [0, 1, 2] as const) {
        const cycle = dir === 'out' ? outgoing(version, qos) : incoming(version, qos);
        const [c, e] = compare([cycle, encodeOnly(version, qos)], opts);
        console.log(`| ${cycle.name} | ${formatOps(c!.opsPerSec)} | ${formatOps(e!.opsPerSec)} | ${(c!.opsPerSec / e!.opsPerSec).toFixed(2)}x |`);
      }
    }
  }
  if (sinkValue() === 42) console.log('');
}

main();
