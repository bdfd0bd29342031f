import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ATTR_DELETE_HORIZON } from '../../../../src/protocol/record-batch-header.js';
import { checkCompactedTopicKeys } from '../../../../src/broker/log/compacted-topic.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/broker/log/log-config.js';
import { CLEANER_STEPS } from '../../../../src/broker/log/log-cleaner.js';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { segmentName } from '../../../../src/broker/log/log-segment.js';
import { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { encodeBatch } from '../../../../src/protocol/record-batch.js';
import { defer, tempDir } from './batch-helper.js';
import { appendKeyed, latestPerKey, readAll, readBatches, strip, type Rec } from './compaction-helper.js';

const HOUR = 3_600_000;
const cfg = (over: Partial<LogConfig> = {}): LogConfig => ({
  ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', segmentBytes: 4096, segmentMs: HOUR, deleteRetentionMs: 60_000, ...over,
});

/** 600 updates over 30 keys in batches of 6, key k deleted (tombstone) when k % 7 === 3 near the end, then key 'end'. */
async function writeUpdates(log: PartitionLog, opts: { compression?: number; timestamp?: number } = {}): Promise<Rec[]> {
  const written: Rec[] = [];
  for (let b = 0; b < 100; b++) {
    const recs = Array.from({ length: 6 }, (_, i) => {
      const n = b * 6 + i;
      return { key: `k${n % 30}`, value: `v${n}-${'x'.repeat(20)}` };
    });
    written.push(...(await appendKeyed(log, recs, opts)));
  }
  const tombstones = Array.from({ length: 30 }, (_, k) => k).filter((k) => k % 7 === 3).map((k) => ({ key: `k${k}`, value: null }));
  written.push(...(await appendKeyed(log, tombstones, opts)));
  // The log's last batch is never cleaned (see retainBatchEndingAt): a live record of its own key.
  written.push(...(await appendKeyed(log, [{ key: 'end', value: 'end' }], opts)));
  return written;
}

/** A time after which compact() rolls the active segment (segment.ms is an hour), so the whole log is cleanable. */
const later = (): number => Date.now() + 2 * HOUR;

test('compaction keeps exactly the latest record per key at its original offset; tombstones go after delete.retention.ms', async (t) => {
  const dir = tempDir(t);
  const log = await PartitionLog.open(dir, cfg());
  defer(t, () => log.close());
  const written = await writeUpdates(log);
  const segmentsBefore = log.segmentCount;
  const bytesBefore = log.sizeInBytes;
  assert.ok(segmentsBefore > 5);

  const now = later();
  const result = await log.compact(now);
  assert.ok(result, 'a never-cleaned log has dirty ratio 1');
  assert.equal(result.endOffset, log.logEndOffset);
  // Tombstones stay for now: they carry a delete horizon of now + delete.retention.ms.
  assert.deepEqual(strip(await readAll(log)), strip(latestPerKey(written, true)));
  assert.ok(log.sizeInBytes < bytesBefore / 5);
  const withTombstones = (await readBatches(log)).filter((b) => b.records.some((r) => r.value === null));
  assert.ok(withTombstones.length > 0);
  for (const b of withTombstones) assert.ok(b.attributes & ATTR_DELETE_HORIZON, 'tombstone batches carry the delete horizon flag');
  // Record timestamps survive the horizon being stored in baseTimestamp.
  for (const r of await readAll(log)) assert.equal(r.timestamp, written.find((w) => w.offset === r.offset)!.timestamp);

  // Before the horizon a pass keeps them; the log is not even eligible (nothing dirty, horizon not due).
  assert.equal(await log.compact(now + 1000), null);
  const info = await log.cleanableInfo(now + 60_001);
  assert.ok(info?.deleteHorizonDue && info.eligible);
  await log.compact(now + 60_001);
  assert.deepEqual(strip(await readAll(log)), strip(latestPerKey(written, false)));
  // Offsets still increase and the log end did not move.
  assert.equal(log.logEndOffset, written.length);
  const after = await readAll(log);
  for (let i = 1; i < after.length; i++) assert.ok(after[i]!.offset > after[i - 1]!.offset);
  // Groups are formed by input size (as Kafka's groupSegmentsBySize): the small segments the first pass
  // left are merged by the next one.
  assert.ok(log.segmentCount < segmentsBefore / 2, `${log.segmentCount} segments of ${segmentsBefore}`);

  // Reopened (cleanly and after a crash), the same records are there.
  await log.close();
  const reopened = await PartitionLog.open(dir, cfg());
  defer(t, () => reopened.close());
  assert.deepEqual(strip(await readAll(reopened)), strip(latestPerKey(written, false)));
});

test('batches keep baseOffset and lastOffsetDelta, so appends and offsets after cleaning are unaffected', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await writeUpdates(log);
  const before = new Map((await readBatches(log)).map((b) => [b.baseOffset, b.lastOffsetDelta]));
  await log.compact(later());
  for (const b of await readBatches(log)) {
    assert.equal(before.get(b.baseOffset), b.lastOffsetDelta, `batch ${b.baseOffset} kept its offset range`);
    assert.ok(b.records.length <= b.lastOffsetDelta + 1);
  }
  const end = log.logEndOffset;
  const [next] = await appendKeyed(log, [{ key: 'k1', value: 'after' }]);
  assert.equal(next!.offset, end);
});

