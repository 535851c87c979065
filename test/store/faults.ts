// Fault injection for the record log: an append that fails as on a full disk.
import type { FileHandle } from 'node:fs/promises';
import type { RecordLog } from '../../src/store/log';

/**
 * Fault injection: the log's next append fails as on a full disk, after five bytes of it reached the file
 * (a torn record). Only that one append; the handle is the log's own, reached through its private field.
 */
export function failNextAppend(log: RecordLog): void {
  const fh = (log as unknown as { fh: FileHandle }).fh;
  const writev = fh.writev;
  fh.writev = (async (buffers: NodeJS.ArrayBufferView[], position?: number) => {
    fh.writev = writev;
    const first = Buffer.from(buffers[0]!.buffer, buffers[0]!.byteOffset, 5);
    await fh.write(first, 0, first.length, position);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }) as typeof fh.writev;
}
