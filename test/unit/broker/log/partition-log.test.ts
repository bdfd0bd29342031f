import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { hasValidCrc, maxTimestampOf, attributesOf, ATTR_TIMESTAMP_TYPE_LOG_APPEND } from '../../../../src/protocol/record-batch-header.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/broker/log/log-config.js';
import { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { batchesIn, buildBatch, defer, tempDir } from './batch-helper.js';

const cfg = (over: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...over });

test('append then read returns the same bytes with offsets assigned', async (t) => {
  const dir = tempDir(t);
  const log = await PartitionLog.open(dir, cfg());
  defer(t, () => log.close());
  const batch = buildBatch({ records: 5, valueSize: 20 });
  const original = Buffer.from(batch);
  const r = await log.append(batch, { durable: false, recordCount: 5 });
  assert.deepEqual(r, { baseOffset: 0, lastOffset: 4, logAppendTime: -1, logStartOffset: 0 });
  assert.equal(log.logEndOffset, 5);
  const { records, logEndOffset, logStartOffset } = await log.read(0, 1 << 20, true);
  assert.equal(logEndOffset, 5);
  assert.equal(logStartOffset, 0);
  assert.deepEqual(records.subarray(8), original.subarray(8));
  assert.ok(hasValidCrc(records, 0, records.length));
});

test('offsets are contiguous across many concurrent appends', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg({ indexIntervalBytes: 256 }));
  defer(t, () => log.close());
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => log.append(buildBatch({ records: (i % 7) + 1, valueSize: 10 }), { durable: false, recordCount: (i % 7) + 1 })),
  );
  let expected = 0;
  for (const [i, r] of results.entries()) {
    assert.equal(r.baseOffset, expected);
    expected += (i % 7) + 1;
    assert.equal(r.lastOffset, expected - 1);
  }
  assert.equal(log.logEndOffset, expected);
  // Reading everything back yields every batch in order, with the offsets the appends reported.
  const all: number[] = [];
  let offset = 0;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, 4096, true);
    const bs = batchesIn(records);
    assert.ok(bs.length > 0);
    for (const b of bs) all.push(b.baseOffset);
    offset = bs[bs.length - 1]!.lastOffset + 1;
  }
  assert.deepEqual(all, results.map((r) => r.baseOffset));
});

test('read from the middle of a batch returns the whole batch', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg({ indexIntervalBytes: 1 }));
  defer(t, () => log.close());
  for (let i = 0; i < 10; i++) await log.append(buildBatch({ records: 10 }), { durable: false, recordCount: 10 });
  for (const offset of [0, 3, 37, 99]) {
    const { records } = await log.read(offset, 1, true);
    const [first] = batchesIn(records);
    assert.equal(first!.baseOffset, Math.floor(offset / 10) * 10);
    assert.equal(batchesIn(records).length, 1);
  }
});

test('maxBytes limits whole batches; minOneBatch returns an oversized first batch', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  const size = buildBatch({ records: 2, valueSize: 100 }).length;
  for (let i = 0; i < 10; i++) await log.append(buildBatch({ records: 2, valueSize: 100 }), { durable: false, recordCount: 2 });
  assert.equal(batchesIn((await log.read(0, size * 3 + 10, false)).records).length, 3);
  assert.equal(batchesIn((await log.read(4, size * 3, false)).records).length, 3);
  assert.equal((await log.read(0, size - 1, false)).records.length, 0);
  const one = await log.read(0, size - 1, true);
  assert.equal(one.records.length, size);
  assert.equal(batchesIn((await log.read(0, 1 << 20, false)).records).length, 10);
  const atEnd = await log.read(20, 1000, true);
  assert.equal(atEnd.records.length, 0);
  assert.equal(atEnd.logEndOffset, 20);
});

test('OFFSET_OUT_OF_RANGE below the log start and past the log end', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await log.append(buildBatch({ records: 3 }), { durable: false, recordCount: 3 });
  await assert.rejects(log.read(4, 100, true), (e: { code: string; errorCode: number }) => e.code === 'OFFSET_OUT_OF_RANGE' && e.errorCode === 1);
  await assert.rejects(log.read(-1, 100, true), { code: 'OFFSET_OUT_OF_RANGE' });
  assert.equal((await log.read(3, 100, true)).records.length, 0);
});

