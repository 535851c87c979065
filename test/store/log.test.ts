// The record log: format, recovery from torn and corrupt tails, fsync policies, compaction, atomic groups,
// repair after an I/O error.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { crc32, crc32Table } from '../../src/store/crc32';
import { LogFormatError, LogUnavailableError, RecordLog, type RecordLogOptions } from '../../src/store/log';
import { HEADER_SIZE } from '../../src/store/log-format';
import { failNextAppend } from './faults';

describe('store/crc32', () => {
  it('matches the standard check value and the native zlib.crc32 where present', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32Table(check), 0xcbf43926);
    assert.equal(crc32(check), 0xcbf43926);
    assert.equal(crc32Table(Buffer.alloc(0)), 0);
    const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff));
    if (native) assert.equal(crc32Table(data), native(data) >>> 0);
    assert.equal(crc32(data, 10, 500), crc32Table(data.subarray(10, 500)));
  });
});

describe('store/log RecordLog', () => {
  let dir: string;
  const logs: RecordLog[] = [];
  const openLog = async (name = 'a.log', options: RecordLogOptions = {}) => {
    const log = await RecordLog.open(join(dir, name), { compaction: 'manual', ...options });
    logs.push(log);
    return log;
  };
  const contents = (log: RecordLog) => Object.fromEntries([...log.entries()].map(([k, v]) => [k, v.toString()]));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqkit-log-'));
  });
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a file with only the header and reads back puts, deletes and clears after reopening', async () => {
    const log = await openLog();
    assert.equal((await stat(join(dir, 'a.log'))).size, HEADER_SIZE);
    await log.put('a', Buffer.from('1'));
    await log.put('b', Buffer.from('2'));
    await log.put('a', Buffer.from('3'));
    await log.delete('b');
    await log.delete('missing');
    await log.close();
    const again = await openLog();
    assert.deepEqual(contents(again), { a: '3' });
    await again.clear();
    await again.put('c', Buffer.from('4'));
    await again.close();
    assert.deepEqual(contents(await openLog()), { c: '4' });
  });

  it('copies values on put, so later changes to the caller\'s buffer are not stored', async () => {
    const log = await openLog();
    const value = Buffer.from('abc');
    const done = log.put('k', value);
    value[0] = 0x7a;
    await done;
    assert.equal(log.get('k')!.toString(), 'abc');
  });

  it('ignores a torn tail at every cut point of the last record and truncates it away', async () => {
    const log = await openLog();
    await log.put('keep', Buffer.from('kept'));
    await log.close();
    const good = (await stat(join(dir, 'a.log'))).size;
    const reopened = await openLog();
    await reopened.put('torn', Buffer.from('x'.repeat(40)));
    await reopened.close();
    const full = await readFile(join(dir, 'a.log'));
    for (let cut = good; cut < full.length; cut++) {
      await writeFile(join(dir, 'a.log'), full.subarray(0, cut));
      const l = await RecordLog.open(join(dir, 'a.log'));
      assert.deepEqual(contents(l), { keep: 'kept' }, `cut at ${cut}`);
      assert.equal(l.stats.discardedBytes, cut - good);
      await l.close();
      assert.equal((await stat(join(dir, 'a.log'))).size, good, 'torn bytes truncated');
    }
  });

  it('stops at a record whose checksum does not match, and appends after the last good record', async () => {
    const log = await openLog();
    await log.put('a', Buffer.from('1'));
    await log.put('b', Buffer.from('2'));
    await log.close();
    const bytes = await readFile(join(dir, 'a.log'));
    bytes[bytes.length - 1] ^= 0x01; // flip a bit in b's value
    await writeFile(join(dir, 'a.log'), bytes);
    const l = await openLog();
    assert.deepEqual(contents(l), { a: '1' });
    await l.put('c', Buffer.from('3'));
    await l.close();
    assert.deepEqual(contents(await openLog()), { a: '1', c: '3' });
  });

  it('treats a torn header as an empty log and refuses to touch a foreign file', async () => {
    await writeFile(join(dir, 'a.log'), Buffer.from('MQKIT'));
    const l = await openLog();
    assert.equal(l.keyCount, 0);
    await writeFile(join(dir, 'foreign.log'), Buffer.from('{"not":"a log"}'));
    await assert.rejects(RecordLog.open(join(dir, 'foreign.log')), LogFormatError);
    assert.equal((await readFile(join(dir, 'foreign.log'), 'utf8')), '{"not":"a log"}');
  });

  it('writes a group of operations as one atomic record: a torn group leaves none of it', async () => {
    const log = await openLog();
    await log.put('x', Buffer.from('old'));
    await log.close();
    const before = (await stat(join(dir, 'a.log'))).size;
    const l = await openLog();
    await l.write([{ op: 'put', key: 'y', value: Buffer.from('1') }, { op: 'delete', key: 'x' }, { op: 'put', key: 'z', value: Buffer.from('2') }]);
    assert.deepEqual(contents(l), { y: '1', z: '2' });
    await l.close();
    const after = (await stat(join(dir, 'a.log'))).size;
    await truncate(join(dir, 'a.log'), after - 1);
    assert.deepEqual(contents(await openLog()), { x: 'old' });
    assert.equal((await stat(join(dir, 'a.log'))).size, before);
  });

  it("'always' fsyncs once per record; 'batch' shares fsyncs between concurrent writes; 'none' never fsyncs", async () => {
    const counts: Record<string, number> = {};
    for (const fsync of ['always', 'batch', 'none'] as const) {
      const log = await openLog(`${fsync}.log`, { fsync });
      const base = log.stats.fsyncs;
      await Promise.all(Array.from({ length: 50 }, (_, i) => log.put(`k${i}`, Buffer.from(String(i)))));
      counts[fsync] = log.stats.fsyncs - base;
      assert.equal(log.keyCount, 50);
    }
    assert.equal(counts.always, 50);
    assert.ok(counts.batch! >= 1 && counts.batch! < 50, `batch fsyncs: ${counts.batch}`);
    assert.equal(counts.none, 0);
  });

  it('compacts to the live records only, keeps them after reopening, and removes a stale temp file', async () => {
    const phases: string[] = [];
    const log = await openLog('a.log', { onCompaction: (p) => phases.push(p) });
    for (let i = 0; i < 200; i++) await log.put(`k${i % 10}`, Buffer.from(`value ${i}`));
    await log.delete('k0');
    const before = log.stats.fileBytes;
    await log.compact();
    assert.deepEqual(phases, ['start', 'end']);
    assert.ok(log.stats.fileBytes < before / 5, `${log.stats.fileBytes} vs ${before}`);
    assert.equal(log.stats.fileBytes, (await stat(join(dir, 'a.log'))).size);
    await log.put('k1', Buffer.from('after compaction'));
    const expected = contents(log);
    await log.close();
    await writeFile(join(dir, 'a.log.compact'), Buffer.from('half-written snapshot'));
    const again = await openLog();
    assert.deepEqual(contents(again), expected);
    assert.equal(expected.k1, 'after compaction');
    assert.equal(expected.k0, undefined);
    assert.ok(!existsSync(join(dir, 'a.log.compact')));
  });

  it('compacts automatically past the size and ratio thresholds, while writes keep flowing', async () => {
    const log = await openLog('a.log', { compaction: { minBytes: 4096, ratio: 2 } });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) writes.push(log.put(`k${i % 5}`, Buffer.alloc(64, i & 0xff)));
    await Promise.all(writes);
    const expected = contents(log);
    await log.close(); // waits for the compaction that follows the last flush
    assert.ok(log.stats.compactions >= 1, `compactions: ${log.stats.compactions}`);
    assert.ok(log.stats.fileBytes < 4096, `file after compaction: ${log.stats.fileBytes}`);
    assert.deepEqual(contents(await openLog()), expected);
  });

  it('accepts writes issued during a compaction and keeps them', async () => {
    const log = await openLog();
    for (let i = 0; i < 100; i++) await log.put(`k${i}`, Buffer.alloc(1000, i));
    const compaction = log.compact();
    const during = [log.put('new', Buffer.from('during')), log.delete('k5'), log.write([{ op: 'put', key: 'k6', value: Buffer.from('six') }])];
    await Promise.all([compaction, ...during]);
    await log.close();
    const again = await openLog();
    assert.equal(again.get('new')!.toString(), 'during');
    assert.equal(again.has('k5'), false);
    assert.equal(again.get('k6')!.toString(), 'six');
    assert.equal(again.keyCount, 100);
  });

  it('close() waits for accepted writes; later operations reject with LogUnavailableError', async () => {
    const log = await openLog();
    const pending = Array.from({ length: 20 }, (_, i) => log.put(`k${i}`, Buffer.from('v')));
    await log.close();
    await Promise.all(pending);
    await assert.rejects(log.put('late', Buffer.from('x')), LogUnavailableError);
    await assert.rejects(log.compact(), LogUnavailableError);
    assert.equal((await openLog()).keyCount, 20);
  });

  it('after a failed append, writes fail until a repair rewrites the live state; appends then go on', async () => {
    const log = await openLog('a.log', { repairDelayMs: 0 });
    await log.put('a', Buffer.from('1'));
    failNextAppend(log);
    await assert.rejects(log.put('b', Buffer.from('2')), (e: Error) => e instanceof LogUnavailableError && /ENOSPC/.test(e.message));
    // The repair cannot make its file while a directory stands in the way: it fails, and so does the write.
    await mkdir(join(dir, 'a.log.compact'));
    await assert.rejects(log.put('c', Buffer.from('3')), (e: Error) => e instanceof LogUnavailableError && /could not be repaired.*ENOSPC/.test(e.message));
    assert.equal(log.stats.repairs, 0);
    await rm(join(dir, 'a.log.compact'), { recursive: true });
    await log.put('d', Buffer.from('4'));
    assert.equal(log.stats.repairs, 1);
    await log.delete('b'); // a caller that gave up on its failed write takes it back
    await log.put('e', Buffer.from('5')); // appended to the repaired file
    await log.close();
    const again = await openLog();
    assert.deepEqual(contents(again), { a: '1', c: '3', d: '4', e: '5' });
    assert.equal(again.stats.discardedBytes, 0, 'the torn record went with the old file');
  });

  it('tries a repair at most once per repairDelayMs; compact() repairs at once', async () => {
    const log = await openLog('a.log', { repairDelayMs: 60_000 });
    await log.put('a', Buffer.from('1'));
    failNextAppend(log);
    await assert.rejects(log.put('b', Buffer.from('2')), /ENOSPC/);
    await assert.rejects(log.put('c', Buffer.from('3')), (e: Error) => /a repair is tried every 60000 ms/.test(e.message) && /ENOSPC/.test(e.message));
    await assert.rejects(log.clear(), /a repair is tried every 60000 ms/);
    assert.equal(log.stats.repairs, 0);
    await log.compact();
    assert.equal(log.stats.repairs, 1);
    await log.put('d', Buffer.from('4'));
    await log.close();
    // Rejected writes stayed in the live state (here: the clear), and the repair made that state durable.
    assert.deepEqual(contents(await openLog()), { d: '4' });
  });

  it('rejects keys longer than 65535 bytes', async () => {
    const log = await openLog();
    await assert.rejects(log.put('k'.repeat(70000), Buffer.alloc(1)), RangeError);
    assert.equal(log.keyCount, 0);
  });
});
