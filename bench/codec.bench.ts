// `npm run bench:codec`: our codec against mqtt-packet (the codec of MQTT.js and aedes), same process,
// same inputs.
//
// What is measured:
// - Parse: the streaming entry point on both sides, as a connection uses it: our Framer + decode(), and
//   mqtt-packet's parser().parse() with a 'packet' listener (what MQTT.js and aedes do).
// - Generate, one contiguous buffer: our encode() against mqtt-packet's generate().
// - Writing to a stream, as MQTT.js and aedes write to their socket: both sides write into the same no-op
//   Writable, corked around each packet (mqtt-packet's writeToStream() corks and uncorks on the next tick;
//   the benchmark uncorks right away so that a synchronous loop does not queue millions of ticks). Ours:
//   encodeChunks(), then one write (two for a large payload, which is not copied).
// - For reference, writeToStream() into a sink that drops every chunk, the way some benchmarks run it. It
//   leaves out what the stream does with its five chunks per PUBLISH (buffering them, encoding the topic
//   string), so it is a lower bound of mqtt-packet's cost, not something a connection can achieve.
//
// Our codec is measured as it ships: bundled by esbuild into one scope like nodes/mqtt-kit.js. Loaded
// through tsx instead, every call between our modules goes through a CommonJS export getter, which costs
// up to 2x on small packets (pass --source to measure that way).
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as mqttPacket from 'mqtt-packet';
import type * as Codec from '../src/codec/index';
import type { Packet, ProtocolVersion } from '../src/codec/index';
import { compare, formatOps, sinkValue, type Contender } from './lib/measure';

function loadCodec(): typeof Codec {
  if (process.argv.includes('--source')) return require('../src/codec/index') as typeof Codec;
  const outfile = join(mkdtempSync(join(tmpdir(), 'mqtt-kit-bench-')), 'codec.cjs');
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'codec', 'index.ts')], outfile, bundle: true, platform: 'node',
    format: 'cjs', target: 'node18', logLevel: 'warning',
  });
  return require(outfile) as typeof Codec;
}

const { Framer, decode, encode, encodeChunks } = loadCodec();

/* eslint-disable @typescript-eslint/no-explicit-any */
type MpPacket = any;

interface Case {
  name: string;
  version: ProtocolVersion;
  ours: Packet;
  theirs: MpPacket;
}

const topic16 = 'sensors/room1/t1'; // 16 bytes
const CASES: Case[] = [
  {
    name: 'PUBLISH QoS 0, 16 B topic, 64 B payload', version: 4,
    ours: { type: 'publish', topic: topic16, payload: Buffer.alloc(64, 0x61), qos: 0, retain: false, dup: false },
    theirs: { cmd: 'publish', topic: topic16, payload: Buffer.alloc(64, 0x61), qos: 0, retain: false, dup: false },
  },
  {
    name: 'PUBLISH QoS 1, 1 KiB payload', version: 4,
    ours: { type: 'publish', topic: topic16, payload: Buffer.alloc(1024, 0x62), qos: 1, retain: false, dup: false, packetId: 42 },
    theirs: { cmd: 'publish', topic: topic16, payload: Buffer.alloc(1024, 0x62), qos: 1, retain: false, dup: false, messageId: 42 },
  },
  {
    name: 'PUBLISH QoS 1, 64 KiB payload', version: 4,
    ours: { type: 'publish', topic: topic16, payload: Buffer.alloc(65536, 0x63), qos: 1, retain: false, dup: false, packetId: 43 },
    theirs: { cmd: 'publish', topic: topic16, payload: Buffer.alloc(65536, 0x63), qos: 1, retain: false, dup: false, messageId: 43 },
  },
  {
    name: 'SUBSCRIBE, 10 filters', version: 4,
    ours: {
      type: 'subscribe', packetId: 7,
      subscriptions: Array.from({ length: 10 }, (_, i) => ({ topicFilter: `home/floor${i}/+/temperature`, qos: (i % 3) as 0 | 1 | 2 })),
    },
    theirs: {
      cmd: 'subscribe', messageId: 7,
      subscriptions: Array.from({ length: 10 }, (_, i) => ({ topic: `home/floor${i}/+/temperature`, qos: i % 3 })),
    },
  },
  {
    name: 'CONNECT v5 with properties and will', version: 5,
    ours: {
      type: 'connect', protocolVersion: 5, clientId: 'node-red-0123456789', clean: true, keepalive: 60,
      username: 'user', password: Buffer.from('secret'),
      properties: { sessionExpiryInterval: 3600, receiveMaximum: 100, maximumPacketSize: 1 << 20, topicAliasMaximum: 10, userProperties: [['app', 'bench']] },
      will: { topic: 'clients/0123/status', payload: Buffer.from('offline'), qos: 1, retain: true, properties: { willDelayInterval: 5, contentType: 'text/plain' } },
    },
    theirs: {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'node-red-0123456789', clean: true, keepalive: 60,
      username: 'user', password: Buffer.from('secret'),
      properties: { sessionExpiryInterval: 3600, receiveMaximum: 100, maximumPacketSize: 1 << 20, topicAliasMaximum: 10, userProperties: { app: 'bench' } },
      will: { topic: 'clients/0123/status', payload: Buffer.from('offline'), qos: 1, retain: true, properties: { willDelayInterval: 5, contentType: 'text/plain' } },
    },
  },
];