test('compressed batches are re-encoded with their own codec', async (t) => {
  for (const codec of [1, 2, 3, 4]) {
    const log = await PartitionLog.open(tempDir(t), cfg());
    defer(t, () => log.close());
    const written = await writeUpdates(log, { compression: codec });
    await log.compact(later());
    const batches = await readBatches(log);
    assert.ok(batches.length > 0);
    for (const b of batches) assert.equal(b.compression, codec, `codec ${codec}`);
    assert.deepEqual(strip(await readAll(log)), strip(latestPerKey(written, true)), `codec ${codec}`);
  }
});

test('the active segment is never cleaned', async (t) => {
  const dir = tempDir(t);
  const log = await PartitionLog.open(dir, cfg());
  defer(t, () => log.close());
  const written = await writeUpdates(log);
  const activeBase = log.segmentBaseOffsets.at(-1)!;
  const activeBytes = readFileSync(join(dir, `${segmentName(activeBase)}.log`));
  assert.ok(activeBytes.length > 0);
  // Now (not hours later): segment.ms has not passed, so the active segment is not rolled either.
  const result = await log.compact();
  assert.equal(result!.endOffset, activeBase);
  assert.deepEqual(readFileSync(join(dir, `${segmentName(activeBase)}.log`)), activeBytes);
  // Below the active segment each key appears at most once; the active segment is as written.
  const all = await readAll(log);
  const cleanedPart = all.filter((r) => r.offset < activeBase);
  assert.equal(new Set(cleanedPart.map((r) => r.key)).size, cleanedPart.length);
  assert.deepEqual(strip(all.filter((r) => r.offset >= activeBase)), strip(written.filter((r) => r.offset >= activeBase)));
});

test('min.compaction.lag.ms: segments with younger records wait', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg({ minCompactionLagMs: 10 * 60_000 }));
  defer(t, () => log.close());
  const now = Date.now();
  const old = await writeUpdates(log, { timestamp: now - 20 * 60_000 });
  const firstYoung = log.logEndOffset;
  const young = await writeUpdates(log, { timestamp: now });
  await log.flush();
  const info = await log.cleanableInfo(now);
  assert.ok(info);
  // Cleaning stops at the first segment holding a young record.
  assert.ok(info.firstUncleanable <= firstYoung && info.firstUncleanable > 0);
  await log.compact(now);
  const all = await readAll(log);
  const cleaned = all.filter((r) => r.offset < info.firstUncleanable);
  // Old records superseded by young ones are not removed: only the cleanable range's own map applies.
  assert.deepEqual(strip(cleaned), strip(latestPerKey(old.filter((r) => r.offset < info.firstUncleanable), true)));
  assert.deepEqual(strip(all.filter((r) => r.offset >= info.firstUncleanable)), strip([...old, ...young].filter((r) => r.offset >= info.firstUncleanable)));
});

