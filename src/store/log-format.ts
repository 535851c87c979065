// On-disk format of the record log (see docs/session.md, "File format").
//
//   file    = header record*
//   header  = "MQKITLOG" (8 bytes) | u32 format version (1) | u32 reserved (0)      -- 16 bytes
//   record  = u32 body length | u32 CRC-32 of body | body                             -- big-endian
//   body    = op+                      (one record is one atomic group of operations)
//   op      = 0x01 PUT    u16 key length | key (UTF-8) | u32 value length | value
//           | 0x02 DELETE u16 key length | key
//           | 0x03 CLEAR
//
// A record is valid only when its whole body is present and its checksum matches; recovery replays
// valid records in order and stops at the first one that is not (a torn tail from a crash mid-append).
import { crc32 } from './crc32';

export const MAGIC = Buffer.from('MQKITLOG', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 16;
export const RECORD_HEADER_SIZE = 8;
/** Sanity bound on one record: a length above it can only be garbage from a torn or foreign write. */
export const MAX_BODY_SIZE = 0x40000000;
const MAX_KEY_BYTES = 0xffff;

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_CLEAR = 3;

export type LogOp =
  | { op: 'put'; key: string; value: Uint8Array }
  | { op: 'delete'; key: string }
  | { op: 'clear' };

export function encodeHeader(): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(b, 0);
  b.writeUInt32BE(FORMAT_VERSION, 8);
  return b;
}

/** 'ok' | 'empty' (nothing or a torn prefix of our header) | 'foreign' (someone else's file). */
export function checkHeader(data: Uint8Array): 'ok' | 'empty' | 'foreign' {
  const n = Math.min(data.length, HEADER_SIZE);
  const expected = encodeHeader();
  for (let i = 0; i < n; i++) if (data[i] !== expected[i]) return 'foreign';
  return data.length < HEADER_SIZE ? 'empty' : 'ok';
}

function keyBytes(key: string): number {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_KEY_BYTES) throw new RangeError(`record log key is ${n} bytes; the limit is ${MAX_KEY_BYTES}`);
  return n;
}

function opSize(op: LogOp, keyLen: number): number {
  if (op.op === 'put') return 1 + 2 + keyLen + 4 + op.value.length;
  if (op.op === 'delete') return 1 + 2 + keyLen;
  return 1;
}

/** Size a single PUT occupies when written on its own (the unit of "live bytes" for compaction). */
export function putRecordSize(key: string, valueLength: number): number {
  return RECORD_HEADER_SIZE + 1 + 2 + keyBytes(key) + 4 + valueLength;
}

export interface EncodedRecord {
  buf: Buffer;
  /** For each PUT op, in order: the stored copy of its value (a view into `buf`). */
  values: Buffer[];
}

/** Encodes one atomic record holding `ops`. Values are copied into the record buffer. */
export function encodeRecord(ops: readonly LogOp[]): EncodedRecord {
  const keyLens = ops.map((op) => (op.op === 'clear' ? 0 : keyBytes(op.key)));
  let bodyLen = 0;
  for (let i = 0; i < ops.length; i++) bodyLen += opSize(ops[i]!, keyLens[i]!);
  if (bodyLen > MAX_BODY_SIZE) throw new RangeError(`record of ${bodyLen} bytes exceeds the log limit`);
  const buf = Buffer.allocUnsafe(RECORD_HEADER_SIZE + bodyLen);
  const values: Buffer[] = [];
  let o = RECORD_HEADER_SIZE;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.op === 'clear') {
      buf[o++] = OP_CLEAR;
      continue;
    }
    buf[o++] = op.op === 'put' ? OP_PUT : OP_DELETE;
    buf.writeUInt16BE(keyLens[i]!, o);
    o += 2;
    o += buf.write(op.key, o, 'utf8');
    if (op.op === 'put') {
      buf.writeUInt32BE(op.value.length, o);
      o += 4;
      buf.set(op.value, o);
      values.push(buf.subarray(o, o + op.value.length));
      o += op.value.length;
    }
  }
  buf.writeUInt32BE(bodyLen, 0);
  buf.writeUInt32BE(crc32(buf, RECORD_HEADER_SIZE, buf.length), 4);
  return { buf, values };
}

export type DecodedOp =
  | { op: 'put'; key: string; value: Buffer }
  | { op: 'delete'; key: string }
  | { op: 'clear' };

/** Parses a checksummed body; returns undefined when its internal lengths do not add up. */
export function decodeBody(data: Buffer, start: number, end: number): DecodedOp[] | undefined {
  const ops: DecodedOp[] = [];
  let o = start;
  while (o < end) {
    const code = data[o++];
    if (code === OP_CLEAR) {
      ops.push({ op: 'clear' });
      continue;
    }
    if ((code !== OP_PUT && code !== OP_DELETE) || o + 2 > end) return undefined;
    const keyLen = data.readUInt16BE(o);
    o += 2;
    if (o + keyLen > end) return undefined;
    const key = data.toString('utf8', o, o + keyLen);
    o += keyLen;
    if (code === OP_DELETE) {
      ops.push({ op: 'delete', key });
      continue;
    }
    if (o + 4 > end) return undefined;
    const valueLen = data.readUInt32BE(o);
    o += 4;
    if (o + valueLen > end) return undefined;
    ops.push({ op: 'put', key, value: data.subarray(o, o + valueLen) });
    o += valueLen;
  }
  return ops;
}

export interface ScanResult {
  /** Valid records, in file order. */
  records: DecodedOp[][];
  /** Offset just past the last valid record: where appends continue. */
  validEnd: number;
}

/** Walks the records after the header; stops at the first incomplete or corrupt one. */
export function scanRecords(data: Buffer): ScanResult {
  const records: DecodedOp[][] = [];
  let o = HEADER_SIZE;
  while (o + RECORD_HEADER_SIZE <= data.length) {
    const bodyLen = data.readUInt32BE(o);
    const bodyStart = o + RECORD_HEADER_SIZE;
    const bodyEnd = bodyStart + bodyLen;
    if (bodyLen === 0 || bodyLen > MAX_BODY_SIZE || bodyEnd > data.length) break;
    if (crc32(data, bodyStart, bodyEnd) !== data.readUInt32BE(o + 4)) break;
    const ops = decodeBody(data, bodyStart, bodyEnd);
    if (ops === undefined) break;
    records.push(ops);
    o = bodyEnd;
  }
  return { records, validEnd: o };
}