// ---------------------------------------------------------------- parse contenders

/** Ours: a long-lived framer (as a connection has) fed one chunk per operation, every frame decoded. */
function oursParser(chunks: Buffer[], version: ProtocolVersion): Contender {
  const framer = new Framer();
  let next = 0; // the stream continues across runs: chunk order must never restart mid-stream
  return {
    name: 'ours',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        for (const frame of framer.push(chunks[next])) acc += decode(frame, version).type.length;
        next = next + 1 === chunks.length ? 0 : next + 1;
      }
      return acc;
    },
  };
}

function theirParser(chunks: Buffer[], version: ProtocolVersion): Contender {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let acc = 0;
  parser.on('packet', (p: MpPacket) => { acc += p.cmd.length; });
  parser.on('error', (e: Error) => { throw e; });
  let next = 0;
  return {
    name: 'mqtt-packet',
    run(n) {
      for (let i = 0; i < n; i++) {
        parser.parse(chunks[next]);
        next = next + 1 === chunks.length ? 0 : next + 1;
      }
      return acc;
    },
  };
}

// ---------------------------------------------------------------- generate contenders

function oursEncoder(p: Packet, version: ProtocolVersion): Contender {
  return { name: 'ours', run(n) { let acc = 0; for (let i = 0; i < n; i++) acc += encode(p, version).length; return acc; } };
}

function oursChunks(p: Packet, version: ProtocolVersion): Contender {
  return { name: 'ours', run(n) { let acc = 0; for (let i = 0; i < n; i++) acc += encodeChunks(p, version).length; return acc; } };
}

function theirGenerate(p: MpPacket, version: ProtocolVersion): Contender {
  const opts = { protocolVersion: version };
  return { name: 'generate', run(n) { let acc = 0; for (let i = 0; i < n; i++) acc += mqttPacket.generate(p, opts).length; return acc; } };
}

/** A Writable that accepts everything; cork() is driven by the benchmark (see the header comment). */
function sinkStream(counter: { bytes: number }): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb) { counter.bytes += chunk.length; cb(); },
    writev(chunks, cb) { for (const c of chunks) counter.bytes += (c.chunk as Buffer).length; cb(); },
  });
}

function oursToStream(p: Packet, version: ProtocolVersion): Contender {
  const counter = { bytes: 0 };
  const stream = sinkStream(counter);
  return {
    name: 'ours',
    run(n) {
      for (let i = 0; i < n; i++) {
        const chunks = encodeChunks(p, version);
        if (chunks.length === 1) stream.write(chunks[0]);
        else {
          stream.cork();
          for (const c of chunks) stream.write(c);
          stream.uncork();
        }
      }
      return counter.bytes;
    },
  };
}

function theirWriteToStream(p: MpPacket, version: ProtocolVersion): Contender {
  const counter = { bytes: 0 };
  const stream = sinkStream(counter);
  const cork = stream.cork.bind(stream);
  (stream as any).cork = undefined; // writeToStream() would otherwise schedule an uncork per packet
  const opts = { protocolVersion: version };
  return {
    name: 'writeToStream',
    run(n) {
      for (let i = 0; i < n; i++) {
        cork();
        mqttPacket.writeToStream(p, stream as any, opts);
        stream.uncork();
      }
      return counter.bytes;
    },
  };
}

