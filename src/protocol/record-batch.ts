// Magic-v2 record batches: validation of produced bytes (header only, no record decoding),
// full decoding for consumers, and encoding for producers. Fixed header fields live in
// record-batch-header.ts; this module adds what needs the records section.
//
// Record =>
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key bytes | valueLength varint | value bytes |
//   headerCount varint | [headerKeyLength varint | headerKey | headerValueLength varint | value]
// A length of -1 means null. Control records (attributes bit 5) carry key = version int16,
// type int16 and, for commit/abort markers, value = version int16, coordinatorEpoch int32.
import * as H from './record-batch-header.js';
import { compress, decompress, isCompressionCodec } from './compression.js';
import { ErrorCode, KafkaProtocolError } from './errors.js';
import { cursor, readVarint, varintSize, writeVarint } from './varint.js';

/** Header fields of one batch, as the log needs them to append and index it. */
export interface BatchInfo {
  /** Byte position of the batch within the validated buffer. */
  position: number;
  /** Total size including baseOffset and batchLength. */
  size: number;
  baseOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  compression: number;
  isLogAppendTime: boolean;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface BatchValidation {
  /** 0 when every batch is valid; otherwise the Kafka error code for the partition. */
  errorCode: number;
  errorMessage: string | null;
  /** Batches validated before any error (all of them on success), in order. */
  batches: BatchInfo[];
  /** Sum of recordCount over `batches`. */
  recordCount: number;
  /** Largest maxTimestamp over `batches`, -1 if none. */
  maxTimestamp: number;
}

export interface ValidateOptions {
  /** The topic's max.message.bytes: the largest batch (whole, as sent) accepted. */
  maxMessageBytes: number;
  /** Kafka refuses control batches from clients; the transaction coordinator sets this. */
  allowControl?: boolean;
  /** Produce v3+ in Kafka allows exactly one batch per partition. */
  singleBatch?: boolean;
}

/**
 * Walks the concatenated batches of a produce request's partition data and checks what the broker
 * must check before appending: structure and bounds, magic 2, CRC-32C, size limit, record count
 * against the offset range, producer fields. Records are neither decompressed nor decoded.
 * Error codes follow Kafka: CORRUPT_MESSAGE for damaged bytes, INVALID_RECORD for well-formed but
 * unacceptable batches, MESSAGE_TOO_LARGE above maxMessageBytes.
 */
export function validateBatches(buf: Buffer, opts: ValidateOptions): BatchValidation {
  const result: BatchValidation = { errorCode: 0, errorMessage: null, batches: [], recordCount: 0, maxTimestamp: -1 };
  const fail = (code: number, message: string): BatchValidation => {
    result.errorCode = code;
    result.errorMessage = message;
    return result;
  };
  if (buf.length === 0) return fail(ErrorCode.INVALID_RECORD, 'the request has no record batch for this partition');

  let pos = 0;
  while (pos < buf.length) {
    const index = result.batches.length;
    if (index === 1 && opts.singleBatch) {
      return fail(ErrorCode.INVALID_RECORD, 'produce requests may contain exactly one record batch per partition');
    }
    const remaining = buf.length - pos;
    if (remaining < H.MAGIC + 1) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: truncated header (${remaining} bytes)`);
    const size = H.batchSizeOf(buf, pos);
    const magic = H.magicOf(buf, pos);
    if (magic < 0 || magic > 2) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: invalid magic ${magic}`);
    if (magic < 2) return fail(ErrorCode.INVALID_RECORD, `batch ${index}: magic ${magic} batches are not supported; only magic 2`);
    if (size < H.BATCH_HEADER_SIZE) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: batchLength ${size - H.LOG_OVERHEAD} is below the header size`);
    if (size > remaining) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: truncated (${size} bytes declared, ${remaining} present)`);
    if (size > opts.maxMessageBytes) {
      return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch ${index}: ${size} bytes exceeds max.message.bytes ${opts.maxMessageBytes}`);
    }
    if (!H.hasValidCrc(buf, pos, size)) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: CRC-32C mismatch`);

