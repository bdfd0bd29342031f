// Fixed-position view of a magic-v2 record batch header. The log and the produce path read and
// rewrite these fields in place, so that batches are stored and served verbatim, never decoded.
//
// RecordBatch =>
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records...
// batchLength counts the bytes after the batchLength field; the CRC-32C covers attributes..end.
import { crc32c } from '@node-rs/crc32';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
/** Size of the batch header, and the smallest possible batch. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before (and including) batchLength: what a reader needs to learn a batch's size. */
export const LOG_OVERHEAD = 12;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

/** Reads a signed int64 as a JS number (exact up to 2^53, which offsets and timestamps stay within). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 4294967296, pos + 4);
}

export const baseOffsetOf = (buf: Buffer, pos = 0): number => readInt64(buf, pos + BASE_OFFSET);
/** Total size of the batch starting at pos, including the offset and length fields. */
export const batchSizeOf = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD;
export const magicOf = (buf: Buffer, pos = 0): number => buf.readInt8(pos + MAGIC);
export const attributesOf = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + ATTRIBUTES);
export const lastOffsetDeltaOf = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + LAST_OFFSET_DELTA);
export const baseTimestampOf = (buf: Buffer, pos = 0): number => readInt64(buf, pos + BASE_TIMESTAMP);
export const maxTimestampOf = (buf: Buffer, pos = 0): number => readInt64(buf, pos + MAX_TIMESTAMP);
export const producerIdOf = (buf: Buffer, pos = 0): number => readInt64(buf, pos + PRODUCER_ID);
export const producerEpochOf = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + PRODUCER_EPOCH);
export const baseSequenceOf = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + BASE_SEQUENCE);
export const recordCountOf = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + RECORD_COUNT);
export const lastOffsetOf = (buf: Buffer, pos = 0): number => baseOffsetOf(buf, pos) + lastOffsetDeltaOf(buf, pos);

export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET, offset);
}

export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH);
}

/** CRC-32C of the batch at pos as stored in its header. */
export const storedCrcOf = (buf: Buffer, pos = 0): number => buf.readUInt32BE(pos + CRC);

/** CRC-32C computed over attributes..end of the batch at pos (size bytes long). */
export function computeCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES, pos + size)) >>> 0;
}

export function hasValidCrc(buf: Buffer, pos: number, size: number): boolean {
  return computeCrc(buf, pos, size) === storedCrcOf(buf, pos);
}

/**
 * Stamps LogAppendTime: sets the timestamp-type bit and maxTimestamp, then recomputes the CRC
 * (unlike baseOffset, these fields are covered by it).
 */
export function setLogAppendTime(buf: Buffer, pos: number, size: number, now: number): void {
  buf.writeInt16BE(attributesOf(buf, pos) | ATTR_TIMESTAMP_TYPE_LOG_APPEND, pos + ATTRIBUTES);
  writeInt64(buf, pos + MAX_TIMESTAMP, now);
  buf.writeUInt32BE(computeCrc(buf, pos, size), pos + CRC);
}
