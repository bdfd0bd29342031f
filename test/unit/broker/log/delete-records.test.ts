import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/broker/log/log-config.js';
import { LogError } from '../../../../src/broker/log/log-error.js';
import { segmentName } from '../../../../src/broker/log/log-segment.js';
import { EARLIEST_TIMESTAMP, PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { batchesIn, buildBatch, defer, tempDir } from './batch-helper.js';

const cfg = (over: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...over });

/** 100 records in batches of 10, about 3 batches per segment. */
async function filled(dir: string): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: 3500 }));
  for (let i = 0; i < 10; i++) await log.append(buildBatch({ records: 10, valueSize: 100 }), { durable: false, recordCount: 10 });
  await log.flush();
  return log;
}

const outOfRange = (err: unknown): boolean => err instanceof LogError && err.code === 'OFFSET_OUT_OF_RANGE' && err.errorCode === 1;

test('deleteRecords moves the log start, deletes whole segments below it and refuses reads below it', async (t) => {
  const dir = tempDir(t);
  const log = await filled(dir);
  defer(t, () => log.close());
  assert.ok(log.segmentCount >= 3);
  const firstBase = log.segmentBaseOffsets[0]!;

  assert.equal(await log.deleteRecords(35), 35);
  assert.equal(log.logStartOffset, 35);
  // The segment holding 35 stays; every segment wholly below it is gone, files included.
  const bases = log.segmentBaseOffsets;
  assert.ok(bases[0]! <= 35 && (bases[1] ?? Infinity) > 35, `bases ${bases}`);
  assert.equal(existsSync(join(dir, `${segmentName(firstBase)}.log`)), bases[0] === firstBase);

  await assert.rejects(log.read(34, 1 << 20, true), outOfRange);
  await assert.rejects(log.read(0, 1 << 20, true), outOfRange);
  const r = await log.read(35, 1 << 20, true);
  assert.equal(r.logStartOffset, 35);
  // As in Kafka, the batch holding the start is returned whole; the client skips what lies below.
  assert.equal(batchesIn(r.records)[0]!.baseOffset, 30);
  assert.deepEqual(await log.offsetForTimestamp(EARLIEST_TIMESTAMP), { offset: 35, timestamp: -1 });

  // Lower than the current start: nothing moves.
  assert.equal(await log.deleteRecords(10), 35);
  // Beyond the high watermark, or negative other than -1: OFFSET_OUT_OF_RANGE.
  await assert.rejects(log.deleteRecords(101), outOfRange);
  await assert.rejects(log.deleteRecords(-2), outOfRange);
  assert.equal(log.logStartOffset, 35);
});

test('deleteRecords(-1) deletes up to the high watermark; appends continue after it', async (t) => {
  const log = await filled(tempDir(t));
  defer(t, () => log.close());
  assert.equal(await log.deleteRecords(-1), 100);
  assert.equal(log.logStartOffset, 100);
  // The active segment is never deleted, even when everything in it is below the start.
  assert.ok(log.segmentCount >= 1);
  const { records } = await log.read(100, 1 << 20, true);
  assert.equal(records.length, 0);
  const a = await log.append(buildBatch({ records: 2 }), { durable: false, recordCount: 2 });
  assert.equal(a.baseOffset, 100);
  assert.equal(a.logStartOffset, 100);
  assert.equal(batchesIn((await log.read(100, 1 << 20, true)).records)[0]!.baseOffset, 100);
});

test('the log start offset survives a clean restart and a crash', async (t) => {
  const dir = tempDir(t);
  const log = await filled(dir);
  await log.deleteRecords(42);
  await log.close();

  const reopened = await PartitionLog.open(dir, cfg({ segmentBytes: 3500 }));
  assert.equal(reopened.logStartOffset, 42);
  await assert.rejects(reopened.read(41, 1 << 20, true), outOfRange);
  await reopened.deleteRecords(57);
  // No close: the next open is a crash recovery.
  const afterCrash = await PartitionLog.open(dir, cfg({ segmentBytes: 3500 }));
  defer(t, () => afterCrash.close());
  assert.equal(afterCrash.logStartOffset, 57);
  assert.equal(afterCrash.logEndOffset, 100);
  assert.deepEqual(await afterCrash.offsetForTimestamp(EARLIEST_TIMESTAMP), { offset: 57, timestamp: -1 });
});

test('a log start checkpointed before its segments were deleted is completed on open', async (t) => {
  const dir = tempDir(t);
  const log = await filled(dir);
  const bases = log.segmentBaseOffsets;
  await log.close();
  // What a crash between the checkpoint write and the segment deletion leaves behind.
  const { writeCheckpoint, LOG_START_OFFSET_CHECKPOINT } = await import('../../../../src/broker/log/checkpoint.js');
  await writeCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT, { logStartOffset: 65 });
  const reopened = await PartitionLog.open(dir, cfg({ segmentBytes: 3500 }));
  defer(t, () => reopened.close());
  assert.equal(reopened.logStartOffset, 65);
  for (const b of bases.filter((b, i) => (bases[i + 1] ?? Infinity) <= 65)) {
    assert.equal(existsSync(join(dir, `${segmentName(b)}.log`)), false, `segment ${b} is below the start`);
  }
  assert.ok(reopened.segmentBaseOffsets[0]! <= 65);
});
