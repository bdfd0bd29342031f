// The durable log of one partition: a directory of segments named by base offset, Kafka-style.
//
// Appends assign offsets synchronously and queue the bytes; one positional writev per drained run of
// the queue writes them, so concurrent appends cost one syscall together. Durable appends then wait
// for a shared fdatasync (group commit). Reads locate a byte range via the in-memory sparse index and
// fetch it with one positional read.
//
// Crash safety: a segment's index files are written only once the segment is inactive and fsynced, or
// at clean shutdown. So after a crash, the segments to recover are the last one and any
// without index files; the clean-shutdown marker records the active segment's state so that a clean
// reopen reads no log data at all.
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  ATTR_CONTROL, ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, LOG_OVERHEAD, attributesOf, baseOffsetOf, baseSequenceOf, batchSizeOf,
  lastOffsetDeltaOf, maxTimestampOf, producerEpochOf, producerIdOf, setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch,
} from '../../protocol/record-batch-header.js';
import { fdatasync, fsyncDir, pread, pwritev, readFileOrNull, writeFileAtomic } from './fs-util.js';
import { CLEANER_OFFSET_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { hasPolicy, NEVER, type LogConfig } from './log-config.js';
import { buildOffsetMap, cleanGroup, completeInterruptedSwaps, type CleanerHook } from './log-cleaner.js';
import { LogError } from './log-error.js';
import { decodeControlRecord, decodeRecords, encodeControlBatch, iterateBatches } from '../../protocol/record-batch.js';
import { ProducerStateManager, type BatchHeaderInfo, type BatchMetadata, type ProducerEntry, type ProducerStateSnapshot } from './producer-state.js';
import { LogSegment, scanBatches, segmentName } from './log-segment.js';
import { OffsetIndex, TimeIndex } from './sparse-index.js';

export interface PartitionLogOptions {
  clock?: () => number;
  /** Replaces fdatasync of segment files: tests count and delay syncs through it. */
  fsync?: (fd: number) => Promise<void>;
  /** Called between the steps of a cleaner swap; tests throw there to simulate a crash. */
  cleanerHook?: CleanerHook;
}

/** Where a compacted log stands, as the cleaner measures it (Kafka's LogToClean). */
export interface CleanableInfo {
  /** Offsets below this are clean. */
  firstDirty: number;
  /** Cleaning stops here: the active segment, or the first segment younger than min.compaction.lag.ms. */
  firstUncleanable: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes). */
  dirtyRatio: number;
  /** max.compaction.lag.ms has passed for the oldest dirty segment. */
  compactionLagExceeded: boolean;
  /** Cleaned tombstones have reached their delete horizon: a pass would remove them. */
  deleteHorizonDue: boolean;
  /** Whether the cleaner would clean this log now. */
  eligible: boolean;
}

export interface CompactionResult {
  firstDirty: number;
  endOffset: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** A producer's retry of a batch already in the log: these are the original's offsets, nothing was written. */
  duplicate?: boolean;
  /** -1 for CreateTime topics. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface ReadResult {
  records: Buffer;
  logStartOffset: number;
  logEndOffset: number;
}

/** A COMMIT or ABORT marker, written by the transaction coordinator to each partition of a transaction. */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

/** One producer's state on this partition, as DescribeProducers reports it. */
export interface ProducerView {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: number;
}

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;

/** This single node is the only leader a partition ever has: its epoch never changes. */
export const LEADER_EPOCH = 0;
const CLEAN_SHUTDOWN_FILE = 'clean-shutdown.json';
const INT32_MAX = 2147483647;
/** writev takes at most IOV_MAX (1024 on Linux) buffers. */
const MAX_IOV = 1024;

interface CleanShutdownState {
  activeBaseOffset: number;
  activeSize: number;
  nextOffset: number;
  firstBatchTimestamp: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  bytesSinceLastIndexEntry: number;
  /** Producer state at nextOffset, so that a clean reopen need not scan the log for it. */
  producerState?: ProducerStateSnapshot;
}

/** Producer-state snapshots, named by the offset they were taken at (Kafka's NNN.snapshot files). */
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOTS_TO_KEEP = 2;
const STATE_SCAN_CHUNK = 1 << 20;

interface PendingWrite {
  segment: LogSegment;
  buf: Buffer;
  endPosition: number;
  endOffset: number;
  recordCount: number;
  durable: boolean;
  result: AppendResult;
  resolve: (r: AppendResult) => void;
  reject: (e: Error) => void;
}

interface OffsetWaiter {
  offset: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class PartitionLog {
  private segments: LogSegment[] = [];
  private nextOffset = 0;
  private startOffset = 0;
  private totalSize = 0;
  /** Offset after the last batch fully written to the file (reads stop here). */
  private committedOffset = 0;
  private syncedOffset = 0;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private queue: PendingWrite[] = [];
  private writing = false;
  private committedWaiters: OffsetWaiter[] = [];
  private syncWaiters: OffsetWaiter[] = [];
  private syncing = false;
  private dirtySegments = new Set<LogSegment>();
  private dirNeedsSync = false;
  private finalizing: Promise<void> = Promise.resolve();
  private failure: LogError | null = null;
  private closed = false;
  /** Cleaner checkpoint: offsets below are clean. */
  private cleanerOffset = 0;
  /** Largest delete horizon among cleaned tombstones (-1: none); a pass after it removes them all. */
  private latestDeleteHorizon = -1;
  /** Serializes whatever changes the segment list other than appends: retention, DeleteRecords, cleaning. */
  private maintenance: Promise<unknown> = Promise.resolve();
  private readonly clock: () => number;
  private readonly fsyncFn: (fd: number) => Promise<void>;
  /** Idempotent and transactional producers' state (sequences, epochs, open and aborted transactions). */
  private readonly producerState: ProducerStateManager;

  private constructor(readonly dir: string, private config: LogConfig, private readonly options: PartitionLogOptions) {
    this.clock = options.clock ?? Date.now;
    this.fsyncFn = options.fsync ?? fdatasync;
    this.lastFlushMs = this.clock();
    this.producerState = new ProducerStateManager(dir);
  }

  static async open(dir: string, config: LogConfig, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const log = new PartitionLog(dir, config, options);
    await log.load();
    return log;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  /** Next offset to assign. */
  get logEndOffset(): number {
    return this.nextOffset;
  }
  /** Offset after the last batch readable now (appends in flight excluded). */
  get highWatermark(): number {
    return this.committedOffset;
  }
  get sizeInBytes(): number {
    return this.totalSize;
  }
  get segmentCount(): number {
    return this.segments.length;
  }
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }
  get currentConfig(): LogConfig {
    return this.config;
  }
  /**
   * The last stable offset: below it every transaction is decided. read_committed consumers read up to
   * here; without open transactions it is the high watermark.
   */
  get lastStableOffset(): number {
    const hw = this.committedOffset;
    const unstable = this.producerState.firstUnstableOffset();
    return unstable >= 0 && unstable < hw ? unstable : hw;
  }
  /** Aborted transactions whose records may lie in [fetchOffset, upperBound): what a read_committed fetch returns. */
  abortedTransactions(fetchOffset: number, upperBound: number): { producerId: number; firstOffset: number }[] {
    return this.producerState.abortedTransactions(fetchOffset, upperBound);
  }
  /** Active producers on this partition (DescribeProducers). */
  producers(): ProducerView[] {
    return [...this.producerState.entries()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: e.currentTxnFirstOffset,
    }));
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---------------------------------------------------------------------------------------------- open

