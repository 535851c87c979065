// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) used to checksum log records.
// Node >= 20.15 / 22.2 ship a native `zlib.crc32`; the package supports Node >= 18, so a table-driven
// fallback computes the same value where the native one is missing.
import * as zlib from 'node:zlib';

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Table-driven CRC-32; exported so tests can check it against the native implementation. */
export function crc32Table(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

/** CRC-32 of `data[start, end)`, unsigned. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  if (native === undefined) return crc32Table(data, start, end);
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return native(view) >>> 0;
}
