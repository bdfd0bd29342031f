import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/broker/log/log-config.js';
import { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { batchesIn, buildBatch, defer, tempDir } from './batch-helper.js';

const cfg = (over: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 200, ...over });
const seg = (dir: string, base: number, ext: string): string => join(dir, `${String(base).padStart(20, '0')}.${ext}`);
const batchSize = buildBatch({ records: 2 }).length;

/** Writes n 2-record batches and leaves the log as a kill -9 would: no close, no marker. */
async function crashAfter(dir: string, n: number, config = cfg()): Promise<void> {
  const log = await PartitionLog.open(dir, config);
  for (let i = 0; i < n; i++) await log.append(buildBatch({ records: 2 }), { durable: false, recordCount: 2 });
  await log.flush();
  // Abandoned without close(): its fds leak until the process exits, as after a crash.
}

async function readAll(log: PartitionLog): Promise<number[]> {
  const bases: number[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bs = batchesIn((await log.read(offset, 1 << 20, true)).records);
    if (bs.length === 0) break;
    for (const b of bs) bases.push(b.baseOffset);
    offset = bs[bs.length - 1]!.lastOffset + 1;
  }
  return bases;
}

test('recovery truncates a torn tail at the last whole batch', async (t) => {
  const dir = tempDir(t);
  await crashAfter(dir, 10);
  truncateSync(seg(dir, 0, 'log'), batchSize * 9 + 30);
  const log = await PartitionLog.open(dir, cfg());
  defer(t, () => log.close());
  assert.equal(log.logEndOffset, 18);
  assert.equal(statSync(seg(dir, 0, 'log')).size, batchSize * 9);
  assert.deepEqual(await readAll(log), [0, 2, 4, 6, 8, 10, 12, 14, 16]);
  const r = await log.append(buildBatch({ records: 2 }), { durable: false, recordCount: 2 });
  assert.equal(r.baseOffset, 18);
});

test('recovery drops a tail batch whose CRC no longer matches', async (t) => {
  const dir = tempDir(t);
  await crashAfter(dir, 10);
  const path = seg(dir, 0, 'log');
  const bytes = readFileSync(path);
  bytes[batchSize * 8 + 100]! ^= 0x10;
  writeFileSync(path, bytes);
  const log = await PartitionLog.open(dir, cfg());
  defer(t, () => log.close());
  assert.equal(log.logEndOffset, 16);
  assert.deepEqual(await readAll(log), [0, 2, 4, 6, 8, 10, 12, 14]);
});

test('recovery in an older segment drops the segments after it', async (t) => {
  const dir = tempDir(t);
  await crashAfter(dir, 9, cfg({ segmentBytes: batchSize * 3 }));
  // Segments [0,6) [6,12) [12,18). A torn middle segment leaves a gap, so everything after it goes.
  rmSync(seg(dir, 6, 'index'));
  truncateSync(seg(dir, 6, 'log'), batchSize + 5);
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: batchSize * 3 }));
  defer(t, () => log.close());
  assert.deepEqual(log.segmentBaseOffsets, [0, 6]);
  assert.equal(log.logEndOffset, 8);
  assert.ok(!existsSync(seg(dir, 12, 'log')));
  assert.deepEqual(await readAll(log), [0, 2, 4, 6]);
});

test('missing index files are rebuilt after an unclean stop', async (t) => {
  const dir = tempDir(t);
  await crashAfter(dir, 12, cfg({ segmentBytes: batchSize * 4 }));
  for (const base of [0, 8, 16]) {
    rmSync(seg(dir, base, 'index'), { force: true });
    rmSync(seg(dir, base, 'timeindex'), { force: true });
  }
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: batchSize * 4 }));
  defer(t, () => log.close());
  assert.equal(log.logEndOffset, 24);
  assert.ok(existsSync(seg(dir, 0, 'index')) && existsSync(seg(dir, 8, 'timeindex')));
  assert.deepEqual(await readAll(log), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
  assert.equal(batchesIn((await log.read(13, 1, true)).records)[0]!.baseOffset, 12);
});