  private async load(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    let names = await fs.promises.readdir(this.dir);
    if (await completeInterruptedSwaps(this.dir, names)) names = await fs.promises.readdir(this.dir);
    const present = new Set(names);
    const bases: number[] = [];
    const leftovers: Promise<void>[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp') || name.endsWith('.deleted')) leftovers.push(fs.promises.rm(join(this.dir, name), { force: true }));
      else if (/^\d{20}\.log$/.test(name)) bases.push(Number(name.slice(0, 20)));
    }
    bases.sort((a, b) => a - b);
    const markerBuf = present.has(CLEAN_SHUTDOWN_FILE) ? await readFileOrNull(join(this.dir, CLEAN_SHUTDOWN_FILE)) : null;
    let marker: CleanShutdownState | null = null;
    if (markerBuf) {
      try {
        marker = JSON.parse(markerBuf.toString('utf8')) as CleanShutdownState;
      } catch {
        marker = null;
      }
      // Removed before any new write: a crash from here on must not be mistaken for a clean stop.
      leftovers.push(fs.promises.rm(join(this.dir, CLEAN_SHUTDOWN_FILE), { force: true }));
    }
    await Promise.all(leftovers);

    if (bases.length === 0) {
      this.segments = [this.createSegment(0)];
      this.dirNeedsSync = true;
      return;
    }
    const now = this.clock();
    const stats = await Promise.all(bases.map((b) => fs.promises.stat(join(this.dir, `${segmentName(b)}.log`))));
    this.segments = bases.map((b, i) => new LogSegment(this.dir, b, stats[i]!.size, stats[i]!.mtimeMs || now));
    for (let i = 0; i < this.segments.length - 1; i++) this.segments[i]!.nextOffset = bases[i + 1]!;

    const last = this.active;
    const clean = marker !== null && marker.activeBaseOffset === last.baseOffset && marker.activeSize === last.size;
    if (!clean) marker = null;
    if (clean && (await this.loadActiveClean(last, marker!))) {
      // Trusted: nothing to scan.
    } else {
      // Recovery point: the first segment whose indexes were never made durable (see the header comment).
      let from = this.segments.length - 1;
      for (let i = 0; i < this.segments.length - 1; i++) {
        const name = segmentName(this.segments[i]!.baseOffset);
        if (!present.has(`${name}.index`) || !present.has(`${name}.timeindex`)) {
          from = i;
          break;
        }
      }
      await this.recoverFrom(from);
    }
    const a = this.active;
    a.fd = await new Promise<number>((resolve, reject) =>
      fs.open(a.logPath, 'r+', (err, fd) => (err ? reject(err) : resolve(fd))),
    );
    this.nextOffset = a.nextOffset;
    this.committedOffset = this.syncedOffset = this.nextOffset;
    this.totalSize = this.segments.reduce((n, s) => n + s.size, 0);
    const [lso, cleaner] = await Promise.all([
      readCheckpoint(this.dir, LOG_START_OFFSET_CHECKPOINT), readCheckpoint(this.dir, CLEANER_OFFSET_CHECKPOINT),
    ]);
    // A checkpoint beyond the log end (data lost with the page cache) is clamped, as Kafka does.
    this.startOffset = Math.min(Math.max(this.segments[0]!.baseOffset, lso?.['logStartOffset'] ?? 0), this.nextOffset);
    this.cleanerOffset = Math.min(cleaner?.['cleanerOffset'] ?? 0, this.nextOffset);
    this.latestDeleteHorizon = cleaner?.['latestDeleteHorizon'] ?? -1;
    // DeleteRecords persists the start before deleting segments: finish that after a crash in between.
    await this.deleteSegmentsBelowStart();
    await this.loadProducerState(marker?.producerState ?? null, names);
  }

  /**
   * Producer state as Kafka rebuilds it: from the clean-shutdown snapshot when there is one for this log
   * end, otherwise from the newest snapshot file at or below the log end plus a scan of the batches after it.
   */
  private async loadProducerState(cleanSnapshot: ProducerStateSnapshot | null, names: string[]): Promise<void> {
    if (cleanSnapshot && cleanSnapshot.version === 1 && cleanSnapshot.offset === this.nextOffset) {
      this.producerState.restore(cleanSnapshot);
      this.producerState.truncateHead(this.startOffset);
      return;
    }
    const offsets = snapshotOffsets(names).sort((a, b) => b - a);
    let from = this.startOffset;
    for (const offset of offsets) {
      const path = join(this.dir, segmentName(offset) + SNAPSHOT_SUFFIX);
      // A snapshot past the log end describes data lost with the page cache: it must not be used.
      if (offset > this.nextOffset) {
        await fs.promises.rm(path, { force: true });
        continue;
      }
      const snap = parseSnapshot(await readFileOrNull(path));
      if (!snap || snap.offset !== offset) continue;
      this.producerState.restore(snap);
      from = Math.max(offset, this.startOffset);
      break;
    }
    await this.scanProducerState(from);
    this.producerState.truncateHead(this.startOffset);
  }

  /** Replays producer fields, transaction markers included, of the batches from offset to the log end. */
  private async scanProducerState(offset: number): Promise<void> {
    const end = this.committedOffset;
    while (offset < end) {
      const { records } = await this.read(offset, STATE_SCAN_CHUNK, true);
      if (records.length === 0) break;
      let next = offset;
      for (let pos = 0; pos + BATCH_HEADER_SIZE <= records.length; pos += batchSizeOf(records, pos)) {
        const base = baseOffsetOf(records, pos);
        next = base + lastOffsetDeltaOf(records, pos) + 1;
        this.replayBatch(records, pos, base);
      }
      if (next <= offset) break;
      offset = next;
    }
  }