    const attributes = H.attributesOf(buf, pos);
    const compression = attributes & H.ATTR_COMPRESSION_MASK;
    if (!isCompressionCodec(compression)) return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: unknown compression codec ${compression}`);
    const recordCount = H.recordCountOf(buf, pos);
    const lastOffsetDelta = H.lastOffsetDeltaOf(buf, pos);
    if (recordCount < 1) return fail(ErrorCode.INVALID_RECORD, `batch ${index}: record count ${recordCount}`);
    if (lastOffsetDelta !== recordCount - 1) {
      return fail(ErrorCode.INVALID_RECORD, `batch ${index}: ${recordCount} records but lastOffsetDelta ${lastOffsetDelta}`);
    }
    // Every record takes at least 7 bytes (length, attributes and six one-byte varints).
    if (compression === 0 && recordCount * 7 > size - H.BATCH_HEADER_SIZE) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `batch ${index}: ${recordCount} records cannot fit in ${size - H.BATCH_HEADER_SIZE} bytes`);
    }
    const isControl = (attributes & H.ATTR_CONTROL) !== 0;
    const isTransactional = (attributes & H.ATTR_TRANSACTIONAL) !== 0;
    if (isControl && !opts.allowControl) return fail(ErrorCode.INVALID_RECORD, `batch ${index}: clients may not write control batches`);
    const producerId = H.producerIdOf(buf, pos);
    const baseSequence = H.baseSequenceOf(buf, pos);
    if (isTransactional && producerId < 0) return fail(ErrorCode.INVALID_RECORD, `batch ${index}: transactional batch without a producerId`);
    if (producerId >= 0 && baseSequence < 0 && !isControl) {
      return fail(ErrorCode.INVALID_RECORD, `batch ${index}: producerId ${producerId} with invalid baseSequence ${baseSequence}`);
    }

    const maxTimestamp = H.maxTimestampOf(buf, pos);
    result.batches.push({
      position: pos,
      size,
      baseOffset: H.baseOffsetOf(buf, pos),
      partitionLeaderEpoch: buf.readInt32BE(pos + H.PARTITION_LEADER_EPOCH),
      attributes,
      compression,
      isLogAppendTime: (attributes & H.ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0,
      isTransactional,
      isControl,
      lastOffsetDelta,
      baseTimestamp: H.baseTimestampOf(buf, pos),
      maxTimestamp,
      producerId,
      producerEpoch: H.producerEpochOf(buf, pos),
      baseSequence,
      recordCount,
    });
    result.recordCount += recordCount;
    if (maxTimestamp > result.maxTimestamp) result.maxTimestamp = maxTimestamp;
    pos += size;
  }
  return result;
}

/**
 * Splits a fetched byte range into batches (views, not copies). A fetch response may end in the
 * middle of a batch; iteration stops cleanly before it. Throws CORRUPT_MESSAGE only for a length
 * field that cannot be right.
 */
export function* iterateBatches(buf: Buffer): Generator<Buffer, void, undefined> {
  let pos = 0;
  while (buf.length - pos >= H.LOG_OVERHEAD) {
    const batchLength = buf.readInt32BE(pos + H.BATCH_LENGTH);
    // Below magic's position no batch of any format is possible.
    if (batchLength < H.MAGIC + 1 - H.LOG_OVERHEAD) {
      throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `batch at ${pos}: invalid batchLength ${batchLength}`);
    }
    const size = batchLength + H.LOG_OVERHEAD;
    if (size > buf.length - pos) return;
    yield buf.subarray(pos, pos + size);
    pos += size;
  }
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  /** Views into the batch (or its decompressed records), not copies. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodedBatch extends Omit<BatchInfo, 'position'> {
  records: DecodedRecord[];
}

function corrupt(message: string): KafkaProtocolError {
  return new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, message);
}

/**
 * Fully decodes one magic-v2 batch, decompressing its records. Offsets are baseOffset +
 * offsetDelta; timestamps are baseTimestamp + timestampDelta, or maxTimestamp for LogAppendTime.
 * Throws KafkaProtocolError(CORRUPT_MESSAGE) on any inconsistency.
 */
export function decodeRecords(batch: Buffer, opts: { verifyCrc?: boolean } = {}): DecodedBatch {
  if (batch.length < H.BATCH_HEADER_SIZE) throw corrupt(`batch of ${batch.length} bytes is shorter than its header`);
  const magic = H.magicOf(batch);
  if (magic !== 2) throw corrupt(`unsupported magic ${magic}`);
  const size = H.batchSizeOf(batch);
  if (size < H.BATCH_HEADER_SIZE || size > batch.length) throw corrupt(`batch size ${size} does not fit in ${batch.length} bytes`);
  if (opts.verifyCrc !== false && !H.hasValidCrc(batch, 0, size)) throw corrupt('CRC-32C mismatch');

  const attributes = H.attributesOf(batch);
  const compression = attributes & H.ATTR_COMPRESSION_MASK;
  const isLogAppendTime = (attributes & H.ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const baseOffset = H.baseOffsetOf(batch);
  const baseTimestamp = H.baseTimestampOf(batch);
  const maxTimestamp = H.maxTimestampOf(batch);
  const recordCount = H.recordCountOf(batch);
  if (recordCount < 0) throw corrupt(`negative record count ${recordCount}`);

  let data = batch.subarray(H.RECORDS, size);
  if (compression !== 0) {
    try {
      data = decompress(compression, data);
    } catch (err) {
      throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, (err as Error).message, { cause: err });
    }
  }
  const end = data.length;
  // Each record needs at least 7 bytes: a bound that stops absurd counts before allocating.
  if (recordCount * 7 > end) throw corrupt(`${recordCount} records cannot fit in ${end} bytes`);

  const records: DecodedRecord[] = new Array(recordCount);
  let pos = 0;
  try {
    for (let i = 0; i < recordCount; i++) {
      const length = readVarint(data, pos, end);
      pos = cursor.next;
      const recordEnd = pos + length;
      if (length < 0 || recordEnd > end) throw corrupt(`record ${i}: length ${length} exceeds the batch`);
      pos++; // record attributes: unused in magic 2
      const timestampDelta = readVarint(data, pos, recordEnd);
      const offsetDelta = readVarint(data, cursor.next, recordEnd);
      const keyLength = readVarint(data, cursor.next, recordEnd);
      pos = cursor.next;
      let key: Buffer | null = null;
      if (keyLength >= 0) {
        if (pos + keyLength > recordEnd) throw corrupt(`record ${i}: key overruns the record`);
        key = data.subarray(pos, (pos += keyLength));
      }
      const valueLength = readVarint(data, pos, recordEnd);
      pos = cursor.next;
      let value: Buffer | null = null;
      if (valueLength >= 0) {
        if (pos + valueLength > recordEnd) throw corrupt(`record ${i}: value overruns the record`);
        value = data.subarray(pos, (pos += valueLength));
      }
      const headerCount = readVarint(data, pos, recordEnd);
      pos = cursor.next;
      if (headerCount < 0) throw corrupt(`record ${i}: negative header count`);
      const headers: RecordHeader[] = [];
      for (let h = 0; h < headerCount; h++) {
        const hkLength = readVarint(data, pos, recordEnd);
        pos = cursor.next;
        if (hkLength < 0 || pos + hkLength > recordEnd) throw corrupt(`record ${i}: bad header key length ${hkLength}`);
        const hKey = data.toString('utf8', pos, (pos += hkLength));
        const hvLength = readVarint(data, pos, recordEnd);
        pos = cursor.next;
        let hValue: Buffer | null = null;
        if (hvLength >= 0) {
          if (pos + hvLength > recordEnd) throw corrupt(`record ${i}: header value overruns the record`);
          hValue = data.subarray(pos, (pos += hvLength));
        }
        headers.push({ key: hKey, value: hValue });
      }
      if (pos !== recordEnd) throw corrupt(`record ${i}: ${recordEnd - pos} bytes left over`);
      records[i] = {
        offset: baseOffset + offsetDelta,
        timestamp: isLogAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
        key,
        value,
        headers,
      };
    }
  } catch (err) {
    if (err instanceof KafkaProtocolError) throw err;
    throw corrupt(`records: ${(err as Error).message}`);
  }
  if (pos !== end) throw corrupt(`${end - pos} bytes after the last record`);

  return {
    size,
    baseOffset,
    partitionLeaderEpoch: batch.readInt32BE(H.PARTITION_LEADER_EPOCH),
    attributes,
    compression,
    isLogAppendTime,
    isTransactional: (attributes & H.ATTR_TRANSACTIONAL) !== 0,
    isControl: (attributes & H.ATTR_CONTROL) !== 0,
    lastOffsetDelta: H.lastOffsetDeltaOf(batch),
    baseTimestamp,
    maxTimestamp,
    producerId: H.producerIdOf(batch),
    producerEpoch: H.producerEpochOf(batch),
    baseSequence: H.baseSequenceOf(batch),
    recordCount,
    records,
  };
}

// --- encoding ---

export interface RecordHeaderInput {
  key: string;
  value: Buffer | string | null;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: readonly RecordHeaderInput[];
  /** Create time in ms; defaults to EncodeBatchOptions.timestamp. */
  timestamp?: number;
}

export interface EncodeBatchOptions {
  /** Compression codec 0-4 (see compression.ts). Default 0. */
  compression?: number;
  /** Default 0: the broker assigns offsets. */
  baseOffset?: number;
  /** Default -1 (what producers send). */
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Timestamp for records without one; default Date.now(). */
  timestamp?: number;
}

export class RecordBatchEncodeError extends Error {
  override name = 'RecordBatchEncodeError';
}

// Per-call scratch, grown as needed: byte lengths of keys/values and record sizes, so strings
// are measured once and the buffer is allocated once.
let scratch = new Int32Array(3 * 1024);

function byteLen(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function put(buf: Buffer, pos: number, v: Buffer | string, len: number): number {
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else if (len < 32) for (let i = 0; i < len; i++) buf[pos + i] = v[i]!;
  else v.copy(buf, pos);
  return pos + len;
}

/**
 * Encodes records as one magic-v2 batch, compressed with opts.compression, CRC-32C included.
 * The first record's timestamp is the base timestamp (as the Java client does).
 */
export function encodeBatch(records: readonly RecordInput[], opts: EncodeBatchOptions = {}): Buffer {
  return encodeWithLayout(records, opts, null);
}

/** What a re-encoded batch keeps from its original instead of deriving it from the records. */
interface ExactLayout {
  /** Per record: offset - baseOffset. */
  offsetDeltas: readonly number[];
  lastOffsetDelta: number;
  baseTimestamp: number;
  /** Attribute bits beyond codec/transactional/control (timestamp type, delete horizon). */
  extraAttributes: number;
  /** Fixed maxTimestamp (LogAppendTime batches), or null to derive it from the records. */
  maxTimestamp: number | null;
}

export interface RebuildBatchOptions {
  /**
   * Kafka 3.x delete horizon (KIP-534): when set, it is stored as the batch's baseTimestamp with
   * attribute bit 6, and record timestamps stay exact through their (possibly negative) deltas.
   */
  deleteHorizonMs?: number;
}

/**
 * Re-encodes a decoded batch keeping only `records` (a non-empty, ordered subset of batch.records) at
 * their original offsets. As Kafka's cleaner does, baseOffset and lastOffsetDelta stay those of the
 * original batch even when its first or last records are gone (a producer's last sequence must
 * survive compaction), and so do the codec, producer fields, leader epoch and flags.
 */
export function rebuildBatch(batch: DecodedBatch, records: readonly DecodedRecord[], opts: RebuildBatchOptions = {}): Buffer {
  if (records.length === 0) throw new RecordBatchEncodeError('a rebuilt batch needs at least one record');
  const horizon = opts.deleteHorizonMs ?? (batch.attributes & H.ATTR_DELETE_HORIZON ? batch.baseTimestamp : undefined);
  const inputs: RecordInput[] = records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }));
  return encodeWithLayout(
    inputs,
    {
      compression: batch.compression,
      baseOffset: batch.baseOffset,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: batch.isTransactional,
      isControl: batch.isControl,
    },
    {
      offsetDeltas: records.map((r) => r.offset - batch.baseOffset),
      lastOffsetDelta: batch.lastOffsetDelta,
      baseTimestamp: horizon ?? records[0]!.timestamp,
      extraAttributes: (batch.isLogAppendTime ? H.ATTR_TIMESTAMP_TYPE_LOG_APPEND : 0) | (horizon !== undefined ? H.ATTR_DELETE_HORIZON : 0),
      maxTimestamp: batch.isLogAppendTime ? batch.maxTimestamp : null,
    },
  );
}

function encodeWithLayout(records: readonly RecordInput[], opts: EncodeBatchOptions, exact: ExactLayout | null): Buffer {
  const n = records.length;
  if (n === 0) throw new RecordBatchEncodeError('a record batch needs at least one record');
  const codec = opts.compression ?? 0;
  if (!isCompressionCodec(codec)) throw new RecordBatchEncodeError(`unknown compression codec ${codec}`);
  const defaultTimestamp = opts.timestamp ?? Date.now();
  const baseTimestamp = exact ? exact.baseTimestamp : (records[0]!.timestamp ?? defaultTimestamp);
  let maxTimestamp = exact ? -1 : baseTimestamp;

  if (scratch.length < 3 * n) scratch = new Int32Array(3 * n + 1024);
  const s = scratch;
  let recordsSize = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? defaultTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const keyLen = byteLen(r.key);
    const valueLen = byteLen(r.value);
    let body = 1 + varintSize(ts - baseTimestamp) + varintSize(exact ? exact.offsetDeltas[i]! : i) + varintSize(keyLen) + (keyLen > 0 ? keyLen : 0);
    body += varintSize(valueLen) + (valueLen > 0 ? valueLen : 0);
    const headers = r.headers;
    if (headers === undefined || headers.length === 0) body += 1;
    else {
      body += varintSize(headers.length);
      for (const h of headers) {
        const hk = Buffer.byteLength(h.key);
        const hv = byteLen(h.value);
        body += varintSize(hk) + hk + varintSize(hv) + (hv > 0 ? hv : 0);
      }
    }
    s[3 * i] = keyLen;
    s[3 * i + 1] = valueLen;
    s[3 * i + 2] = body;
    recordsSize += varintSize(body) + body;
  }

  const out = Buffer.allocUnsafe(codec === 0 ? H.BATCH_HEADER_SIZE + recordsSize : recordsSize);
  let pos = codec === 0 ? H.RECORDS : 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const keyLen = s[3 * i]!;
    const valueLen = s[3 * i + 1]!;
    pos = writeVarint(out, pos, s[3 * i + 2]!);
    out[pos++] = 0;
    pos = writeVarint(out, pos, (r.timestamp ?? defaultTimestamp) - baseTimestamp);
    pos = writeVarint(out, pos, exact ? exact.offsetDeltas[i]! : i);
    pos = writeVarint(out, pos, keyLen);
    if (keyLen > 0) pos = put(out, pos, r.key!, keyLen);
    pos = writeVarint(out, pos, valueLen);
    if (valueLen > 0) pos = put(out, pos, r.value!, valueLen);
    const headers = r.headers;
    if (headers === undefined || headers.length === 0) out[pos++] = 0;
    else {
      pos = writeVarint(out, pos, headers.length);
      for (const h of headers) {
        const hk = Buffer.byteLength(h.key);
        pos = writeVarint(out, pos, hk);
        pos += out.write(h.key, pos, hk, 'utf8');
        const hv = byteLen(h.value);
        pos = writeVarint(out, pos, hv);
        if (hv > 0) pos = put(out, pos, h.value!, hv);
      }
    }
  }

  let batch = out;
  if (codec !== 0) {
    const compressed = compress(codec, out);
    batch = Buffer.allocUnsafe(H.BATCH_HEADER_SIZE + compressed.length);
    compressed.copy(batch, H.RECORDS);
  }
  let attributes = codec | (exact ? exact.extraAttributes : 0);
  if (exact?.maxTimestamp != null) maxTimestamp = exact.maxTimestamp;
  if (opts.isTransactional) attributes |= H.ATTR_TRANSACTIONAL;
  if (opts.isControl) attributes |= H.ATTR_CONTROL;
  H.writeInt64(batch, H.BASE_OFFSET, opts.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - H.LOG_OVERHEAD, H.BATCH_LENGTH);
  batch.writeInt32BE(opts.partitionLeaderEpoch ?? -1, H.PARTITION_LEADER_EPOCH);
  batch.writeInt8(2, H.MAGIC);
  batch.writeInt16BE(attributes, H.ATTRIBUTES);
  batch.writeInt32BE(exact ? exact.lastOffsetDelta : n - 1, H.LAST_OFFSET_DELTA);
  H.writeInt64(batch, H.BASE_TIMESTAMP, baseTimestamp);
  H.writeInt64(batch, H.MAX_TIMESTAMP, maxTimestamp);
  H.writeInt64(batch, H.PRODUCER_ID, opts.producerId ?? -1);
  batch.writeInt16BE(opts.producerEpoch ?? -1, H.PRODUCER_EPOCH);
  batch.writeInt32BE(opts.baseSequence ?? -1, H.BASE_SEQUENCE);
  batch.writeInt32BE(n, H.RECORD_COUNT);
  batch.writeUInt32BE(H.computeCrc(batch, 0, batch.length), H.CRC);
  return batch;
}

// --- control batches (transaction markers) ---

export const ControlRecordType = { abort: 0, commit: 1 } as const;
export type ControlMarker = keyof typeof ControlRecordType;

export interface ControlRecord {
  version: number;
  /** 0 abort, 1 commit; KRaft uses 2 and up for its own control records. */
  type: number;
  marker: ControlMarker | null;
  /** Only for commit/abort markers with a value. */
  coordinatorEpoch: number | null;
}

/**
 * The commit/abort marker the transaction coordinator appends to each partition of a
 * transaction: a transactional control batch with one record. baseSequence stays -1.
 */
export function encodeControlBatch(
  type: ControlMarker,
  producerId: number,
  producerEpoch: number,
  coordinatorEpoch: number,
  timestamp: number,
  opts: { baseOffset?: number; partitionLeaderEpoch?: number } = {},
): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(ControlRecordType[type], 2);
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return encodeBatch([{ key, value, timestamp }], {
    ...opts,
    producerId,
    producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
    timestamp,
  });
}

/** Reads a control record's key (and, for markers, value). Throws CORRUPT_MESSAGE if malformed. */
export function decodeControlRecord(record: { key: Buffer | null; value: Buffer | null }): ControlRecord {
  const { key, value } = record;
  if (key === null || key.length < 4) throw corrupt('control record key shorter than 4 bytes');
  const version = key.readInt16BE(0);
  const type = key.readInt16BE(2);
  const marker: ControlMarker | null = type === 0 ? 'abort' : type === 1 ? 'commit' : null;
  let coordinatorEpoch: number | null = null;
  if (marker !== null) {
    if (value === null || value.length < 6) throw corrupt('transaction marker value shorter than 6 bytes');
    coordinatorEpoch = value.readInt32BE(2);
  }
  return { version, type, marker, coordinatorEpoch };
}

/**
 * The control type of the (uncompressed) control batch at pos without decoding it fully, for the
 * log's transaction index: reads the first record's key. Returns -1 if it is not readable.
 */
export function controlTypeOf(buf: Buffer, pos = 0): number {
  if ((H.attributesOf(buf, pos) & (H.ATTR_CONTROL | H.ATTR_COMPRESSION_MASK)) !== H.ATTR_CONTROL) return -1;
  const end = pos + H.batchSizeOf(buf, pos);
  try {
    let p = pos + H.RECORDS;
    readVarint(buf, p, end); // record length
    p = cursor.next + 1; // attributes
    readVarint(buf, p, end); // timestampDelta
    readVarint(buf, cursor.next, end); // offsetDelta
    const keyLength = readVarint(buf, cursor.next, end);
    p = cursor.next;
    if (keyLength < 4 || p + 4 > end) return -1;
    return buf.readInt16BE(p + 2);
  } catch {
    return -1;
  }
}
