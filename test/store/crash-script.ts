// Shared by the crash test and its child process: the deterministic life of every record, so the parent
// can tell exactly what a record must look like after each acknowledged step.
import type { OutgoingRecord } from '../../src/store/types';
import { prng } from '../prng';

function payloadFor(seq: number): Buffer {
  const rnd = prng(seq * 2654435761);
  const len = Math.floor(rnd() * 3000);
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Number of put steps a record goes through before it is deleted: QoS 1 = 2, QoS 2 = 3. */
export function putSteps(seq: number): number {
  return seq % 2 === 0 ? 3 : 2;
}

/** The record after put step `step` (1 = queued, 2 = publish, 3 = pubrel). */
export function recordAt(seq: number, step: number): OutgoingRecord {
  const qos = putSteps(seq) === 3 ? 2 : 1;
  const base: OutgoingRecord = {
    seq, stage: 'queued', topic: `crash/${seq % 17}/\u00e9`, payload: payloadFor(seq), qos, retain: seq % 7 === 0,
    ...(seq % 3 === 0 ? { expiresAt: 1_800_000_000_000 + seq } : {}),
    ...(seq % 5 === 0 ? { properties: { correlationData: Buffer.from([seq & 0xff, 1, 2]), userProperties: [['n', String(seq)]] } } : {}),
  };
  if (step === 1) return base;
  const packetId = (seq % 65535) + 1;
  if (step === 2) return { ...base, stage: 'publish', packetId };
  return { ...base, stage: 'pubrel', packetId, payload: Buffer.alloc(0) };
}
