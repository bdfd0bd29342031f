// One segment of a partition log: the .log file of concatenated batches, and its sparse indexes.
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  BATCH_HEADER_SIZE, MAGIC, baseOffsetOf, batchSizeOf, hasValidCrc, lastOffsetDeltaOf, maxTimestampOf,
} from '../../protocol/record-batch-header.js';
import { closeFd, pread, readFileOrNull, writeFileAtomic } from './fs-util.js';
import { OffsetIndex, TimeIndex } from './sparse-index.js';

export const segmentName = (baseOffset: number): string => String(baseOffset).padStart(20, '0');

export class LogSegment {
  /** Bytes assigned to appends (some may still be in flight). */
  size: number;
  /** Bytes known to be written; reads never go past this. */
  committedSize: number;
  /** Offset after the last batch assigned to this segment. */
  nextOffset: number;
  /** Largest batch maxTimestamp seen, and the base offset of the first batch that reached it. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** maxTimestamp of the first batch: what segment.ms is measured from (as Kafka does). */
  firstBatchTimestamp = -1;
  bytesSinceLastIndexEntry = 0;
  /** Null until loaded: inactive segments load their indexes on first use, to keep opening cheap. */
  index: OffsetIndex | null = null;
  timeIndex: TimeIndex | null = null;
  fd = -1;
  /** In-flight reads, writes and syncs: the fd is closed only when this drops to zero. */
  io = 0;
  deleted = false;
  /** Wall-clock creation time, the roll base when batches carry no timestamps. */
  createdMs: number;
  private loading: Promise<void> | null = null;
  private opening: Promise<number> | null = null;

  constructor(readonly dir: string, readonly baseOffset: number, size: number, createdMs: number) {
    this.size = size;
    this.committedSize = size;
    this.nextOffset = baseOffset;
    this.createdMs = createdMs;
  }

  get logPath(): string {
    return join(this.dir, `${segmentName(this.baseOffset)}.log`);
  }
  get indexPath(): string {
    return join(this.dir, `${segmentName(this.baseOffset)}.index`);
  }
  get timeIndexPath(): string {
    return join(this.dir, `${segmentName(this.baseOffset)}.timeindex`);
  }

