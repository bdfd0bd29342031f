import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as H from '../../../src/protocol/record-batch-header.js';
import {
  controlTypeOf,
  decodeControlRecord,
  decodeRecords,
  encodeBatch,
  encodeControlBatch,
  iterateBatches,
  validateBatches,
  type RecordInput,
} from '../../../src/protocol/record-batch.js';
import { compress } from '../../../src/protocol/compression.js';
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/errors.js';
import { cursor, readVarint, varintSize, writeVarint } from '../../../src/protocol/varint.js';

// Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), independent of the library.
function crc32cReference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const OPTS = { maxMessageBytes: 1 << 20 };

test('reference CRC-32C matches the standard check value', () => {
  assert.equal(crc32cReference(Buffer.from('123456789')), 0xe3069283);
});

// Two records, built field by field from the magic-v2 spec.
//   record 0: ts = base, key "k", value "v1", header h=x
//   record 1: ts = base + 5, key null, value "abc", no headers
function goldenBatch(): Buffer {
  const records = hex(`
    1a | 00 | 00 | 00 | 02 6b | 04 7631 | 02 | 02 68 02 78
    12 | 00 | 0a | 02 | 01    | 06 616263 | 00`);
  const header = hex(`
    0000000000000000 | 00000049 | ffffffff | 02 | 00000000 |
    0000 | 00000001 | 0000018bcfe56800 | 0000018bcfe56805 |
    ffffffffffffffff | ffff | ffffffff | 00000002`);
  const batch = Buffer.concat([header, records]);
  assert.equal(batch.length, 0x49 + 12);
  batch.writeUInt32BE(crc32cReference(batch.subarray(21)), 17);
  return batch;
}

const goldenRecords: RecordInput[] = [
  { key: 'k', value: Buffer.from('v1'), headers: [{ key: 'h', value: 'x' }], timestamp: 1_700_000_000_000 },
  { key: null, value: 'abc', timestamp: 1_700_000_000_005 },
];

test('encodeBatch produces exactly the hand-built golden bytes', () => {
  assert.equal(encodeBatch(goldenRecords).toString('hex'), goldenBatch().toString('hex'));
});

test('decodeRecords reads the golden batch field by field', () => {
  const d = decodeRecords(goldenBatch());
  assert.equal(d.baseOffset, 0);
  assert.equal(d.partitionLeaderEpoch, -1);
  assert.equal(d.compression, 0);
  assert.equal(d.isLogAppendTime, false);
  assert.equal(d.lastOffsetDelta, 1);
  assert.equal(d.baseTimestamp, 1_700_000_000_000);
  assert.equal(d.maxTimestamp, 1_700_000_000_005);
  assert.equal(d.producerId, -1);
  assert.equal(d.producerEpoch, -1);
  assert.equal(d.baseSequence, -1);
  assert.equal(d.recordCount, 2);
  assert.deepEqual(
    d.records.map((r) => ({ ...r, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, headers: r.headers.map((h) => [h.key, h.value?.toString()]) })),
    [
      { offset: 0, timestamp: 1_700_000_000_000, key: 'k', value: 'v1', headers: [['h', 'x']] },
      { offset: 1, timestamp: 1_700_000_000_005, key: null, value: 'abc', headers: [] },
    ],
  );
});

function manyRecords(n: number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: i % 7 === 0 ? null : `key-${i}`,
      value: i % 11 === 0 ? null : i % 13 === 0 ? Buffer.alloc(0) : Buffer.from(`{"i":${i},"text":"${'ü€'.repeat(i % 5)}"}`),
      headers: i % 3 === 0 ? [{ key: 'trace', value: `t${i}` }, { key: 'ünï', value: null }] : undefined,
      // Earlier than the first record too: timestamp deltas may be negative.
      timestamp: 1_700_000_000_000 + ((i * 7919) % 10_000) - 5_000,
    });
  }
  return out;
}

for (const codec of [0, 1, 2, 3, 4]) {
  test(`round trip of 1,000 records with codec ${codec}`, () => {
    const input = manyRecords(1000);
    const batch = encodeBatch(input, { compression: codec, producerId: 42, producerEpoch: 3, baseSequence: 100, baseOffset: 5000 });
    assert.equal(H.attributesOf(batch) & 7, codec);
    const v = validateBatches(batch, OPTS);
    assert.equal(v.errorCode, 0, v.errorMessage ?? '');
    const d = decodeRecords(batch);
    assert.equal(d.recordCount, 1000);
    assert.equal(d.producerId, 42);
    assert.equal(d.producerEpoch, 3);
    assert.equal(d.baseSequence, 100);
    assert.equal(d.maxTimestamp, Math.max(...input.map((r) => r.timestamp!)));
    d.records.forEach((r, i) => {
      const want = input[i]!;
      assert.equal(r.offset, 5000 + i);
      assert.equal(r.timestamp, want.timestamp);
      assert.equal(r.key?.toString() ?? null, want.key ?? null);
      assert.deepEqual(r.value, want.value === null ? null : Buffer.from(want.value as Buffer));
      assert.deepEqual(
        r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
        (want.headers ?? []).map((h) => [h.key, h.value]),
      );
    });
  });
}