test('garbage or deleted indexes are detected and rebuilt after a clean close', async (t) => {
  const dir = tempDir(t);
  const config = cfg({ segmentBytes: batchSize * 4, indexIntervalBytes: 1 });
  const first = await PartitionLog.open(dir, config);
  for (let i = 0; i < 10; i++) await first.append(buildBatch({ records: 2 }), { durable: false, recordCount: 2 });
  await first.close();
  // Segments [0,8) [8,16) [16,20): garble an old index, delete another's, garble the active one's.
  writeFileSync(seg(dir, 0, 'index'), Buffer.from([0, 0, 0, 5, 0, 0, 0x40, 0, 0, 0, 0, 1, 0, 0, 0, 9]));
  rmSync(seg(dir, 8, 'timeindex'));
  writeFileSync(seg(dir, 16, 'index'), Buffer.from('not an index'));
  const log = await PartitionLog.open(dir, config);
  defer(t, () => log.close());
  assert.equal(log.logEndOffset, 20);
  for (let o = 0; o < 20; o++) assert.equal(batchesIn((await log.read(o, 1, true)).records)[0]!.baseOffset, o - (o % 2));
  assert.deepEqual(await log.offsetForTimestamp(-2), { offset: 0, timestamp: -1 });
  assert.equal(readFileSync(seg(dir, 0, 'index')).length % 8, 0);
});

test('an index entry pointing at the wrong batch is caught on read', async (t) => {
  const dir = tempDir(t);
  const config = cfg({ segmentBytes: batchSize * 4, indexIntervalBytes: 1 });
  const first = await PartitionLog.open(dir, config);
  for (let i = 0; i < 10; i++) await first.append(buildBatch({ records: 2 }), { durable: false, recordCount: 2 });
  await first.close();
  // Well-formed, but claims offset 1 (relative) is at the position of the batch holding offsets 4-5.
  const bad = Buffer.alloc(8);
  bad.writeInt32BE(1, 0);
  bad.writeInt32BE(batchSize * 2, 4);
  writeFileSync(seg(dir, 0, 'index'), bad);
  const log = await PartitionLog.open(dir, config);
  defer(t, () => log.close());
  assert.equal(batchesIn((await log.read(2, 1, true)).records)[0]!.baseOffset, 2);
});

test('reopen after a clean close restores every offset and keeps appending', async (t) => {
  const dir = tempDir(t);
  let now = 5_000_000;
  const config = cfg({ segmentBytes: batchSize * 5 });
  const first = await PartitionLog.open(dir, config, { clock: () => now });
  for (let i = 0; i < 12; i++) await first.append(buildBatch({ records: 2, baseTimestamp: now + i }), { durable: false, recordCount: 2 });
  await first.close();
  assert.ok(existsSync(join(dir, 'clean-shutdown.json')));
  const log = await PartitionLog.open(dir, config, { clock: () => now });
  defer(t, () => log.close());
  assert.ok(!existsSync(join(dir, 'clean-shutdown.json')));
  assert.equal(log.logEndOffset, 24);
  assert.deepEqual(log.segmentBaseOffsets, [0, 10, 20]);
  assert.equal(log.sizeInBytes, batchSize * 12);
  assert.deepEqual(await log.offsetForTimestamp(now + 7), { offset: 14, timestamp: now + 7 });
  assert.deepEqual(await log.offsetForTimestamp(-3), { offset: 22, timestamp: now + 11 });
  now += 1;
  const r = await log.append(buildBatch({ records: 2 }), { durable: true, recordCount: 2 });
  assert.equal(r.baseOffset, 24);
  assert.deepEqual(await readAll(log), Array.from({ length: 13 }, (_, i) => i * 2));
});

test('1,000 small partitions reopen intact after a clean shutdown', async (t) => {
  const root = tempDir(t);
  const config = cfg();
  const dirs = Array.from({ length: 1000 }, (_, i) => join(root, `topic-${i}`));
  const logs = await Promise.all(dirs.map((d) => PartitionLog.open(d, config)));
  await Promise.all(logs.map(async (log, i) => {
    for (let j = 0; j <= i % 3; j++) await log.append(buildBatch({ records: 1 + (i % 5), valueSize: 10 }), { durable: false, recordCount: 1 + (i % 5) });
  }));
  await Promise.all(logs.map((l) => l.close()));
  const reopened = await Promise.all(dirs.map((d) => PartitionLog.open(d, config)));
  defer(t, () => Promise.all(reopened.map((l) => l.close())));
  for (const [i, log] of reopened.entries()) {
    assert.equal(log.logEndOffset, ((i % 3) + 1) * (1 + (i % 5)));
    const last = batchesIn((await log.read(log.logEndOffset - 1, 1, true)).records)[0]!;
    assert.equal(last.lastOffset, log.logEndOffset - 1);
  }
});
