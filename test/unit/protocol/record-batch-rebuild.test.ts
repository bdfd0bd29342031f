import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE_LOG_APPEND, ATTRIBUTES, CRC, MAX_TIMESTAMP, attributesOf, baseTimestampOf,
  computeCrc, hasValidCrc, setBaseOffset, writeInt64,
} from '../../../src/protocol/record-batch-header.js';
import { decodeRecords, encodeBatch, rebuildBatch } from '../../../src/protocol/record-batch.js';

const records = Array.from({ length: 5 }, (_, i) => ({
  key: `k${i}`, value: i === 3 ? null : `value-${i}`, timestamp: 1_700_000_000_000 + i * 10,
  headers: i === 1 ? [{ key: 'h', value: Buffer.from('x') }] : [],
}));

test('rebuildBatch keeps the chosen records at their offsets, the batch range, codec and producer fields', () => {
  for (const compression of [0, 1, 2, 3, 4]) {
    const original = encodeBatch(records, { compression, producerId: 7, producerEpoch: 2, baseSequence: 40, partitionLeaderEpoch: 3 });
    setBaseOffset(original, 0, 1000);
    const decoded = decodeRecords(original, { verifyCrc: false });
    const kept = [decoded.records[1]!, decoded.records[3]!];
    const rebuilt = rebuildBatch(decoded, kept);
    assert.ok(hasValidCrc(rebuilt, 0, rebuilt.length));
    const again = decodeRecords(rebuilt);
    assert.equal(again.compression, compression);
    assert.equal(again.baseOffset, 1000);
    assert.equal(again.lastOffsetDelta, 4);
    assert.equal(again.recordCount, 2);
    assert.deepEqual([again.producerId, again.producerEpoch, again.baseSequence, again.partitionLeaderEpoch], [7, 2, 40, 3]);
    assert.deepEqual(
      again.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString() ?? null, r.timestamp, r.headers.length]),
      [[1001, 'k1', 'value-1', 1_700_000_000_010, 1], [1003, 'k3', null, 1_700_000_000_030, 0]],
    );
    assert.equal(again.maxTimestamp, 1_700_000_000_030);
    assert.equal(attributesOf(rebuilt) & ATTR_DELETE_HORIZON, 0);
  }
});

test('rebuildBatch stores a delete horizon as Kafka 3.x does, keeping record timestamps exact', () => {
  const decoded = decodeRecords(encodeBatch(records, { compression: 3 }));
  const horizon = 1_800_000_000_000;
  const rebuilt = rebuildBatch(decoded, decoded.records.slice(2), { deleteHorizonMs: horizon });
  assert.ok(attributesOf(rebuilt) & ATTR_DELETE_HORIZON);
  assert.equal(baseTimestampOf(rebuilt), horizon);
  const again = decodeRecords(rebuilt);
  assert.deepEqual(again.records.map((r) => r.timestamp), records.slice(2).map((r) => r.timestamp));
  // A later rebuild keeps the horizon already set.
  const twice = rebuildBatch(again, again.records.slice(1));
  assert.equal(baseTimestampOf(twice), horizon);
  assert.deepEqual(decodeRecords(twice).records.map((r) => r.timestamp), records.slice(3).map((r) => r.timestamp));
});

test('rebuildBatch keeps LogAppendTime batches LogAppendTime, with their append time', () => {
  const original = encodeBatch(records, { compression: 2 });
  original.writeInt16BE(original.readInt16BE(ATTRIBUTES) | ATTR_TIMESTAMP_TYPE_LOG_APPEND, ATTRIBUTES);
  writeInt64(original, MAX_TIMESTAMP, 1_750_000_000_000);
  original.writeUInt32BE(computeCrc(original, 0, original.length), CRC);
  const decoded = decodeRecords(original);
  const rebuilt = decodeRecords(rebuildBatch(decoded, decoded.records.slice(0, 2)));
  assert.equal(rebuilt.isLogAppendTime, true);
  assert.equal(rebuilt.maxTimestamp, 1_750_000_000_000);
  assert.deepEqual(rebuilt.records.map((r) => r.timestamp), [1_750_000_000_000, 1_750_000_000_000]);
});

test('rebuildBatch refuses to build an empty batch', () => {
  const decoded = decodeRecords(encodeBatch(records));
  assert.throws(() => rebuildBatch(decoded, []), /at least one record/);
});