test('dirty ratio decides which logs the cleaner picks; max.compaction.lag.ms overrides it', async (t) => {
  const dir = tempDir(t);
  const logs = await LogManager.open(dir, {}, { cleaner: { enable: false } });
  defer(t, () => logs.close());
  const base = { 'cleanup.policy': 'compact', 'segment.bytes': '4096', 'segment.ms': String(HOUR) };
  const lazy = (await logs.createTopic('lazy', 1, { ...base, 'min.cleanable.dirty.ratio': '0.9' })).partitions[0]!;
  const eager = (await logs.createTopic('eager', 1, { ...base, 'min.cleanable.dirty.ratio': '0.01' })).partitions[0]!;
  const lagged = (await logs.createTopic('lagged', 1, { ...base, 'min.cleanable.dirty.ratio': '0.9', 'max.compaction.lag.ms': '60000' })).partitions[0]!;
  const plain = (await logs.createTopic('plain', 1, { 'segment.bytes': '4096' })).partitions[0]!;
  const t0 = Date.now();
  for (const p of [lazy, eager, lagged, plain]) await writeUpdates(p, { timestamp: t0 });

  // Never cleaned: ratio 1 for all three compacted topics; a delete-policy topic is never touched.
  const first = await logs.runCleanerOnce(t0 + 2 * HOUR);
  assert.deepEqual(first.map((c) => c.topic).sort(), ['eager', 'lagged', 'lazy']);

  // A little more data: a dirty ratio well below 0.9 and above 0.01.
  for (const p of [lazy, eager, lagged]) {
    await appendKeyed(p, Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: 'again' })), { timestamp: t0 + 2 * HOUR });
  }
  const now = t0 + 4 * HOUR;
  const second = await logs.runCleanerOnce(now);
  // lagged: its dirty segment's first batch is two hours old, beyond max.compaction.lag.ms.
  assert.deepEqual(second.map((c) => c.topic).sort(), ['eager', 'lagged']);
  // The pass rolled lazy's active segment (segment.ms) but found it not dirty enough.
  const ratio = (await lazy.cleanableInfo(now))!;
  assert.ok(ratio.dirtyRatio > 0.01 && ratio.dirtyRatio < 0.9, `dirty ratio ${ratio.dirtyRatio}`);
  assert.equal(ratio.eligible, false);
  assert.equal(new Set((await readAll(eager)).map((r) => r.key)).size, (await readAll(eager)).length);
});

test('a crash at every step of a clean leaves a readable log; the next clean completes it', async (t) => {
  for (const step of CLEANER_STEPS) {
    const dir = tempDir(t);
    let crashes = 0;
    const crashing = await PartitionLog.open(dir, cfg(), {
      cleanerHook: (s) => {
        // The second group, so that one swap has completed and one is half done.
        if (s === step && ++crashes === 2) throw new Error(`simulated crash at ${s}`);
      },
    });
    const written = await writeUpdates(crashing);
    const now = later();
    await assert.rejects(crashing.compact(now), /simulated crash/);
    // The crashed instance is abandoned as a killed process would be: no close, no marker.

    const reopened = await PartitionLog.open(dir, cfg());
    defer(t, () => reopened.close());
    const leftovers = readdirSync(dir).filter((n) => /\.(cleaned|swap|cleaning)$/.test(n));
    assert.deepEqual(leftovers, [], `step ${step}: recovery leaves no temporary files`);
    const recovered = await readAll(reopened);
    // Between the log before and after cleaning: increasing offsets, each record as written at its offset,
    // and every key's latest record present.
    const byOffset = new Map(written.map((r) => [r.offset, r]));
    for (let i = 0; i < recovered.length; i++) {
      const r = recovered[i]!;
      if (i > 0) assert.ok(r.offset > recovered[i - 1]!.offset, `step ${step}: offsets increase`);
      assert.deepEqual(strip([r]), strip([byOffset.get(r.offset)!]), `step ${step}: record at ${r.offset}`);
    }
    const offsets = new Set(recovered.map((r) => r.offset));
    for (const r of latestPerKey(written, true)) assert.ok(offsets.has(r.offset), `step ${step}: latest of ${r.key} present`);

    await reopened.compact(now, { force: true });
    await reopened.compact(now + 60_001);
    assert.deepEqual(strip(await readAll(reopened)), strip(latestPerKey(written, false)), `step ${step}: final`);
  }
});