function theirWriteToNull(p: MpPacket, version: ProtocolVersion): Contender {
  const opts = { protocolVersion: version };
  let acc = 0;
  const stream = { write(chunk: Buffer | string) { acc += chunk.length; return true; }, destroy(err?: Error) { if (err) throw err; } };
  return { name: 'writeToStream (null sink)', run(n) { for (let i = 0; i < n; i++) mqttPacket.writeToStream(p, stream as any, opts); return acc; } };
}

// ---------------------------------------------------------------- the stream case

/** About 1 MiB of small packets (QoS 0 and QoS 1 PUBLISH with 32 B payloads, PUBACK, PINGRESP) in 64 KiB chunks. */
function smallPacketStream(): { chunks: Buffer[]; packetsPerPass: number } {
  const small: Packet[] = [
    { type: 'publish', topic: 'a/b/c', payload: Buffer.alloc(32, 1), qos: 0, retain: false, dup: false },
    { type: 'publish', topic: 'a/b/d', payload: Buffer.alloc(32, 2), qos: 1, retain: false, dup: false, packetId: 9 },
    { type: 'puback', packetId: 9, reasonCode: 0 },
    { type: 'pingresp' },
  ];
  const frames: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < 1 << 20; i++) {
    const f = encode(small[i % small.length], 4);
    frames.push(f);
    size += f.length;
  }
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += 65536) chunks.push(all.subarray(i, i + 65536));
  return { chunks, packetsPerPass: frames.length };
}

// ---------------------------------------------------------------- report

interface Row {
  name: string;
  ours: number;
  theirs: number;
}

function printTable(title: string, theirs: string, rows: Row[]): void {
  console.log(`\n${title}\n`);
  console.log(`| case | ours ops/s | ${theirs} ops/s | ratio ours / theirs |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${formatOps(r.ours)} | ${formatOps(r.theirs)} | ${(r.ours / r.theirs).toFixed(2)}x |`);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const opts = quick ? { samples: 3, ms: 100 } : { samples: 7, ms: 300 };
  const how = process.argv.includes('--source') ? 'TypeScript sources through tsx' : 'esbuild bundle';
  console.log(`codec benchmark: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}`);
  console.log(`ours: ${how}; median of ${opts.samples} interleaved samples of ${opts.ms} ms; higher is better`);

  const parseRows: Row[] = [];
  for (const c of CASES) {
    const frame = encode(c.ours, c.version);
    const [ours, theirs] = compare([oursParser([frame], c.version), theirParser([frame], c.version)], opts);
    parseRows.push({ name: c.name, ours: ours.opsPerSec, theirs: theirs.opsPerSec });
  }
  const { chunks, packetsPerPass } = smallPacketStream();
  const [so, st] = compare([oursParser(chunks, 4), theirParser(chunks, 4)], opts);
  const perChunk = packetsPerPass / chunks.length; // express the stream case in packets/s
  parseRows.push({ name: 'stream of small packets in 64 KiB chunks (packets/s)', ours: so.opsPerSec * perChunk, theirs: st.opsPerSec * perChunk });
  printTable('Parse: ours Framer + decode(), mqtt-packet parser.parse()', 'mqtt-packet', parseRows);

  const genRows: Row[] = [];
  const streamRows: Row[] = [];
  const nullRows: Row[] = [];
  for (const c of CASES) {
    const [ours, gen] = compare([oursEncoder(c.ours, c.version), theirGenerate(c.theirs, c.version)], opts);
    genRows.push({ name: c.name, ours: ours.opsPerSec, theirs: gen.opsPerSec });
    const [os, wts] = compare([oursToStream(c.ours, c.version), theirWriteToStream(c.theirs, c.version)], opts);
    streamRows.push({ name: c.name, ours: os.opsPerSec, theirs: wts.opsPerSec });
    const [oc, wtn] = compare([oursChunks(c.ours, c.version), theirWriteToNull(c.theirs, c.version)], opts);
    nullRows.push({ name: c.name, ours: oc.opsPerSec, theirs: wtn.opsPerSec });
  }
  printTable('Generate one buffer: ours encode(), mqtt-packet generate()', 'generate()', genRows);
  printTable('Write to a stream (corked per packet): ours encodeChunks() + write, mqtt-packet writeToStream()', 'writeToStream()', streamRows);
  printTable('Reference only: ours encodeChunks(), mqtt-packet writeToStream() into a sink that drops chunks', 'null sink', nullRows);
  if (sinkValue() === 42) console.log(''); // keep the results observable
}

main();
