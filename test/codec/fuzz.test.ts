// Bounded fuzz: random bytes and mutations of valid frames through framer + decode, for each version.
// Only our own MqttError subclasses may escape (never TypeError/RangeError), every run terminates, and
// whatever decodes re-encodes to a packet that decodes the same. Replay with MQTT_TEST_SEED=<seed>.
import assert from 'node:assert/strict';
import { Framer, MqttError, decode, decodeConnect, encode, type Packet, type ProtocolVersion } from '../../src/codec/index';
import { Rng, seedFromEnv } from './helpers';
import { PacketGen } from './random-packets';

const ITERATIONS = 8000; // per version and input kind: 3 versions x 2 kinds = 48,000 inputs
const SEED = seedFromEnv(0xf022);

interface Stats {
  frames: number;
  decoded: number;
  refused: number;
}

function expectMqttError(err: unknown, input: Buffer): void {
  if (!(err instanceof MqttError)) {
    assert.fail(`non-MqttError ${String(err)} for input ${input.toString('hex').slice(0, 200)}\n${(err as Error).stack}`);
  }
}

/** Encoding what was decoded must work (CONNECT excepted: some rules bind only its sender) and agree. */
function checkRoundTrip(p: Packet, v: ProtocolVersion): void {
  const version = p.type === 'connect' ? p.protocolVersion : v;
  let bytes: Buffer;
  try {
    bytes = encode(p, version);
  } catch (err) {
    assert.ok(err instanceof MqttError && p.type === 'connect', `re-encoding ${p.type} failed: ${String(err)}`);
    return;
  }
  assert.deepStrictEqual(decode(bytes, version), p);
}

function feed(input: Buffer, v: ProtocolVersion, rng: Rng, stats: Stats): void {
  const framer = new Framer({ maximumPacketSize: rng.bool(0.2) ? rng.int(2, 200) : undefined });
  try {
    for (let i = 0; i < input.length;) {
      const n = rng.int(1, 64);
      for (const frame of framer.push(input.subarray(i, i + n))) {
        stats.frames++;
        try {
          const p = rng.bool(0.05) ? decodeConnect(frame) : decode(frame, v);
          stats.decoded++;
          checkRoundTrip(p, v);
        } catch (err) {
          expectMqttError(err, frame);
          stats.refused++;
        }
      }
      i += n;
    }
  } catch (err) {
    expectMqttError(err, input); // the framer refused the stream
    stats.refused++;
  }
}

function randomBytes(rng: Rng): Buffer {
  const b = rng.bytes(rng.int(1, 80));
  // Mostly plausible fixed headers so that inputs reach the packet decoders.
  if (rng.bool(0.8)) {
    b[0] = (rng.int(0, 15) << 4) | (rng.bool(0.7) ? [0, 2, 0, 0][rng.int(0, 3)] : rng.int(0, 15));
    if (b.length > 1) b[1] = rng.int(0, b.length - 2);
  }
  return b;
}

function mutate(frame: Buffer, rng: Rng): Buffer {
  const b = Buffer.from(frame);
  switch (rng.int(0, 5)) {
    case 0: // flip some bytes
      for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      return b;
    case 1: // flip one bit
      b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return b;
    case 2: // truncate, keeping the header's claim
      return b.subarray(0, rng.int(1, b.length));
    case 3: // insert a byte inside the body and fix nothing
      return Buffer.concat([b.subarray(0, rng.int(1, b.length)), Buffer.from([rng.int(0, 255)]), b.subarray(rng.int(1, b.length))]);
    case 4: { // rewrite the Remaining Length of a short frame
      if (b.length > 1 && b[1] < 0x80) b[1] = rng.int(0, 127);
      return b;
    }
    default: // two frames glued, one mutated
      return Buffer.concat([b, mutate(frame, rng)]);
  }
}

describe('codec fuzz', function () {
  this.timeout(60_000);
  for (const v of [3, 4, 5] as ProtocolVersion[]) {
    it(`level ${v}: ${ITERATIONS} random byte strings only raise MqttErrors`, () => {
      const rng = new Rng(SEED + v);
      const stats: Stats = { frames: 0, decoded: 0, refused: 0 };
      for (let i = 0; i < ITERATIONS; i++) feed(randomBytes(rng), v, rng, stats);
      assert.ok(stats.frames > ITERATIONS / 2, `too few frames reached decode: ${JSON.stringify(stats)}`);
    });

    it(`level ${v}: ${ITERATIONS} mutated valid frames only raise MqttErrors, and what decodes round-trips`, () => {
      const rng = new Rng(SEED + 10 + v);
      const gen = new PacketGen(rng, v);
      const stats: Stats = { frames: 0, decoded: 0, refused: 0 };
      for (let i = 0; i < ITERATIONS; i++) feed(mutate(encode(gen.packet(), v), rng), v, rng, stats);
      // Both outcomes must occur often, or the mutations are too weak or too strong to mean anything.
      assert.ok(stats.decoded > ITERATIONS / 10 && stats.refused > ITERATIONS / 4, JSON.stringify(stats));
    });
  }
});