test('a crash inside the swap renames (index renamed, log not yet) rolls the clean back', async (t) => {
  const dir = tempDir(t);
  const crashing = await PartitionLog.open(dir, cfg(), {
    cleanerHook: (s) => {
      if (s === 'manifest') throw new Error('simulated crash');
    },
  });
  const written = await writeUpdates(crashing);
  const before = strip(await readAll(crashing));
  await assert.rejects(crashing.compact(later()), /simulated crash/);
  const base = segmentName(crashing.segmentBaseOffsets[0]!);
  renameSync(join(dir, `${base}.index.cleaned`), join(dir, `${base}.index.swap`));

  const reopened = await PartitionLog.open(dir, cfg());
  defer(t, () => reopened.close());
  assert.deepEqual(readdirSync(dir).filter((n) => /\.(cleaned|swap|cleaning)$/.test(n)), []);
  assert.deepEqual(strip(await readAll(reopened)), before);
  await reopened.compact(later());
  assert.deepEqual(strip(await readAll(reopened)), strip(latestPerKey(written, true)));
});

test('checkCompactedTopicKeys refuses keyless records in compacted topics only', () => {
  const keyless = encodeBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }], { compression: 1 });
  const keyed = encodeBatch([{ key: 'a', value: '1' }, { key: 'b', value: null }]);
  const err = checkCompactedTopicKeys(keyless, cfg(), 'users', 3);
  assert.equal(err?.errorCode, 87);
  assert.equal(err?.errorMessage, 'Compacted topic cannot accept message without key in topic partition users-3.');
  assert.equal(checkCompactedTopicKeys(keyed, cfg(), 'users', 3), null);
  assert.equal(checkCompactedTopicKeys(keyless, cfg({ cleanupPolicy: 'delete' }), 'events', 0), null);
  assert.equal(checkCompactedTopicKeys(keyless, cfg({ cleanupPolicy: 'compact,delete' }), 'users', 0)?.errorCode, 87);
});

test('the last batch of the log survives cleaning whole, so a reader can always reach the log end', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await writeUpdates(log);
  // A final batch of nothing but tombstones for keys that are already deleted: cleaning would empty it.
  await appendKeyed(log, [{ key: 'end', value: null }, { key: 'k3', value: null }]);
  const end = log.logEndOffset;
  const now = later();
  await log.compact(now);
  await log.compact(now + 2 * HOUR, { force: true });
  const batches = await readBatches(log);
  const last = batches.at(-1)!;
  assert.equal(last.baseOffset + last.lastOffsetDelta + 1, end, 'a batch still ends at the log end');
  assert.deepEqual(last.records.map((r) => [r.key, r.value]), [['end', null], ['k3', null]]);
  // Everything before it was cleaned as usual: no tombstone survives its horizon there.
  assert.ok(batches.slice(0, -1).every((b) => b.records.every((r) => r.value !== null)));
});

test('the cleaner drops aborted transactions and leaves undecided ones alone', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  const txn = (pid: number, seq: number, key: string, value: string) =>
    log.append(encodeBatch([{ key, value }], { producerId: pid, producerEpoch: 0, baseSequence: seq, isTransactional: true }), { durable: false, recordCount: 1 });
  await appendKeyed(log, [{ key: 'a', value: 'committed-1' }]);
  await txn(1, 0, 'a', 'aborted'); // the latest 'a' by offset, but aborted
  await log.appendTxnMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false });
  await writeUpdates(log);
  const open = await txn(2, 0, 'b', 'open');
  await writeUpdates(log);
  await log.compact(later());
  const records = await readAll(log);
  assert.deepEqual(records.filter((r) => r.key === 'a').map((r) => r.value), ['committed-1'], 'the aborted value neither survives nor shadows');
  // From the open transaction's segment on nothing was cleaned: its record and the updates after it remain.
  assert.ok(records.some((r) => r.offset === open.baseOffset && r.value === 'open'));
  assert.ok(records.filter((r) => r.key === 'k0').length > 1, 'updates after the open transaction are not compacted yet');
});