test('records default to opts.timestamp; large values are copied intact', () => {
  const big = Buffer.alloc(100_000, 7);
  const d = decodeRecords(encodeBatch([{ value: big }, { value: 'x', timestamp: 99 }], { timestamp: 1234 }));
  assert.equal(d.baseTimestamp, 1234);
  assert.equal(d.maxTimestamp, 1234);
  assert.deepEqual(d.records.map((r) => r.timestamp), [1234, 99]);
  assert.deepEqual(d.records[0]!.value, big);
  assert.throws(() => encodeBatch([]));
  assert.throws(() => encodeBatch([{ value: 'x' }], { compression: 6 }));
});

test('a batch whose records are snappy-compressed in xerial framing (Java style) decodes', () => {
  const plain = encodeBatch(manyRecords(50));
  const section = plain.subarray(H.RECORDS);
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const blocks: Buffer[] = [];
  for (let at = 0; at < section.length; at += 1000) {
    const block = compress(2, section.subarray(at, at + 1000));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length);
    blocks.push(len, block);
  }
  const batch = Buffer.concat([plain.subarray(0, H.RECORDS), header, ...blocks]);
  batch.writeInt32BE(batch.length - 12, H.BATCH_LENGTH);
  batch.writeInt16BE(2, H.ATTRIBUTES);
  batch.writeUInt32BE(crc32cReference(batch.subarray(21)), H.CRC);
  assert.equal(validateBatches(batch, OPTS).errorCode, 0);
  assert.deepEqual(decodeRecords(batch).records, decodeRecords(plain).records);
});

test('validateBatches walks concatenated batches and reports what the log needs', () => {
  const a = encodeBatch(manyRecords(10), { compression: 4, producerId: 7, producerEpoch: 1, baseSequence: 0 });
  const b = encodeBatch(manyRecords(3), { producerId: 7, producerEpoch: 1, baseSequence: 10, isTransactional: true });
  const c = encodeBatch([{ value: 'late', timestamp: 1_800_000_000_000 }]);
  const v = validateBatches(Buffer.concat([a, b, c]), OPTS);
  assert.equal(v.errorCode, 0);
  assert.equal(v.errorMessage, null);
  assert.equal(v.recordCount, 14);
  assert.equal(v.maxTimestamp, 1_800_000_000_000);
  assert.deepEqual(
    v.batches.map((x) => [x.position, x.size, x.recordCount, x.compression, x.producerId, x.baseSequence, x.isTransactional, x.isControl]),
    [
      [0, a.length, 10, 4, 7, 0, false, false],
      [a.length, b.length, 3, 0, 7, 10, true, false],
      [a.length + b.length, c.length, 1, 0, -1, -1, false, false],
    ],
  );
  assert.equal(v.batches[0]!.lastOffsetDelta, 9);
  assert.equal(v.batches[0]!.producerEpoch, 1);
  assert.equal(v.batches[2]!.maxTimestamp, 1_800_000_000_000);
  const single = validateBatches(Buffer.concat([a, c]), { ...OPTS, singleBatch: true });
  assert.equal(single.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(single.batches.length, 1);
});

test('validateBatches: CRC mismatch anywhere in the covered range is CORRUPT_MESSAGE', () => {
  const batch = encodeBatch(manyRecords(5));
  for (const at of [H.CRC, H.ATTRIBUTES + 1, H.MAX_TIMESTAMP + 3, H.RECORDS + 2, batch.length - 1]) {
    const bad = Buffer.from(batch);
    bad[at]! ^= 0x01;
    const v = validateBatches(bad, OPTS);
    assert.equal(v.errorCode, ErrorCode.CORRUPT_MESSAGE, `flip at ${at}`);
    assert.match(v.errorMessage!, /CRC/);
  }
});

test('every single-bit flip is caught, except in baseOffset and partitionLeaderEpoch (outside the CRC)', () => {
  const batch = encodeBatch(manyRecords(4), { compression: 0 });
  for (let at = 0; at < batch.length; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = Buffer.from(batch);
      bad[at]! ^= 1 << bit;
      const v = validateBatches(bad, OPTS);
      const uncovered = at < H.BATCH_LENGTH || (at >= H.PARTITION_LEADER_EPOCH && at < H.MAGIC);
      if (uncovered) assert.equal(v.errorCode, 0, `byte ${at} bit ${bit}`);
      else assert.notEqual(v.errorCode, 0, `byte ${at} bit ${bit}`);
      // Decoding damaged bytes without the CRC check fails only with a Kafka error, never a crash.
      try {
        decodeRecords(bad, { verifyCrc: false });
      } catch (err) {
        assert.ok(err instanceof KafkaProtocolError, `byte ${at} bit ${bit}: ${String(err)}`);
        assert.equal(err.errorCode, ErrorCode.CORRUPT_MESSAGE);
      }
    }
  }
});