  /** Accounts one appended batch: indexes it when index.interval.bytes have passed since the last entry. */
  onBatch(baseOffset: number, position: number, size: number, maxTimestamp: number, indexIntervalBytes: number): void {
    if (this.firstBatchTimestamp < 0 && position === 0) this.firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceLastIndexEntry >= indexIntervalBytes && position > 0) {
      const rel = baseOffset - this.baseOffset;
      this.index!.append(rel, position);
      if (this.maxTimestamp > this.timeIndex!.lastTimestamp) {
        this.timeIndex!.append(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      }
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /** Entries describing the whole segment, including its final maximum timestamp. */
  timeIndexForDisk(): TimeIndex {
    const ti = this.timeIndex!;
    if (this.maxTimestamp > ti.lastTimestamp) ti.append(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    return ti;
  }

  /**
   * Stores both indexes. They need not be durable for correctness: any prefix of an index is a valid
   * (sparser) index, loading rejects implausible ones and reads verify the batch an entry points at.
   */
  async writeIndexes(durable: boolean): Promise<void> {
    await writeFileAtomic(this.indexPath, this.index!.toBuffer(), false, durable);
    await writeFileAtomic(this.timeIndexPath, this.timeIndexForDisk().toBuffer(), durable, durable);
  }

  /** Opens the file for reading (inactive segments are opened lazily). */
  openFd(): Promise<number> {
    if (this.fd >= 0) return Promise.resolve(this.fd);
    // Its path may by now name the cleaned segment that replaced it.
    if (this.deleted) return Promise.reject(new Error(`segment ${this.logPath} was deleted`));
    this.opening ??= new Promise((resolve, reject) =>
      fs.open(this.logPath, 'r', (err, fd) => {
        if (err) return reject(err);
        this.fd = fd;
        resolve(fd);
      }),
    );
    return this.opening;
  }

  /**
   * Loads the stored indexes, or rebuilds them from the log when missing or implausible for a log of
   * this size. limitOffset is the next segment's base offset (no relative offset may reach it).
   */
  ensureIndexes(limitOffset: number, indexIntervalBytes: number): Promise<void> {
    if (this.index) return Promise.resolve();
    this.loading ??= this.loadIndexes(limitOffset, indexIntervalBytes);
    return this.loading;
  }

  private async loadIndexes(limitOffset: number, indexIntervalBytes: number): Promise<void> {
    const [ib, tb] = await Promise.all([readFileOrNull(this.indexPath), readFileOrNull(this.timeIndexPath)]);
    const maxRel = limitOffset - this.baseOffset - 1;
    const index = ib && OffsetIndex.fromBuffer(ib, this.size);
    const timeIndex = tb && TimeIndex.fromBuffer(tb, maxRel);
    if (index && timeIndex) {
      this.index = index;
      this.timeIndex = timeIndex;
      this.maxTimestamp = timeIndex.lastTimestamp;
      this.offsetOfMaxTimestamp = timeIndex.length ? this.baseOffset + timeIndex.lastRelativeOffset : -1;
      this.nextOffset = limitOffset;
      return;
    }
    await this.rebuild(false, indexIntervalBytes);
    this.nextOffset = Math.max(this.nextOffset, limitOffset);
    await this.writeIndexes(false);
  }

  /**
   * Scans the log from its start, rebuilding both indexes. With validate, stops at the first batch that is
   * torn, fails its CRC or goes backwards, and returns that byte position (the caller truncates there).
   */
  async rebuild(validate: boolean, indexIntervalBytes: number): Promise<number> {
    const fd = await this.openFd();
    this.index = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.firstBatchTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    const interval = indexIntervalBytes > 0 ? indexIntervalBytes : 4096;
    const end = await scanBatches(fd, 0, this.size, validate, this.baseOffset, (base, last, pos, size, maxTs) => {
      this.onBatch(base, pos, size, maxTs, interval);
      this.nextOffset = last + 1;
      return true;
    });
    return end;
  }

  async close(): Promise<void> {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      this.opening = null;
      await closeFd(fd);
    }
  }
}

const SCAN_CHUNK = 1 << 20;

/**
 * Walks the batches of [from, to) in large positional reads, calling visit(base, last, pos, size, maxTs)
 * for each until it returns false. With validate, checks magic, size, CRC and increasing offsets and stops
 * at the first bad batch. Returns the position after the last batch visited, or of the batch visit
 * declined.
 */
export async function scanBatches(
  fd: number, from: number, to: number, validate: boolean, minOffset: number,
  visit: (base: number, last: number, pos: number, size: number, maxTs: number) => boolean,
): Promise<number> {
  let pos = from;
  let expected = minOffset;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkPos = from;
  while (pos + BATCH_HEADER_SIZE <= to) {
    let at = pos - chunkPos;
    if (at + BATCH_HEADER_SIZE > chunk.length) {
      chunk = await pread(fd, Math.min(SCAN_CHUNK, to - pos), pos);
      chunkPos = pos;
      at = 0;
      if (chunk.length < BATCH_HEADER_SIZE) break;
    }
    const size = batchSizeOf(chunk, at);
    if (size < BATCH_HEADER_SIZE || pos + size > to) break;
    const base = baseOffsetOf(chunk, at);
    const delta = lastOffsetDeltaOf(chunk, at);
    if (validate) {
      if (chunk[at + MAGIC] !== 2 || base < expected || delta < 0) break;
      let batch: Buffer = chunk;
      let batchAt = at;
      if (at + size > chunk.length) {
        if (size > SCAN_CHUNK) {
          batch = await pread(fd, size, pos);
        } else {
          chunk = await pread(fd, Math.min(SCAN_CHUNK, to - pos), pos);
          chunkPos = pos;
          at = 0;
          batch = chunk;
        }
        batchAt = 0;
        if (batch.length - batchAt < size) break;
      }
      if (!hasValidCrc(batch, batchAt, size)) break;
    }
    const maxTs = maxTimestampOf(chunk, at);
    if (!visit(base, base + delta, pos, size, maxTs)) return pos;
    expected = base + delta + 1;
    pos += size;
  }
  return pos;
}