  private replayBatch(buf: Buffer, pos: number, base: number): void {
    const producerId = producerIdOf(buf, pos);
    if (producerId < 0) return;
    const attributes = attributesOf(buf, pos);
    if ((attributes & ATTR_CONTROL) !== 0) {
      const size = batchSizeOf(buf, pos);
      let control;
      try {
        control = decodeControlRecord(decodeRecords(buf.subarray(pos, pos + size), { verifyCrc: false }).records[0]!);
      } catch {
        return;
      }
      if (control.marker === null) return;
      this.producerState.applyMarker(producerId, producerEpochOf(buf, pos), control.coordinatorEpoch ?? -1, control.marker === 'commit', base, maxTimestampOf(buf, pos), base + 1);
      return;
    }
    const pending = new Map<number, ProducerEntry>();
    const entry = this.producerState.staged(producerId, pending);
    this.producerState.stageData(entry, headerInfo(buf, pos, producerId), base, base + lastOffsetDeltaOf(buf, pos));
    this.producerState.commit(pending);
  }

  private async loadActiveClean(seg: LogSegment, marker: CleanShutdownState): Promise<boolean> {
    const [ib, tb] = await Promise.all([readFileOrNull(seg.indexPath), readFileOrNull(seg.timeIndexPath)]);
    const index = ib && OffsetIndex.fromBuffer(ib, seg.size);
    const timeIndex = tb && TimeIndex.fromBuffer(tb, marker.nextOffset - seg.baseOffset - 1);
    if (!index || !timeIndex || marker.nextOffset < seg.baseOffset) return false;
    seg.index = index;
    seg.timeIndex = timeIndex;
    seg.nextOffset = marker.nextOffset;
    seg.maxTimestamp = marker.maxTimestamp;
    seg.offsetOfMaxTimestamp = marker.offsetOfMaxTimestamp;
    seg.firstBatchTimestamp = marker.firstBatchTimestamp;
    seg.bytesSinceLastIndexEntry = marker.bytesSinceLastIndexEntry;
    return true;
  }

  /** Validates segments from index `from` on, truncating at the first bad batch and dropping what follows. */
  private async recoverFrom(from: number): Promise<void> {
    for (let i = from; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const validEnd = await seg.rebuild(true, this.config.indexIntervalBytes);
      const isLast = i === this.segments.length - 1;
      if (validEnd < seg.size) {
        await fs.promises.truncate(seg.logPath, validEnd);
        seg.size = seg.committedSize = validEnd;
        // Later segments would follow a gap in the log: Kafka deletes them too.
        const dropped = this.segments.splice(i + 1);
        for (const d of dropped) await this.removeSegmentFiles(d);
        if (!isLast) {
          await seg.close();
          await this.removeStaleIndexes(seg);
          break;
        }
      }
      if (i < this.segments.length - 1) {
        seg.nextOffset = this.segments[i + 1]!.baseOffset;
        // Index files mark a segment as durable (see the header comment): the data may so far only be in
        // the page cache of the process that crashed.
        await fdatasync(seg.fd);
        await seg.writeIndexes(false);
        await seg.close();
      } else {
        await seg.close();
        await this.removeStaleIndexes(seg);
      }
    }
    await fsyncDir(this.dir);
  }

  /** Index files of the active segment are rewritten at close; stale ones would mislead a later crash recovery. */
  private async removeStaleIndexes(seg: LogSegment): Promise<void> {
    await fs.promises.rm(seg.indexPath, { force: true });
    await fs.promises.rm(seg.timeIndexPath, { force: true });
  }

  private createSegment(baseOffset: number): LogSegment {
    const seg = new LogSegment(this.dir, baseOffset, 0, this.clock());
    seg.index = new OffsetIndex();
    seg.timeIndex = new TimeIndex();
    // Synchronous: rolls happen inside append, which must assign offsets without yielding. Rare and cheap.
    seg.fd = fs.openSync(seg.logPath, 'w+');
    return seg;
  }

  // -------------------------------------------------------------------------------------------- append