test('truncated input: validate reports CORRUPT_MESSAGE, iterateBatches stops before the partial batch', () => {
  const a = encodeBatch(manyRecords(3));
  const b = encodeBatch(manyRecords(4), { compression: 3 });
  const both = Buffer.concat([a, b]);
  for (let cut = 1; cut < both.length; cut++) {
    if (cut === a.length) continue;
    const v = validateBatches(both.subarray(0, cut), OPTS);
    assert.equal(v.errorCode, ErrorCode.CORRUPT_MESSAGE, `cut at ${cut}`);
    const seen = [...iterateBatches(both.subarray(0, cut))];
    assert.equal(seen.length, cut < a.length ? 0 : 1, `cut at ${cut}`);
  }
  const full = [...iterateBatches(both)];
  assert.deepEqual(full, [a, b]);
  assert.equal(decodeRecords(full[1]!).records.length, 4);
  assert.equal(validateBatches(Buffer.alloc(0), OPTS).errorCode, ErrorCode.INVALID_RECORD);
  const nonsense = Buffer.alloc(20);
  nonsense.writeInt32BE(2, H.BATCH_LENGTH);
  assert.throws(() => [...iterateBatches(nonsense)], KafkaProtocolError);
});

test('validateBatches: size limit, magic, record count and producer field checks', () => {
  const batch = encodeBatch(manyRecords(20));
  assert.equal(validateBatches(batch, { maxMessageBytes: batch.length }).errorCode, 0);
  assert.equal(validateBatches(batch, { maxMessageBytes: batch.length - 1 }).errorCode, ErrorCode.MESSAGE_TOO_LARGE);

  const resign = (mutate: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(batch);
    mutate(b);
    b.writeUInt32BE(crc32cReference(b.subarray(21)), H.CRC);
    return b;
  };
  const code = (b: Buffer, allowControl = false) => validateBatches(b, { ...OPTS, allowControl }).errorCode;
  assert.equal(code(resign((b) => b.writeInt8(1, H.MAGIC))), ErrorCode.INVALID_RECORD);
  assert.equal(code(resign((b) => b.writeInt8(3, H.MAGIC))), ErrorCode.CORRUPT_MESSAGE);
  assert.equal(code(resign((b) => b.writeInt32BE(19, H.LAST_OFFSET_DELTA))), 0);
  assert.equal(code(resign((b) => b.writeInt32BE(18, H.LAST_OFFSET_DELTA))), ErrorCode.INVALID_RECORD);
  assert.equal(code(resign((b) => b.writeInt32BE(0, H.RECORD_COUNT))), ErrorCode.INVALID_RECORD);
  assert.equal(code(resign((b) => b.writeInt16BE(6, H.ATTRIBUTES))), ErrorCode.CORRUPT_MESSAGE);
  assert.equal(code(resign((b) => b.writeInt16BE(H.ATTR_TRANSACTIONAL, H.ATTRIBUTES))), ErrorCode.INVALID_RECORD);
  assert.equal(code(resign((b) => H.writeInt64(b, H.PRODUCER_ID, 5))), ErrorCode.INVALID_RECORD, 'producerId without a sequence');
  const tooMany = resign((b) => {
    b.writeInt32BE(1000, H.RECORD_COUNT);
    b.writeInt32BE(999, H.LAST_OFFSET_DELTA);
  });
  assert.equal(code(tooMany), ErrorCode.CORRUPT_MESSAGE);
  assert.throws(() => decodeRecords(tooMany), KafkaProtocolError);
  const short = Buffer.from(batch);
  short.writeInt32BE(40, H.BATCH_LENGTH);
  assert.equal(code(short), ErrorCode.CORRUPT_MESSAGE);
});