test('rolls by size and by age', async (t) => {
  let now = 1_000_000;
  const size = buildBatch({ records: 1, valueSize: 100 }).length;
  const dir = tempDir(t);
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: size * 3, segmentMs: 1000 }), { clock: () => now });
  defer(t, () => log.close());
  for (let i = 0; i < 7; i++) await log.append(buildBatch({ baseTimestamp: now }), { durable: false, recordCount: 1 });
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6]);
  now += 1001;
  await log.append(buildBatch({ baseTimestamp: now }), { durable: false, recordCount: 1 });
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6, 7]);
  // enforceRetention also rolls an old active segment, so that it can expire.
  now += 1001;
  await log.enforceRetention(now);
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6, 7, 8]);
  await log.flush();
  for (let o = 0; o < 8; o++) assert.equal(batchesIn((await log.read(o, 1, true)).records)[0]!.baseOffset, o);
  await log.close();
  const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  assert.deepEqual(files, [0, 3, 6, 7, 8].map((b) => `${String(b).padStart(20, '0')}.log`));
});

test('retention by time deletes whole expired segments and moves the log start', async (t) => {
  let now = 10_000_000;
  const size = buildBatch().length;
  const dir = tempDir(t);
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: size * 2, retentionMs: 5000 }), { clock: () => now });
  defer(t, () => log.close());
  for (let i = 0; i < 6; i++) {
    await log.append(buildBatch({ baseTimestamp: now }), { durable: false, recordCount: 1 });
    now += 1000;
  }
  assert.deepEqual(log.segmentBaseOffsets, [0, 2, 4]);
  // Segment [0,2) has max timestamp start+1000; at start+6500 only it is past 5000 ms.
  assert.equal(await log.enforceRetention(10_000_000 + 6500), 1);
  assert.equal(log.logStartOffset, 2);
  assert.deepEqual(log.segmentBaseOffsets, [2, 4]);
  await assert.rejects(log.read(1, 100, true), { code: 'OFFSET_OUT_OF_RANGE' });
  assert.equal(batchesIn((await log.read(2, 100, true)).records)[0]!.baseOffset, 2);
  assert.ok(!readdirSync(dir).includes('00000000000000000000.log'));
  // Everything expired: the active segment is rolled and all data goes; the log end stays.
  assert.equal(await log.enforceRetention(10_000_000 + 60_000), 2);
  assert.equal(log.logStartOffset, 6);
  assert.equal(log.logEndOffset, 6);
  assert.equal(log.sizeInBytes, 0);
  const r = await log.append(buildBatch({ baseTimestamp: now }), { durable: false, recordCount: 1 });
  assert.equal(r.baseOffset, 6);
  assert.equal(r.logStartOffset, 6);
});

test('retention by bytes deletes the oldest whole segments only', async (t) => {
  const size = buildBatch().length;
  const log = await PartitionLog.open(tempDir(t), cfg({ segmentBytes: size * 2, retentionBytes: size * 3, retentionMs: -1 }));
  defer(t, () => log.close());
  for (let i = 0; i < 7; i++) await log.append(buildBatch(), { durable: false, recordCount: 1 });
  assert.equal(log.sizeInBytes, size * 7);
  // 7 batches in segments of 2,2,2,1: dropping two segments leaves 3 batches = retention.bytes.
  assert.equal(await log.enforceRetention(), 2);
  assert.equal(log.logStartOffset, 4);
  assert.equal(log.sizeInBytes, size * 3);
  assert.equal(await log.enforceRetention(), 0);
});

