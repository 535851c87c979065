// Shared test helpers for the codec: hex fixtures, chunked framing, typed error assertions, a seeded PRNG.
import assert from 'node:assert/strict';
import { Framer, MqttError, decode, type Packet, type ProtocolVersion } from '../../src/codec/index';
import { prng } from '../prng';

/** hex`32 0a 00 03` -> Buffer. Whitespace and '|' separators are ignored. */
export function hex(strings: TemplateStringsArray): Buffer {
  const text = strings.raw.join('').replace(/[\s|]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`bad hex fixture: ${text}`);
  return Buffer.from(text, 'hex');
}

/** Pushes `bytes` through a fresh framer in chunks of `size` (or split at one offset) and returns the frames. */
export function framesOf(bytes: Buffer, chunks: { size?: number; splitAt?: number }): Buffer[] {
  const framer = new Framer();
  const frames: Buffer[] = [];
  if (chunks.splitAt !== undefined) {
    frames.push(...framer.push(bytes.subarray(0, chunks.splitAt)));
    frames.push(...framer.push(bytes.subarray(chunks.splitAt)));
  } else {
    const size = chunks.size ?? bytes.length;
    for (let i = 0; i < bytes.length; i += size) frames.push(...framer.push(bytes.subarray(i, i + size)));
  }
  assert.equal(framer.pendingBytes, 0, 'framer holds bytes after the last frame');
  return frames;
}

/** Decodes every frame of a byte stream split into chunks. */
export function decodeStream(bytes: Buffer, v: ProtocolVersion, chunks: { size?: number; splitAt?: number }): Packet[] {
  return framesOf(bytes, chunks).map((f) => decode(f, v));
}

export interface ExpectedError {
  /** The error class (MalformedPacketError, ProtocolError, ...). */
  cls: abstract new (...args: never[]) => MqttError;
  code: number;
  /** The normative statement cited, or undefined where the spec numbers none. */
  statement: string | undefined;
  /** Optional substring of the message. */
  message?: string;
}

/** Asserts that fn throws exactly this kind of MqttError. */
export function assertMqttError(fn: () => unknown, e: ExpectedError): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'expected an error, nothing was thrown');
  assert.ok(thrown instanceof e.cls, `expected ${e.cls.name}, got ${String(thrown)}`);
  const err = thrown as MqttError;
  assert.equal(err.reasonCode, e.code, `reason code of "${err.message}"`);
  assert.equal(err.statement, e.statement, `statement of "${err.message}"`);
  if (e.message !== undefined) assert.ok(err.message.includes(e.message), `message "${err.message}" lacks "${e.message}"`);
}

/** The seeded PRNG (../prng) with the picks the codec's random tests need; a failure replays from the printed seed. */
export class Rng {
  /** A number in [0, 1). */
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = prng(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
}

/** Seed from MQTT_TEST_SEED (to replay a failure) or a fixed default. */
export function seedFromEnv(fallback: number): number {
  const s = process.env.MQTT_TEST_SEED;
  return s ? Number(s) : fallback;
}