for (const marker of ['commit', 'abort'] as const) {
  test(`control batch: ${marker} marker`, () => {
    const batch = encodeControlBatch(marker, 4242, 7, 3, 1_700_000_000_000, { baseOffset: 77 });
    assert.equal(validateBatches(batch, OPTS).errorCode, ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    const v = validateBatches(batch, { ...OPTS, allowControl: true });
    assert.equal(v.errorCode, 0);
    assert.equal(v.batches[0]!.isControl, true);
    assert.equal(v.batches[0]!.isTransactional, true);
    assert.equal(controlTypeOf(batch), marker === 'commit' ? 1 : 0);

    const d = decodeRecords(batch);
    assert.equal(d.isControl, true);
    assert.equal(d.isTransactional, true);
    assert.equal(d.producerId, 4242);
    assert.equal(d.producerEpoch, 7);
    assert.equal(d.baseSequence, -1);
    assert.equal(d.records.length, 1);
    assert.equal(d.records[0]!.offset, 77);
    assert.equal(d.records[0]!.key!.toString('hex'), marker === 'commit' ? '00000001' : '00000000');
    assert.equal(d.records[0]!.value!.toString('hex'), '000000000003');
    assert.deepEqual(decodeControlRecord(d.records[0]!), { version: 0, type: marker === 'commit' ? 1 : 0, marker, coordinatorEpoch: 3 });
  });
}

test('control records: other types decode without a marker; short keys are corrupt; data batches have no control type', () => {
  assert.deepEqual(decodeControlRecord({ key: hex('00000002'), value: null }), { version: 0, type: 2, marker: null, coordinatorEpoch: null });
  assert.throws(() => decodeControlRecord({ key: hex('0000'), value: null }), KafkaProtocolError);
  assert.throws(() => decodeControlRecord({ key: hex('00000001'), value: hex('0000') }), KafkaProtocolError);
  assert.equal(controlTypeOf(goldenBatch()), -1);
});

test('LogAppendTime stamped through the header module: CRC stays valid, every record reads the append time', () => {
  const batch = encodeBatch(manyRecords(30), { compression: 1 });
  const now = 1_750_000_000_123;
  H.setLogAppendTime(batch, 0, batch.length, now);
  const v = validateBatches(batch, OPTS);
  assert.equal(v.errorCode, 0);
  assert.equal(v.batches[0]!.isLogAppendTime, true);
  assert.equal(v.maxTimestamp, now);
  const d = decodeRecords(batch);
  assert.equal(d.isLogAppendTime, true);
  assert.ok(d.records.every((r) => r.timestamp === now));
});

test('rewriting baseOffset and partitionLeaderEpoch needs no new CRC and shifts every offset', () => {
  const batch = encodeBatch(manyRecords(5), { compression: 2 });
  H.setBaseOffset(batch, 0, 1_000_000_000_000);
  H.setPartitionLeaderEpoch(batch, 0, 4);
  assert.equal(validateBatches(batch, OPTS).errorCode, 0);
  const d = decodeRecords(batch);
  assert.equal(d.partitionLeaderEpoch, 4);
  assert.deepEqual(d.records.map((r) => r.offset), [0, 1, 2, 3, 4].map((i) => 1_000_000_000_000 + i));
});

test('varints: known encodings and round trips across the int64 range JS can hold', () => {
  const enc = (v: number): string => {
    const b = Buffer.alloc(10);
    return b.subarray(0, writeVarint(b, 0, v)).toString('hex');
  };
  assert.equal(enc(0), '00');
  assert.equal(enc(-1), '01');
  assert.equal(enc(1), '02');
  assert.equal(enc(63), '7e');
  assert.equal(enc(-64), '7f');
  assert.equal(enc(64), '8001');
  assert.equal(enc(300), 'd804');
  assert.equal(enc(2147483647), 'feffffff0f');
  assert.equal(enc(-2147483648), 'ffffffff0f');
  const values = [0, 1, -1, 127, -128, 8191, -8192, 2 ** 20, 2 ** 28 - 1, 2 ** 28, -(2 ** 28), 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 35 + 3, -(2 ** 40) - 7, 2 ** 52 + 1, -(2 ** 52)];
  for (const v of values) {
    const b = Buffer.alloc(10);
    const end = writeVarint(b, 0, v);
    assert.equal(end, varintSize(v), `size of ${v}`);
    assert.equal(readVarint(b, 0, end), v);
    assert.equal(cursor.next, end);
  }
  assert.throws(() => readVarint(hex('8080'), 0, 2));
  assert.throws(() => readVarint(hex('ffffffffffffffffffff01'), 0, 11));
});

test('a record whose length covers bytes it does not use is corrupt', () => {
  const golden = goldenBatch();
  // Record 1 claims 10 bytes (zigzag 0x14) and carries one stray byte after its header count.
  const batch = Buffer.concat([golden.subarray(0, H.RECORDS + 14), hex('14'), golden.subarray(H.RECORDS + 15), hex('00')]);
  batch.writeInt32BE(batch.length - 12, H.BATCH_LENGTH);
  batch.writeUInt32BE(crc32cReference(batch.subarray(21)), H.CRC);
  assert.equal(validateBatches(batch, OPTS).errorCode, 0, 'validation does not look inside records');
  assert.throws(() => decodeRecords(batch), /1 bytes left over/);
});
