// Bytes written out by hand from the protocol spec (field by field, with Buffer's own primitives, not the
// Writer), checked in both directions against the generated codecs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readApiVersionsRequest, writeApiVersionsRequest, readRequestHeader, writeRequestHeader,
  readMetadataRequest, writeMetadataRequest, readProduceRequest, writeProduceRequest,
  readFetchResponse, writeFetchResponse, readResponseHeader, writeResponseHeader,
  readApiVersionsResponse, writeApiVersionsResponse,
} from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';

const i8 = (v: number) => Buffer.from([v & 0xff]);
const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const i64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
/** Unsigned varint, for compact lengths (N+1) and tag sections. */
const uv = (v: number) => { const out: number[] = []; while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7; } out.push(v); return Buffer.from(out); };
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const cstr = (s: string) => Buffer.concat([uv(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const bytes32 = (b: Buffer) => Buffer.concat([i32(b.length), b]);
const cbytes = (b: Buffer) => Buffer.concat([uv(b.length + 1), b]);
const NO_TAGS = uv(0);
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

function roundTrip<T>(name: string, expected: Buffer, write: (w: Writer) => void, read: (r: Reader) => T): T {
  const w = new Writer(8);
  write(w);
  assert.deepStrictEqual(w.toBuffer(), expected, `${name}: encoding`);
  const r = new Reader(expected);
  const m = read(r);
  assert.equal(r.offset, expected.length, `${name}: decoding consumes every byte`);
  return m;
}

// A stand-in record batch: the codecs treat records as opaque bytes.
const RECORDS = Buffer.from('000000000000000000000030ffffffff02c0ffee', 'hex');

test('ApiVersionsRequest v3 with its request header v2', () => {
  const expected = cat(
    i16(18), i16(3), i32(7), str('kcat'), NO_TAGS, // header v2: client id stays a classic nullable string
    cstr('librdkafka'), cstr('2.0.2 ü'), NO_TAGS,
  );
  const [header, body] = roundTrip(
    'ApiVersionsRequest v3',
    expected,
    (w) => {
      writeRequestHeader(w, 2, { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'kcat' });
      writeApiVersionsRequest(w, 3, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2 ü' });
    },
    (r) => [readRequestHeader(r, 2), readApiVersionsRequest(r, 3)] as const,
  );
  assert.deepStrictEqual(header, { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'kcat' });
  assert.deepStrictEqual(body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2 ü' });
});

test('ApiVersionsResponse v3 (flexible body) with its always-v0 response header', () => {
  const expected = cat(
    i32(7), // response header v0: no tag section even though the body is flexible
    i16(0), // errorCode
    uv(2 + 1), i16(0), i16(0), i16(9), NO_TAGS, i16(18), i16(0), i16(4), NO_TAGS,
    i32(0), // throttleTimeMs
    // Tags: 0 SupportedFeatures, 1 FinalizedFeaturesEpoch (default -1), 2 FinalizedFeatures, 3 ZkMigrationReady.
    uv(1), uv(1), uv(8), i64(12),
  );
  const [header, body] = roundTrip(
    'ApiVersionsResponse v3',
    expected,
    (w) => {
      writeResponseHeader(w, 0, { correlationId: 7 });
      writeApiVersionsResponse(w, 3, {
        errorCode: 0,
        apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }],
        throttleTimeMs: 0,
        finalizedFeaturesEpoch: 12,
      });
    },
    (r) => [readResponseHeader(r, 0), readApiVersionsResponse(r, 3)] as const,
  );
  assert.equal(header.correlationId, 7);
  assert.equal(body.finalizedFeaturesEpoch, 12);
  assert.deepStrictEqual(body.supportedFeatures, []);
  assert.equal(body.zkMigrationReady, false);
});

test('MetadataRequest v1 and v9 with topics; v1 null topics means all', () => {
  const v1 = cat(i32(2), str('golden'), str('日本'));
  const m1 = roundTrip('MetadataRequest v1', v1, (w) => writeMetadataRequest(w, 1, { topics: [{ name: 'golden' }, { name: '日本' }] }), (r) => readMetadataRequest(r, 1));
  assert.deepStrictEqual(m1.topics, [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'golden' }, { topicId: '00000000-0000-0000-0000-000000000000', name: '日本' }]);
  assert.equal(m1.allowAutoTopicCreation, true, 'absent before v4: takes the spec default true');

  const all = roundTrip('MetadataRequest v1 null', i32(-1), (w) => writeMetadataRequest(w, 1, { topics: null }), (r) => readMetadataRequest(r, 1));
  assert.equal(all.topics, null);
  assert.throws(() => readMetadataRequest(new Reader(i32(-1)), 0), /null/, 'v0 topics are not nullable');

  const v9 = cat(
    uv(1 + 1), cstr('golden'), NO_TAGS,
    i8(0), // allowAutoTopicCreation
    i8(1), // includeClusterAuthorizedOperations (v8-10)
    i8(0), // includeTopicAuthorizedOperations
    NO_TAGS,
  );
  const m9 = roundTrip(
    'MetadataRequest v9',
    v9,
    (w) => writeMetadataRequest(w, 9, { topics: [{ name: 'golden' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true }),
    (r) => readMetadataRequest(r, 9),
  );
  assert.equal(m9.includeClusterAuthorizedOperations, true);
  assert.equal(m9.topics![0]!.name, 'golden');
});

test('ProduceRequest v3 and v9 with a records blob', () => {
  const v3 = cat(
    i16(-1), // transactionalId null
    i16(-1), i32(30000),
    i32(1), str('golden'), i32(1), i32(0), bytes32(RECORDS),
  );
  const m3 = roundTrip(
    'ProduceRequest v3',
    v3,
    (w) => writeProduceRequest(w, 3, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'golden', partitionData: [{ index: 0, records: RECORDS }] }] }),
    (r) => readProduceRequest(r, 3),
  );
  assert.deepStrictEqual(m3.topicData[0]!.partitionData[0]!.records, RECORDS);
  assert.equal(m3.transactionalId, null);

  const v9 = cat(
    cstr('txn-1'), i16(1), i32(1500),
    uv(1 + 1), cstr('golden'),
    uv(2 + 1), i32(0), cbytes(RECORDS), NO_TAGS, i32(1), uv(0) /* null records */, NO_TAGS,
    NO_TAGS, NO_TAGS,
  );
  const m9 = roundTrip(
    'ProduceRequest v9',
    v9,
    (w) => writeProduceRequest(w, 9, {
      transactionalId: 'txn-1', acks: 1, timeoutMs: 1500,
      topicData: [{ name: 'golden', partitionData: [{ index: 0, records: RECORDS }, { index: 1, records: null }] }],
    }),
    (r) => readProduceRequest(r, 9),
  );
  const parts = m9.topicData[0]!.partitionData;
  assert.deepStrictEqual(parts[0]!.records, RECORDS);
  assert.equal(parts[1]!.records, null);
  // Records are views into the frame, not copies.
  assert.equal(parts[0]!.records!.buffer, v9.buffer);
});

test('FetchResponse v4 with aborted transactions', () => {
  const expected = cat(
    i32(5), // throttleTimeMs
    i32(1), str('golden'),
    i32(2),
    i32(0), i16(0), i64(100), i64(90), i32(2), i64(1000), i64(50), i64(2 ** 40), i64(80), bytes32(RECORDS),
    i32(1), i16(6), i64(-1), i64(-1), i32(-1), i32(-1), // null aborted transactions, null records
  );
  const m = roundTrip(
    'FetchResponse v4',
    expected,
    (w) => writeFetchResponse(w, 4, {
      throttleTimeMs: 5,
      responses: [{
        topic: 'golden',
        partitions: [
          { partitionIndex: 0, errorCode: 0, highWatermark: 100, lastStableOffset: 90, abortedTransactions: [{ producerId: 1000, firstOffset: 50 }, { producerId: 2 ** 40, firstOffset: 80 }], records: RECORDS },
          { partitionIndex: 1, errorCode: 6, highWatermark: -1, lastStableOffset: -1, abortedTransactions: null, records: null },
        ],
      }],
    }),
    (r) => readFetchResponse(r, 4),
  );
  const [p0, p1] = m.responses[0]!.partitions;
  assert.deepStrictEqual(p0!.abortedTransactions, [{ producerId: 1000, firstOffset: 50 }, { producerId: 2 ** 40, firstOffset: 80 }]);
  assert.equal(p0!.logStartOffset, -1, 'absent before v5: spec default');
  assert.equal(p1!.abortedTransactions, null);
  assert.equal(p1!.records, null);
});

test('FetchResponse v12 with aborted transactions and tagged fields', () => {
  const expected = cat(
    i32(0), i16(0), i32(77), // throttleTimeMs, errorCode, sessionId
    uv(1 + 1), cstr('golden'),
    uv(1 + 1),
    i32(3), i16(0), i64(100), i64(100), i64(0),
    uv(1 + 1), i64(1000), i64(50), NO_TAGS, // aborted transaction with its own empty tag section
    i32(-1), // preferredReadReplica
    cbytes(RECORDS),
    // Partition tags, ascending: 0 DivergingEpoch {epoch int32, endOffset int64, tags}, 1 CurrentLeader {leaderId, leaderEpoch, tags}.
    uv(2), uv(0), uv(13), i32(4), i64(95), NO_TAGS, uv(1), uv(9), i32(1), i32(7), NO_TAGS,
    NO_TAGS, // topic
    NO_TAGS, // response
  );
  const m = roundTrip(
    'FetchResponse v12',
    expected,
    (w) => writeFetchResponse(w, 12, {
      sessionId: 77,
      responses: [{
        topic: 'golden',
        partitions: [{
          partitionIndex: 3, highWatermark: 100, lastStableOffset: 100, logStartOffset: 0,
          abortedTransactions: [{ producerId: 1000, firstOffset: 50 }],
          records: RECORDS,
          currentLeader: { leaderId: 1, leaderEpoch: 7 },
          divergingEpoch: { epoch: 4, endOffset: 95 },
          snapshotId: { endOffset: -1, epoch: -1 }, // the default: not written
        }],
      }],
    }),
    (r) => readFetchResponse(r, 12),
  );
  const p = m.responses[0]!.partitions[0]!;
  assert.deepStrictEqual(p.divergingEpoch, { epoch: 4, endOffset: 95 });
  assert.deepStrictEqual(p.currentLeader, { leaderId: 1, leaderEpoch: 7 });
  assert.deepStrictEqual(p.snapshotId, { endOffset: -1, epoch: -1 });
  assert.equal(p.preferredReadReplica, -1);
});