test('offsetForTimestamp and the special timestamps', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg({ indexIntervalBytes: 1, segmentBytes: 2000 }));
  defer(t, () => log.close());
  // Batches at t=1000,2000,...; each has 3 records at +0,+10,+20.
  for (let i = 1; i <= 20; i++) {
    await log.append(buildBatch({ records: 3, baseTimestamp: i * 1000, timestampDeltas: [0, 10, 20] }), { durable: false, recordCount: 3 });
  }
  assert.ok(log.segmentCount > 1);
  assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestamp: 1000 });
  assert.deepEqual(await log.offsetForTimestamp(1000), { offset: 0, timestamp: 1000 });
  assert.deepEqual(await log.offsetForTimestamp(1005), { offset: 1, timestamp: 1010 });
  assert.deepEqual(await log.offsetForTimestamp(1021), { offset: 3, timestamp: 2000 });
  assert.deepEqual(await log.offsetForTimestamp(15_015), { offset: 14 * 3 + 2, timestamp: 15_020 });
  assert.equal(await log.offsetForTimestamp(20_021), null);
  assert.deepEqual(await log.offsetForTimestamp(-1), { offset: 60, timestamp: -1 });
  assert.deepEqual(await log.offsetForTimestamp(-2), { offset: 0, timestamp: -1 });
  assert.deepEqual(await log.offsetForTimestamp(-3), { offset: 59, timestamp: 20_020 });
});

test('LogAppendTime stamps the batch and recomputes its CRC', async (t) => {
  const now = 1_234_567;
  const log = await PartitionLog.open(tempDir(t), cfg({ messageTimestampType: 'LogAppendTime' }), { clock: () => now });
  defer(t, () => log.close());
  const r = await log.append(buildBatch({ records: 2, baseTimestamp: 5 }), { durable: false, recordCount: 2 });
  assert.equal(r.logAppendTime, now);
  const { records } = await log.read(0, 1000, true);
  assert.equal(maxTimestampOf(records), now);
  assert.ok(attributesOf(records) & ATTR_TIMESTAMP_TYPE_LOG_APPEND);
  assert.ok(hasValidCrc(records, 0, records.length));
  assert.deepEqual(await log.offsetForTimestamp(now), { offset: 0, timestamp: now });
});

test('durable appends resolve only after an fsync, and concurrent ones share fsyncs', async (t) => {
  let syncs = 0;
  const gates: (() => void)[] = [];
  let hold = true;
  const fsync = (): Promise<void> => {
    syncs++;
    return hold ? new Promise((resolve) => gates.push(resolve)) : Promise.resolve();
  };
  const log = await PartitionLog.open(tempDir(t), cfg(), { fsync });
  defer(t, async () => {
    hold = false;
    while (gates.length) gates.shift()!();
    await log.close();
  });
  let resolved = false;
  const first = log.append(buildBatch(), { durable: true, recordCount: 1 }).then((r) => ((resolved = true), r));
  while (gates.length === 0) await new Promise((r) => setImmediate(r));
  assert.equal(syncs, 1);
  // While the first fsync is in flight, 50 more durable appends arrive.
  const more = Array.from({ length: 50 }, () => log.append(buildBatch(), { durable: true, recordCount: 1 }));
  // Their writes complete (the data is readable) but none is acknowledged before its fsync.
  while (log.highWatermark < 51) await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false);
  assert.equal(syncs, 1);
  gates.shift()!();
  await first;
  assert.equal(resolved, true);
  // All 50 waiting appends are covered by one more sync.
  while (gates.length === 0) await new Promise((r) => setImmediate(r));
  gates.shift()!();
  const results = await Promise.all(more);
  assert.equal(results[49]!.lastOffset, 50);
  assert.equal(syncs, 2);
  // Non-durable appends need no sync.
  await log.append(buildBatch(), { durable: false, recordCount: 1 });
  assert.equal(syncs, 2);
});

test('flush.messages triggers an fsync', async (t) => {
  let syncs = 0;
  const log = await PartitionLog.open(tempDir(t), cfg({ flushMessages: 10 }), { fsync: async () => void syncs++ });
  defer(t, () => log.close());
  for (let i = 0; i < 9; i++) await log.append(buildBatch(), { durable: false, recordCount: 1 });
  assert.equal(syncs, 0);
  await log.append(buildBatch(), { durable: false, recordCount: 1 });
  await new Promise((r) => setImmediate(r));
  assert.equal(syncs, 1);
});