  /** origin 'coordinator': the broker's own write for a producer (TxnOffsetCommit): epochs are checked, sequences not. */
  append(batches: Buffer, opts: { durable: boolean; recordCount: number; origin?: 'client' | 'coordinator' }): Promise<AppendResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`));
    const length = batches.length;
    let span = 0;
    for (let pos = 0; pos < length; ) {
      if (pos + BATCH_HEADER_SIZE > length) return Promise.reject(new LogError('CORRUPT_MESSAGE', 'truncated batch'));
      const size = batchSizeOf(batches, pos);
      if (size < BATCH_HEADER_SIZE || pos + size > length) return Promise.reject(new LogError('CORRUPT_MESSAGE', 'bad batch length'));
      span += lastOffsetDeltaOf(batches, pos) + 1;
      pos += size;
    }
    if (length === 0) return Promise.reject(new LogError('CORRUPT_MESSAGE', 'no batches'));

    // Producer state: every batch with a producer id is checked (epoch, sequence, transaction) before
    // anything is assigned; a retry of a batch already in the log is answered with its original offsets.
    let staged: Map<number, ProducerEntry> | null = null;
    for (let pos = 0, offset = this.nextOffset; pos < length; pos += batchSizeOf(batches, pos)) {
      const first = offset;
      offset += lastOffsetDeltaOf(batches, pos) + 1;
      const producerId = producerIdOf(batches, pos);
      if (producerId < 0) continue;
      if ((attributesOf(batches, pos) & ATTR_CONTROL) !== 0) {
        return Promise.reject(new LogError('INVALID_REQUEST', 'control batches are written by the transaction coordinator only'));
      }
      const info = headerInfo(batches, pos, producerId);
      if (opts.origin === 'coordinator') info.fromCoordinator = true;
      staged ??= new Map();
      let duplicate: BatchMetadata | null;
      try {
        duplicate = this.producerState.check(info, staged).duplicate;
      } catch (err) {
        return Promise.reject(err as Error);
      }
      if (duplicate) {
        if (batchSizeOf(batches, pos) !== length) {
          return Promise.reject(new LogError('DUPLICATE_SEQUENCE_NUMBER', `batch of producer ${producerId} repeats sequence ${info.baseSequence} among other batches`));
        }
        return this.duplicateResult(duplicate, opts.durable);
      }
      this.producerState.stageData(this.producerState.staged(producerId, staged), info, first, offset - 1);
    }
    const commit = staged;
    return this.enqueue(batches, length, span, opts, commit ? () => this.producerState.commit(commit) : null);
  }

  /**
   * Writes a transaction marker (a COMMIT or ABORT control batch) and closes the producer's transaction on
   * this partition; durable before it resolves, as the coordinator completes the transaction only then.
   */
  appendTxnMarker(m: TxnMarker): Promise<AppendResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`));
    try {
      this.producerState.checkMarker(m.producerId, m.producerEpoch, m.coordinatorEpoch);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const now = this.clock();
    const batch = encodeControlBatch(m.commit ? 'commit' : 'abort', m.producerId, m.producerEpoch, m.coordinatorEpoch, now);
    return this.enqueue(batch, batch.length, 1, { durable: true, recordCount: 1 }, () => {
      this.producerState.applyMarker(m.producerId, m.producerEpoch, m.coordinatorEpoch, m.commit, this.nextOffset, now, this.committedOffset);
    });
  }

  /** The answer to a retried batch: its original offsets, once the original is as durable as asked. */
  private duplicateResult(m: BatchMetadata, durable: boolean): Promise<AppendResult> {
    const result: AppendResult = { baseOffset: m.firstOffset, lastOffset: m.lastOffset, logAppendTime: -1, logStartOffset: this.startOffset, duplicate: true };
    const written = this.whenCommitted(m.lastOffset + 1);
    return (durable ? written.then(() => this.syncTo(m.lastOffset + 1)) : written).then(() => result);
  }

  /** Assigns offsets and queues the write; onAssigned runs after any roll, before offsets move on (producer state). */
  private enqueue(
    batches: Buffer, length: number, span: number, opts: { durable: boolean; recordCount: number }, onAssigned: (() => void) | null,
  ): Promise<AppendResult> {
    const now = this.clock();
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime';
    let incomingMaxTs = -1;
    if (logAppendTime) incomingMaxTs = now;
    else for (let pos = 0; pos < length; pos += batchSizeOf(batches, pos)) incomingMaxTs = Math.max(incomingMaxTs, maxTimestampOf(batches, pos));
    this.maybeRoll(length, span, now, incomingMaxTs);
    onAssigned?.();

    const seg = this.active;
    const baseOffset = this.nextOffset;
    let offset = baseOffset;
    const interval = this.config.indexIntervalBytes;
    for (let pos = 0; pos < length; ) {
      const size = batchSizeOf(batches, pos);
      setBaseOffset(batches, pos, offset);
      // Stamp the leader epoch as a Kafka leader does (always 0 on this single node; outside the CRC).
      setPartitionLeaderEpoch(batches, pos, LEADER_EPOCH);
      if (logAppendTime) setLogAppendTime(batches, pos, size, now);
      seg.onBatch(offset, seg.size + pos, size, maxTimestampOf(batches, pos), interval);
      offset += lastOffsetDeltaOf(batches, pos) + 1;
      pos += size;
    }
    this.nextOffset = offset;
    seg.nextOffset = offset;
    seg.size += length;
    this.totalSize += length;
    const result: AppendResult = {
      baseOffset,
      lastOffset: offset - 1,
      logAppendTime: logAppendTime ? now : -1,
      logStartOffset: this.startOffset,
    };
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        segment: seg, buf: batches, endPosition: seg.size, endOffset: offset, recordCount: opts.recordCount,
        durable: opts.durable, result, resolve, reject,
      });
      if (!this.writing) this.drain();
    });
  }

  private maybeRoll(length: number, span: number, now: number, incomingMaxTs: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const c = this.config;
    // As Kafka: age is measured in message time against the segment's first batch when both carry
    // timestamps, so producers with skewed clocks do not cause a roll per append.
    const waited = seg.firstBatchTimestamp >= 0 && incomingMaxTs >= 0 ? incomingMaxTs - seg.firstBatchTimestamp : now - seg.createdMs;
    if (
      seg.size + length > c.segmentBytes ||
      waited > c.segmentMs ||
      (seg.index!.length + 1) * 8 > c.segmentIndexBytes ||
      (seg.timeIndex!.length + 2) * 12 > c.segmentIndexBytes ||
      this.nextOffset + span - 1 - seg.baseOffset > INT32_MAX
    ) {
      this.roll();
    }
  }

  /** Starts a new active segment at the log end; the old one is fsynced and its indexes stored in the background. */
  private roll(): void {
    const old = this.active;
    const seg = this.createSegment(this.nextOffset);
    seg.nextOffset = this.nextOffset;
    this.segments.push(seg);
    this.dirNeedsSync = true;
    const until = old.nextOffset;
    // Taken now, at the new segment's base: after a crash, producer state is rebuilt from the newest
    // snapshot plus a scan of what follows it, at most about a segment.
    const snapshot = this.producerState.snapshot(this.nextOffset);
    this.finalizing = this.finalizing
      .then(() => this.whenCommitted(until))
      .then(async () => {
        if (!old.deleted) {
          old.io++;
          try {
            await this.fsyncFn(old.fd);
            await old.writeIndexes(true);
          } finally {
            old.io--;
            this.maybeCloseDeleted(old);
          }
        }
        await this.writeSnapshot(snapshot);
      })
      .catch((err: unknown) => {
        this.fail(err);
      });
  }

  private async writeSnapshot(snapshot: ProducerStateSnapshot): Promise<void> {
    await writeFileAtomic(join(this.dir, segmentName(snapshot.offset) + SNAPSHOT_SUFFIX), JSON.stringify(snapshot), false, false);
    const offsets = snapshotOffsets(await fs.promises.readdir(this.dir)).sort((a, b) => b - a);
    await Promise.all(offsets.slice(SNAPSHOTS_TO_KEEP).map((o) => fs.promises.rm(join(this.dir, segmentName(o) + SNAPSHOT_SUFFIX), { force: true })));
  }

  private drain(): void {
    if (this.writing || this.queue.length === 0) return;
    const seg = this.queue[0]!.segment;
    let n = 1;
    while (n < this.queue.length && n < MAX_IOV && this.queue[n]!.segment === seg) n++;
    const run = this.queue.splice(0, n);
    const bufs = run.map((w) => w.buf);
    const start = run[0]!.endPosition - run[0]!.buf.length;
    this.writing = true;
    seg.io++;
    pwritev(seg.fd, bufs, start).then(
      () => {
        seg.io--;
        this.writing = false;
        const last = run[run.length - 1]!;
        seg.committedSize = last.endPosition;
        this.committedOffset = last.endOffset;
        this.dirtySegments.add(seg);
        let records = 0;
        for (const w of run) {
          records += w.recordCount;
          if (w.durable) this.syncTo(w.endOffset).then(() => w.resolve(w.result), w.reject);
          else w.resolve(w.result);
        }
        this.unflushedMessages += records;
        this.releaseWaiters(this.committedWaiters, this.committedOffset);
        if (this.unflushedMessages >= this.config.flushMessages) this.syncTo(this.committedOffset).catch(() => {});
        this.maybeCloseDeleted(seg);
        this.drain();
      },
      (err: unknown) => {
        seg.io--;
        this.writing = false;
        for (const w of run) w.reject(this.fail(err));
      },
    );
  }

  private releaseWaiters(waiters: OffsetWaiter[], reached: number): void {
    if (waiters.length === 0) return;
    const keep: OffsetWaiter[] = [];
    for (const w of waiters) {
      if (w.offset <= reached) w.resolve();
      else keep.push(w);
    }
    waiters.length = 0;
    waiters.push(...keep);
  }

  private whenCommitted(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.committedOffset >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => this.committedWaiters.push({ offset, resolve, reject }));
  }

  /** Resolves once an fsync started after offset was written has completed; concurrent callers share syncs. */
  private syncTo(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.syncedOffset >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push({ offset, resolve, reject });
      this.startSync();
    });
  }

  private startSync(): void {
    if (this.syncing) return;
    this.syncing = true;
    const covered = this.committedOffset;
    const segs = [...this.dirtySegments];
    this.dirtySegments.clear();
    const syncDir = this.dirNeedsSync;
    this.dirNeedsSync = false;
    for (const s of segs) s.io++;
    const work: Promise<void>[] = segs.map((s) => this.fsyncFn(s.fd));
    if (syncDir) work.push(fsyncDir(this.dir));
    Promise.all(work).then(
      () => {
        for (const s of segs) {
          s.io--;
          this.maybeCloseDeleted(s);
        }
        this.syncing = false;
        this.syncedOffset = Math.max(this.syncedOffset, covered);
        this.unflushedMessages = 0;
        this.lastFlushMs = this.clock();
        this.releaseWaiters(this.syncWaiters, this.syncedOffset);
        if (this.syncWaiters.length > 0) this.startSync();
      },
      (err: unknown) => {
        for (const s of segs) s.io--;
        this.syncing = false;
        this.fail(err);
      },
    );
  }

  /** A failed write or sync leaves the file in an unknown state: the log stops accepting appends. */
  private fail(err: unknown): LogError {
    if (!this.failure) {
      this.failure = new LogError('KAFKA_STORAGE_ERROR', `log ${this.dir} failed: ${(err as Error)?.message}`, { cause: err });
      for (const w of this.queue.splice(0)) w.reject(this.failure);
      for (const w of this.syncWaiters.splice(0)) w.reject(this.failure);
      for (const w of this.committedWaiters.splice(0)) w.reject(this.failure);
    }
    return this.failure;
  }

  /** fsyncs everything appended so far. */
  async flush(): Promise<void> {
    const target = this.nextOffset;
    await this.whenCommitted(target);
    await this.finalizing;
    if (this.dirtySegments.size > 0 || this.dirNeedsSync || this.syncedOffset < target) {
      this.syncedOffset = Math.min(this.syncedOffset, target - 1);
      await this.syncTo(target);
    }
  }

  /** Called by the owner's flush.ms timer. */
  async maybeFlushByTime(now = this.clock()): Promise<void> {
    if (this.unflushedMessages > 0 && now - this.lastFlushMs >= this.config.flushMs) await this.flush();
  }

  // ---------------------------------------------------------------------------------------------- read

  private outOfRange(offset: number): LogError {
    return new LogError(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} is outside [${this.startOffset}, ${this.nextOffset}] of ${this.dir}`,
    );
  }

  /** Index of the segment holding offset: the last one whose base offset is at most offset. */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private limitOffsetOf(i: number): number {
    return i + 1 < this.segments.length ? this.segments[i + 1]!.baseOffset : this.nextOffset;
  }

  /** Whole batches from the one holding fetchOffset; none starting at or after maxOffset (read_committed: the LSO). */
  async read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset = Infinity): Promise<ReadResult> {
    if (fetchOffset < this.startOffset || fetchOffset > this.nextOffset) throw this.outOfRange(fetchOffset);
    const hw = this.committedOffset;
    const empty = (): ReadResult => ({ records: Buffer.alloc(0), logStartOffset: this.startOffset, logEndOffset: hw });
    if (fetchOffset >= Math.min(hw, maxOffset)) return empty();
    if (maxOffset < hw) {
      const r = await this.read(fetchOffset, maxBytes, minOneBatch);
      return { ...r, records: batchesBelow(r.records, maxOffset) };
    }
    let i = this.segmentIndexFor(fetchOffset);
    let restarts = 0;
    while (i < this.segments.length) {
      const seg = this.segments[i]!;
      let records: Buffer | null = null;
      try {
        if (!seg.deleted) {
          await seg.ensureIndexes(this.limitOffsetOf(i), this.config.indexIntervalBytes);
          records = await this.readSegment(seg, fetchOffset, maxBytes, minOneBatch);
        }
      } catch (err) {
        if (!seg.deleted) throw err;
      }
      if (this.segments[i] !== seg) {
        // Retention, DeleteRecords or the cleaner replaced segments while this read waited. Bytes read from
        // a replaced segment are still a valid answer (as in Kafka, a fetch may see a log before cleaning).
        if (fetchOffset < this.startOffset) throw this.outOfRange(fetchOffset);
        if (records) return { records, logStartOffset: this.startOffset, logEndOffset: hw };
        if (++restarts > 8) return empty();
        i = this.segmentIndexFor(fetchOffset);
        continue;
      }
      if (records) return { records, logStartOffset: this.startOffset, logEndOffset: hw };
      i++;
    }
    return empty();
  }

  /** Whole batches from the one containing fetchOffset; null when this segment has none at or after it. */
  private async readSegment(seg: LogSegment, fetchOffset: number, maxBytes: number, minOneBatch: boolean): Promise<Buffer | null> {
    const fd = await seg.openFd();
    const interval = this.config.indexIntervalBytes;
    seg.io++;
    try {
      let start = seg.index!.lookup(fetchOffset - seg.baseOffset);
      let rebuilt = false;
      let fromIndex = true;
      let buf: Buffer;
      let p: number;
      // Locate the batch containing fetchOffset. The index entry is at most about one interval before it,
      // so a read sized maxBytes + interval normally holds the whole answer.
      for (;;) {
        const limit = seg.committedSize;
        if (start + BATCH_HEADER_SIZE > limit) return null;
        buf = await pread(fd, Math.min(limit - start, Math.max(maxBytes, 0) + interval + 16384), start);
        p = 0;
        let bad = false;
        let found = false;
        while (p + BATCH_HEADER_SIZE <= buf.length) {
          const size = batchSizeOf(buf, p);
          const base = baseOffsetOf(buf, p);
          if (size < BATCH_HEADER_SIZE || (p === 0 && fromIndex && start > 0 && base > fetchOffset)) {
            bad = true;
            break;
          }
          if (base + lastOffsetDeltaOf(buf, p) >= fetchOffset) {
            found = true;
            break;
          }
          p += size;
        }
        if (bad) {
          // The index pointed somewhere implausible: rebuild it from the log and retry once.
          if (rebuilt) throw new LogError('CORRUPT_MESSAGE', `corrupt batch near ${start + p} in ${seg.logPath}`);
          await seg.rebuild(false, interval);
          rebuilt = true;
          start = seg.index!.lookup(fetchOffset - seg.baseOffset);
          continue;
        }
        if (found) break;
        if (start + p + BATCH_HEADER_SIZE > limit) return null;
        start += p;
        fromIndex = false;
      }
      let { end, cut } = wholeBatches(buf, p, maxBytes, minOneBatch);
      if (cut && start + buf.length < seg.committedSize) {
        // The read ended inside the answer: read again from the batch found, sized for all of it.
        const from = start + p;
        const firstSize = batchSizeOf(buf, p);
        const length = Math.min(seg.committedSize - from, Math.max(maxBytes, minOneBatch ? firstSize : 0));
        buf = await pread(fd, length, from);
        p = 0;
        ({ end } = wholeBatches(buf, 0, maxBytes, minOneBatch));
      }
      return buf.subarray(p, end);
    } finally {
      seg.io--;
      this.maybeCloseDeleted(seg);
    }
  }

  // ------------------------------------------------------------------------------------------ timestamps

  async offsetForTimestamp(ts: number): Promise<{ offset: number; timestamp: number } | null> {
    if (ts === LATEST_TIMESTAMP) return { offset: this.committedOffset, timestamp: -1 };
    if (ts === EARLIEST_TIMESTAMP || ts === EARLIEST_LOCAL_TIMESTAMP) return { offset: this.startOffset, timestamp: -1 };
    const readable = this.committedOffset;
    if (ts === MAX_TIMESTAMP) {
      let best: LogSegment | null = null;
      for (let i = 0; i < this.segments.length; i++) {
        const seg = this.segments[i]!;
        await seg.ensureIndexes(this.limitOffsetOf(i), this.config.indexIntervalBytes);
        if (seg.offsetOfMaxTimestamp >= 0 && seg.offsetOfMaxTimestamp < readable && (!best || seg.maxTimestamp > best.maxTimestamp)) best = seg;
      }
      if (!best) return null;
      return this.findInSegment(best, best.maxTimestamp, best.offsetOfMaxTimestamp - best.baseOffset);
    }
    if (ts < 0) return null;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      await seg.ensureIndexes(this.limitOffsetOf(i), this.config.indexIntervalBytes);
      if (seg.maxTimestamp < ts) continue;
      const found = await this.findInSegment(seg, ts, seg.timeIndex!.lookup(ts));
      if (found && found.offset < readable) return found;
      if (found) return null;
    }
    return null;
  }

  /** First record with timestamp >= ts, scanning batches from the one at or before fromRelative. */
  private async findInSegment(seg: LogSegment, ts: number, fromRelative: number): Promise<{ offset: number; timestamp: number } | null> {
    const fd = await seg.openFd();
    seg.io++;
    try {
      let hit: { pos: number; size: number; base: number; maxTs: number } | null = null;
      const from = seg.index!.lookup(fromRelative);
      await scanBatches(fd, from, seg.committedSize, false, seg.baseOffset, (base, _last, pos, size, maxTs) => {
        if (maxTs >= ts && base >= this.startOffset) {
          hit = { pos, size, base, maxTs };
          return false;
        }
        return true;
      });
      if (!hit) return null;
      const h = hit as { pos: number; size: number; base: number; maxTs: number };
      const batch = await pread(fd, h.size, h.pos);
      return firstRecordAtOrAfter(batch, ts) ?? { offset: h.base, timestamp: h.maxTs };
    } finally {
      seg.io--;
      this.maybeCloseDeleted(seg);
    }
  }

  // ------------------------------------------------------------------------------------------- retention

  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /** Runs fn after every earlier maintenance task (retention, DeleteRecords, cleaning) has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(fn, fn);
    this.maintenance = run.catch(() => {});
    return run;
  }

  /** Rolls an active segment older than segment.ms (by wall clock: no message time is at hand here). */
  private rollByAge(now: number): void {
    const active = this.active;
    if (active.size > 0 && now - active.createdMs > this.config.segmentMs) this.roll();
  }

  enforceRetention(now: number = this.clock()): Promise<number> {
    return this.exclusive(() => this.enforceRetentionNow(now));
  }

  private async enforceRetentionNow(now: number): Promise<number> {
    if (this.closed || this.failure) return 0;
    const c = this.config;
    this.rollByAge(now);
    // Kafka's producer.id.expiration.ms, checked as often as retention.
    this.producerState.expire(now - c.producerIdExpirationMs);
    if (!hasPolicy(c.cleanupPolicy, 'delete')) return 0;

    let deletable = 0;
    let sizeOver = c.retentionBytes >= 0 ? this.totalSize - c.retentionBytes : -1;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.size === 0 && i === this.segments.length - 1) break;
      await seg.ensureIndexes(this.limitOffsetOf(i), c.indexIntervalBytes);
      const largest = seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.createdMs;
      const byTime = c.retentionMs >= 0 && now - largest > c.retentionMs;
      const bySize = sizeOver >= seg.size;
      const byStart = this.limitOffsetOf(i) <= this.startOffset && i < this.segments.length - 1;
      if (!byTime && !bySize && !byStart) break;
      if (bySize) sizeOver -= seg.size;
      deletable++;
    }
    if (deletable === 0) return 0;
    // Kafka keeps the log non-empty of segments: when everything is expired, roll so that a fresh active
    // segment remains at the log end.
    if (deletable === this.segments.length) this.roll();
    const victims = this.segments.splice(0, deletable);
    this.startOffset = Math.max(this.startOffset, this.segments[0]!.baseOffset);
    this.producerState.truncateHead(this.startOffset);
    for (const seg of victims) {
      this.totalSize -= seg.size;
      await this.removeSegmentFiles(seg);
    }
    return victims.length;
  }

  // ------------------------------------------------------------------------------------- DeleteRecords

  /**
   * Moves the log start offset to beforeOffset (-1: the high watermark), as DeleteRecords does: the new
   * start is made durable first, then whole segments below it are deleted. Reads below it answer
   * OFFSET_OUT_OF_RANGE. Returns the new log start offset (the low watermark).
   */
  deleteRecords(beforeOffset: number): Promise<number> {
    return this.exclusive(async () => {
      if (this.failure) throw this.failure;
      if (this.closed) throw new LogError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`);
      const hw = this.committedOffset;
      const target = beforeOffset === -1 ? hw : beforeOffset;
      if (!Number.isSafeInteger(target) || target < 0 || target > hw) {
        throw new LogError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${beforeOffset}: outside [${this.startOffset}, ${hw}] of ${this.dir}`);
      }
      if (target <= this.startOffset) return this.startOffset;
      await writeCheckpoint(this.dir, LOG_START_OFFSET_CHECKPOINT, { logStartOffset: target });
      this.startOffset = target;
      this.producerState.truncateHead(this.startOffset);
      await this.deleteSegmentsBelowStart();
      return this.startOffset;
    });
  }

  /** Deletes the inactive segments wholly below the log start offset. */
  private async deleteSegmentsBelowStart(): Promise<void> {
    let n = 0;
    while (n < this.segments.length - 1 && this.limitOffsetOf(n) <= this.startOffset) n++;
    if (n === 0) return;
    const victims = this.segments.splice(0, n);
    for (const seg of victims) {
      this.totalSize -= seg.size;
      await this.removeSegmentFiles(seg);
    }
  }

  // ------------------------------------------------------------------------------------------ compaction

  /** The cleaner's view of this log now; null when it has nothing it could clean. */
  async cleanableInfo(now: number = this.clock()): Promise<CleanableInfo | null> {
    const c = this.config;
    if (!hasPolicy(c.cleanupPolicy, 'compact') || this.segments.length < 2) return null;
    const firstDirty = Math.max(this.cleanerOffset, this.startOffset);
    let firstUncleanable = this.active.baseOffset;
    // Open transactions are undecided: nothing from the segment holding the first of them on is cleaned.
    const unstable = this.producerState.firstUnstableOffset();
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let firstDirtySegment: LogSegment | null = null;
    for (let i = 0; i < this.segments.length - 1; i++) {
      const seg = this.segments[i]!;
      if (this.limitOffsetOf(i) <= firstDirty) {
        cleanBytes += seg.size;
        continue;
      }
      if (unstable >= 0 && this.limitOffsetOf(i) > unstable) {
        firstUncleanable = seg.baseOffset;
        break;
      }
      await seg.ensureIndexes(this.limitOffsetOf(i), c.indexIntervalBytes);
      // KIP-58: a segment holding records younger than min.compaction.lag.ms, and all after it, wait.
      const largest = seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.createdMs;
      if (c.minCompactionLagMs > 0 && largest > now - c.minCompactionLagMs) {
        firstUncleanable = seg.baseOffset;
        break;
      }
      firstDirtySegment ??= seg;
      dirtyBytes += seg.size;
    }
    const total = cleanBytes + dirtyBytes;
    const dirtyRatio = total === 0 ? 0 : dirtyBytes / total;
    let compactionLagExceeded = false;
    if (firstDirtySegment && c.maxCompactionLagMs < NEVER) {
      // KIP-354 measures from the first batch's timestamp of the oldest dirty segment.
      const first = await this.firstBatchTimestampOf(firstDirtySegment);
      compactionLagExceeded = now - (first >= 0 ? first : firstDirtySegment.createdMs) > c.maxCompactionLagMs;
    }
    const deleteHorizonDue = this.latestDeleteHorizon >= 0 && this.latestDeleteHorizon <= now;
    const eligible = (dirtyBytes > 0 && (dirtyRatio >= c.minCleanableDirtyRatio || compactionLagExceeded)) || deleteHorizonDue;
    return { firstDirty, firstUncleanable, cleanBytes, dirtyBytes, dirtyRatio, compactionLagExceeded, deleteHorizonDue, eligible };
  }

  private async firstBatchTimestampOf(seg: LogSegment): Promise<number> {
    if (seg.size < BATCH_HEADER_SIZE) return -1;
    const fd = await seg.openFd();
    seg.io++;
    try {
      return maxTimestampOf(await pread(fd, BATCH_HEADER_SIZE, 0), 0);
    } finally {
      seg.io--;
      this.maybeCloseDeleted(seg);
    }
  }

  /**
   * One cleaner pass (see log-cleaner.ts) when the log is eligible, or always with force. Also rolls an
   * active segment older than segment.ms first, so that a quiet compacted log is eventually cleaned whole.
   * Returns null when nothing was cleaned.
   */
  compact(now: number = this.clock(), opts: { force?: boolean } = {}): Promise<CompactionResult | null> {
    return this.exclusive(async () => {
      if (this.closed || this.failure || !hasPolicy(this.config.cleanupPolicy, 'compact')) return null;
      this.rollByAge(now);
      // Rolled segments become cleanable once their data is written and fsynced.
      await this.finalizing;
      const info = await this.cleanableInfo(now);
      if (!info || !(info.eligible || opts.force)) return null;
      const c = this.config;
      const endOffset = info.firstUncleanable;
      let n = 0;
      while (n < this.segments.length - 1 && this.limitOffsetOf(n) <= endOffset) n++;
      if (n === 0) return null;
      const targets = this.segments.slice(0, n);
      const aborted = this.producerState.abortedRanges(this.startOffset, endOffset);
      const map = await buildOffsetMap(targets, info.firstDirty, endOffset, aborted);
      // With an empty active segment the last batch of the log is among the targets: it stays whole.
      const retainBatchEndingAt = this.active.size === 0 && endOffset === this.nextOffset ? endOffset : -1;
      const result: CompactionResult = {
        firstDirty: info.firstDirty, endOffset, segmentsBefore: n, segmentsAfter: 0,
        bytesBefore: targets.reduce((t, s) => t + s.size, 0), bytesAfter: 0, recordsRemoved: 0,
      };
      let latestDeleteHorizon = -1;
      for (const group of groupSegments(targets, c.segmentBytes, (s) => this.limitOffsetOf(this.segments.indexOf(s)))) {
        const cleaned = await cleanGroup(group, {
          dir: this.dir, map, now, deleteRetentionMs: c.deleteRetentionMs, indexIntervalBytes: c.indexIntervalBytes, aborted, retainBatchEndingAt,
          ...(this.options.cleanerHook ? { hook: this.options.cleanerHook } : {}),
        });
        result.recordsRemoved += cleaned.recordsRemoved;
        latestDeleteHorizon = Math.max(latestDeleteHorizon, cleaned.latestDeleteHorizon);
        const seg = cleaned.segment;
        if (!seg) {
          result.segmentsAfter++;
          result.bytesAfter += group[0]!.size;
          continue;
        }
        this.segments.splice(this.segments.indexOf(group[0]!), group.length, seg);
        for (const old of group) {
          this.totalSize -= old.size;
          old.deleted = true;
          this.maybeCloseDeleted(old);
        }
        this.totalSize += seg.size;
        result.segmentsAfter++;
        result.bytesAfter += seg.size;
      }
      this.cleanerOffset = Math.max(this.cleanerOffset, endOffset);
      this.latestDeleteHorizon = latestDeleteHorizon;
      await writeCheckpoint(this.dir, CLEANER_OFFSET_CHECKPOINT, { cleanerOffset: this.cleanerOffset, latestDeleteHorizon });
      return result;
    });
  }

  private async removeSegmentFiles(seg: LogSegment): Promise<void> {
    seg.deleted = true;
    await Promise.all([seg.logPath, seg.indexPath, seg.timeIndexPath].map((p) => fs.promises.rm(p, { force: true })));
    this.maybeCloseDeleted(seg);
  }

  /** Deleted segments keep their fd until in-flight I/O ends, so a recycled fd number is never read. */
  private maybeCloseDeleted(seg: LogSegment): void {
    if (seg.deleted && seg.io === 0 && seg.fd >= 0) void seg.close();
  }

  // ----------------------------------------------------------------------------------------------- close

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => {});
    this.closed = true;
    await this.finalizing;
    await this.maintenance;
    if (!this.failure) {
      const a = this.active;
      // Neither the indexes nor the marker are fsynced: the log data is (flush above), and a marker lost to
      // a power cut only costs a recovery scan, while stale index files are caught by the checks on load.
      await a.writeIndexes(false);
      const state: CleanShutdownState = {
        activeBaseOffset: a.baseOffset,
        activeSize: a.size,
        nextOffset: this.nextOffset,
        firstBatchTimestamp: a.firstBatchTimestamp,
        maxTimestamp: a.maxTimestamp,
        offsetOfMaxTimestamp: a.offsetOfMaxTimestamp,
        bytesSinceLastIndexEntry: a.bytesSinceLastIndexEntry,
        producerState: this.producerState.snapshot(this.nextOffset),
      };
      await writeFileAtomic(join(this.dir, CLEAN_SHUTDOWN_FILE), JSON.stringify(state), false, false);
    }
    await Promise.all(this.segments.map((s) => s.close()));
  }

  async delete(): Promise<void> {
    this.closed = true;
    await this.finalizing.catch(() => {});
    await this.whenCommitted(this.nextOffset).catch(() => {});
    for (const s of this.segments) s.deleted = true;
    await Promise.all(this.segments.map((s) => (s.io === 0 ? s.close() : Promise.resolve())));
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

/** End of the whole batches from p that fit maxBytes; cut when the buffer ended before maxBytes did. */
function wholeBatches(buf: Buffer, p: number, maxBytes: number, minOneBatch: boolean): { end: number; cut: boolean } {
  let end = p;
  for (;;) {
    if (end + LOG_OVERHEAD > buf.length) return { end, cut: end - p < maxBytes };
    const size = batchSizeOf(buf, end);
    if (end - p + size > maxBytes && !(end === p && minOneBatch)) return { end, cut: false };
    if (end + size > buf.length) return { end, cut: true };
    end += size;
  }
}

// Record => length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | ...
/** Finds the first record with timestamp >= ts in an uncompressed CreateTime batch; null otherwise. */
function firstRecordAtOrAfter(batch: Buffer, ts: number): { offset: number; timestamp: number } | null {
  // Kafka looks inside the batch (decompressing it when needed) for the exact record, and so do we:
  // clients' offsets_for_times expect the first record at or after ts, not the batch start.
  try {
    const decoded = decodeRecords(batch, { verifyCrc: false });
    if (decoded.isLogAppendTime) return { offset: decoded.baseOffset, timestamp: decoded.maxTimestamp };
    for (const r of decoded.records) if (r.timestamp >= ts) return { offset: r.offset, timestamp: r.timestamp };
  } catch {
    return null;
  }
  return null;
}

const INT32_LIMIT = 2147483647;

/**
 * Runs of consecutive segments whose total size fits segment.bytes and whose offsets fit a 32-bit relative
 * offset, as Kafka's groupSegmentsBySize: several small cleaned segments become one.
 */
function groupSegments(segs: readonly LogSegment[], maxBytes: number, limitOf: (s: LogSegment) => number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segs.length) {
    const group = [segs[i]!];
    let bytes = segs[i]!.size;
    while (
      i + group.length < segs.length &&
      bytes + segs[i + group.length]!.size <= maxBytes &&
      limitOf(segs[i + group.length]!) - 1 - group[0]!.baseOffset <= INT32_LIMIT
    ) {
      bytes += segs[i + group.length]!.size;
      group.push(segs[i + group.length]!);
    }
    groups.push(group);
    i += group.length;
  }
  return groups;
}

/** What producer-state validation needs from a batch header. */
function headerInfo(buf: Buffer, pos: number, producerId: number): BatchHeaderInfo {
  return {
    producerId,
    producerEpoch: producerEpochOf(buf, pos),
    baseSequence: baseSequenceOf(buf, pos),
    offsetDelta: lastOffsetDeltaOf(buf, pos),
    maxTimestamp: maxTimestampOf(buf, pos),
    isTransactional: (attributesOf(buf, pos) & ATTR_TRANSACTIONAL) !== 0,
  };
}

/** The leading whole batches of buf that start below limit. */
function batchesBelow(buf: Buffer, limit: number): Buffer {
  let end = 0;
  for (const batch of iterateBatches(buf)) {
    if (baseOffsetOf(batch) >= limit) break;
    end += batch.length;
  }
  return end === buf.length ? buf : buf.subarray(0, end);
}

function snapshotOffsets(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const n of names) if (n.length === 20 + SNAPSHOT_SUFFIX.length && n.endsWith(SNAPSHOT_SUFFIX) && /^\d{20}/.test(n)) out.push(Number(n.slice(0, 20)));
  return out;
}

function parseSnapshot(buf: Buffer | null): ProducerStateSnapshot | null {
  if (!buf) return null;
  try {
    const s = JSON.parse(buf.toString('utf8')) as ProducerStateSnapshot;
    return s.version === 1 && Array.isArray(s.producers) && Array.isArray(s.aborted) ? s : null;
  } catch {
    return null;
  }
}
