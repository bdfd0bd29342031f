// Log compaction of one partition's inactive segments, Kafka's cleaner semantics:
//  - an offset map (key -> latest offset) is built over the dirty range [firstDirty, endOffset);
//  - every segment below endOffset is rewritten keeping, per batch, the records that are the latest for
//    their key; retained records keep their offsets, batches keep baseOffset and lastOffsetDelta, and a
//    rewritten batch keeps its codec. Batches left empty are dropped; segment base offsets stay, so the
//    offset ranges of segments (and the log start) never move;
//  - tombstones (null values) get a delete horizon (now + delete.retention.ms) the first time they are
//    cleaned, stored in the batch as Kafka 3.x does (KIP-534: attribute bit 6, horizon in baseTimestamp);
//    a later clean after the horizon removes them. Control batches are kept as they are.
//
// Crash safety, per group of segments replaced by one cleaned segment of base B:
//   1. B.log.cleaned, B.index.cleaned, B.timeindex.cleaned written and fsynced        step 'cleaned'
//   2. B.cleaning (the bases it replaces) written durably                             step 'manifest'
//   3. indexes then log renamed .cleaned -> .swap, directory fsynced (commit point)    step 'swapped'
//   4. the replaced segments other than B deleted                                    step 'old-deleted'
//   5. .swap files renamed over B's (indexes, then log), directory fsynced            step 'renamed'
//   6. B.cleaning removed
// On open, completeInterruptedSwaps() finishes any group whose B.log.swap exists (steps 4-6) and
// rolls back any other (deletes .cleaned and stray .swap files): the old segments or the new one, whole.
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, attributesOf, baseOffsetOf, baseTimestampOf, batchSizeOf,
  lastOffsetDeltaOf, maxTimestampOf, producerIdOf, recordCountOf,
} from '../../protocol/record-batch-header.js';
import { decodeRecords, rebuildBatch, type DecodedRecord } from '../../protocol/record-batch.js';
import { closeFd, fdatasync, fsyncDir, pread, pwritev, readFileOrNull, writeFileAtomic } from './fs-util.js';
import { LogSegment, segmentName } from './log-segment.js';
import { OffsetIndex, TimeIndex } from './sparse-index.js';

export const CLEANER_STEPS = ['cleaned', 'manifest', 'swapped', 'old-deleted', 'renamed'] as const;
export type CleanerStep = (typeof CLEANER_STEPS)[number];
/** Called after each step of a swap; a test throws (or kills the process) here to simulate a crash. */
export type CleanerHook = (step: CleanerStep, baseOffset: number) => void | Promise<void>;

const READ_CHUNK = 1 << 20;

/** Yields each whole batch of a segment file with its byte position, reading in large chunks. */
export async function* segmentBatches(fd: number, size: number): AsyncGenerator<{ batch: Buffer; position: number }> {
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= size) {
    const chunk = await pread(fd, Math.min(READ_CHUNK, size - pos), pos);
    let at = 0;
    while (at + BATCH_HEADER_SIZE <= chunk.length) {
      const bsize = batchSizeOf(chunk, at);
      if (bsize < BATCH_HEADER_SIZE) return;
      if (at + bsize > chunk.length) break;
      yield { batch: chunk.subarray(at, at + bsize), position: pos + at };
      at += bsize;
    }
    if (at === 0) {
      // One batch larger than the chunk.
      const bsize = batchSizeOf(chunk, 0);
      if (pos + bsize > size) return;
      yield { batch: await pread(fd, bsize, pos), position: pos };
      at = bsize;
    }
    pos += at;
  }
}

/** Binary-safe map key: latin1 maps each byte to one UTF-16 unit. */
const mapKey = (key: Buffer): string => key.toString('latin1');

export type OffsetMap = Map<string, number>;

/** Aborted transactions' data: a batch of producerId whose base offset lies in [firstOffset, lastOffset]. */
export interface AbortedRange {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/** Whether a transactional batch belongs to an aborted transaction (its records are discarded, as Kafka's cleaner does). */
function isAborted(batch: Buffer, aborted: readonly AbortedRange[] | undefined): boolean {
  if (!aborted || aborted.length === 0 || (attributesOf(batch) & ATTR_TRANSACTIONAL) === 0) return false;
  const pid = producerIdOf(batch);
  const base = baseOffsetOf(batch);
  return aborted.some((a) => a.producerId === pid && a.firstOffset <= base && base <= a.lastOffset);
}

/** key -> latest offset over the records of segs at offsets in [from, to); aborted transactions' records do not count. */
export async function buildOffsetMap(segs: readonly LogSegment[], from: number, to: number, aborted?: readonly AbortedRange[]): Promise<OffsetMap> {
  const map: OffsetMap = new Map();
  for (const seg of segs) {
    if (seg.nextOffset <= from || seg.baseOffset >= to) continue;
    const fd = await seg.openFd();
    seg.io++;
    try {
      for await (const { batch } of segmentBatches(fd, seg.committedSize)) {
        const base = baseOffsetOf(batch);
        if (base + lastOffsetDeltaOf(batch) < from) continue;
        if (base >= to) break;
        if (attributesOf(batch) & ATTR_CONTROL || isAborted(batch, aborted)) continue;
        for (const r of decodeRecords(batch, { verifyCrc: false }).records) {
          if (r.key !== null && r.offset >= from && r.offset < to) map.set(mapKey(r.key), r.offset);
        }
      }
    } finally {
      seg.io--;
    }
  }
  return map;
}

export interface CleanContext {
  dir: string;
  map: OffsetMap;
  now: number;
  deleteRetentionMs: number;
  indexIntervalBytes: number;
  hook?: CleanerHook;
  /** Data of aborted transactions, dropped. */
  aborted?: readonly AbortedRange[];
  /**
   * The batch ending at this offset (the log end, when the active segment is empty) is kept as it is: a
   * consumer must find a batch that takes it to the log end, which Kafka guarantees by never cleaning
   * the active segment.
   */
  retainBatchEndingAt?: number;
}

export interface GroupResult {
  /** The segment that replaced the group, or null when nothing changed (group of one, nothing removed). */
  segment: LogSegment | null;
  /** Largest delete horizon of the retained batches still holding tombstones; -1 if none. */
  latestDeleteHorizon: number;
  recordsRemoved: number;
}

const path = (dir: string, base: number, suffix: string): string => join(dir, `${segmentName(base)}${suffix}`);

/**
 * Rewrites a run of consecutive inactive segments into one segment with the first one's base offset,
 * then swaps it in on disk (see the header comment). The caller swaps it into the in-memory list.
 */
export async function cleanGroup(group: readonly LogSegment[], ctx: CleanContext): Promise<GroupResult> {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const base = first.baseOffset;
  const out = new LogSegment(ctx.dir, base, 0, Math.max(...group.map((s) => s.createdMs)));
  out.index = new OffsetIndex();
  out.timeIndex = new TimeIndex();
  out.nextOffset = last.nextOffset;
  let latestDeleteHorizon = -1;
  let recordsRemoved = 0;
  let changed = group.length > 1;

  const logCleaned = path(ctx.dir, base, '.log.cleaned');
  const fd = await new Promise<number>((resolve, reject) => fs.open(logCleaned, 'w', (err, f) => (err ? reject(err) : resolve(f))));
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      await pwritev(fd, pending, out.size - pendingBytes);
      pending = [];
      pendingBytes = 0;
    };
    const emit = async (batch: Buffer): Promise<void> => {
      out.onBatch(baseOffsetOf(batch), out.size, batch.length, maxTimestampOf(batch), ctx.indexIntervalBytes);
      out.size += batch.length;
      pending.push(batch);
      pendingBytes += batch.length;
      if (pendingBytes >= READ_CHUNK || pending.length >= 1000) await flush();
    };
    for (const seg of group) {
      const segFd = await seg.openFd();
      seg.io++;
      try {
        for await (const { batch } of segmentBatches(segFd, seg.committedSize)) {
          const kept = baseOffsetOf(batch) + lastOffsetDeltaOf(batch) + 1 === ctx.retainBatchEndingAt
            ? { batch, removed: 0, horizon: -1 }
            : isAborted(batch, ctx.aborted)
              ? { batch: null, removed: recordCountOf(batch), horizon: -1 }
              : filterBatch(batch, ctx);
          recordsRemoved += kept.removed;
          if (kept.horizon > latestDeleteHorizon) latestDeleteHorizon = kept.horizon;
          if (kept.batch !== batch) changed = true;
          if (kept.batch) await emit(kept.batch);
        }
      } finally {
        seg.io--;
      }
    }
    await flush();
    if (!changed) return { segment: null, latestDeleteHorizon, recordsRemoved };
    await fdatasync(fd);
  } finally {
    await closeFd(fd);
    if (!changed) await fs.promises.rm(logCleaned, { force: true });
  }
  out.committedSize = out.size;
  await writeFileAtomic(path(ctx.dir, base, '.index.cleaned'), out.index.toBuffer(), false, true);
  await writeFileAtomic(path(ctx.dir, base, '.timeindex.cleaned'), out.timeIndexForDisk().toBuffer(), false, true);
  await fsyncDir(ctx.dir);
  await ctx.hook?.('cleaned', base);

  await writeFileAtomic(path(ctx.dir, base, '.cleaning'), JSON.stringify({ replaces: group.map((s) => s.baseOffset) }));
  await ctx.hook?.('manifest', base);

  await fs.promises.rename(path(ctx.dir, base, '.index.cleaned'), path(ctx.dir, base, '.index.swap'));
  await fs.promises.rename(path(ctx.dir, base, '.timeindex.cleaned'), path(ctx.dir, base, '.timeindex.swap'));
  await fs.promises.rename(logCleaned, path(ctx.dir, base, '.log.swap'));
  await fsyncDir(ctx.dir);
  await ctx.hook?.('swapped', base);

  await completeSwap(ctx.dir, base, group.map((s) => s.baseOffset), ctx.hook);
  return { segment: out, latestDeleteHorizon, recordsRemoved };
}

/** Steps 4-6; also what recovery runs for a committed swap. Idempotent. */
async function completeSwap(dir: string, base: number, replaces: readonly number[], hook?: CleanerHook): Promise<void> {
  for (const b of replaces) {
    if (b === base) continue;
    for (const suffix of ['.index', '.timeindex', '.log']) await fs.promises.rm(path(dir, b, suffix), { force: true });
  }
  await hook?.('old-deleted', base);
  for (const suffix of ['.index', '.timeindex', '.log']) {
    try {
      await fs.promises.rename(path(dir, base, `${suffix}.swap`), path(dir, base, suffix));
    } catch (err) {
      // Already renamed by an earlier, interrupted completion.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  await fsyncDir(dir);
  await hook?.('renamed', base);
  await fs.promises.rm(path(dir, base, '.cleaning'), { force: true });
}

/**
 * Start-up recovery of interrupted cleans: completes every swap whose .log.swap exists, and removes the
 * files of any clean that had not reached it. Runs before the log lists its segments.
 */
export async function completeInterruptedSwaps(dir: string, names: readonly string[]): Promise<boolean> {
  const present = new Set(names);
  let touched = false;
  for (const name of names) {
    const m = /^(\d{20})\.cleaning$/.exec(name);
    if (!m) continue;
    touched = true;
    const base = Number(m[1]);
    const manifest = await readFileOrNull(join(dir, name));
    if (manifest && present.has(`${m[1]}.log.swap`)) {
      const { replaces } = JSON.parse(manifest.toString('utf8')) as { replaces: number[] };
      await completeSwap(dir, base, replaces);
    } else {
      // Never committed: the index files may already be .swap (they are renamed before the log).
      for (const suffix of ['.index.swap', '.timeindex.swap']) await fs.promises.rm(path(dir, base, suffix), { force: true });
      await fs.promises.rm(join(dir, name), { force: true });
    }
  }
  for (const name of names) {
    // Whatever is left is a clean that never reached its commit point.
    if (name.endsWith('.cleaned') || (name.endsWith('.swap') && !present.has(`${name.slice(0, 20)}.cleaning`))) {
      touched = true;
      await fs.promises.rm(join(dir, name), { force: true });
    }
  }
  if (touched) await fsyncDir(dir);
  return touched;
}

interface FilteredBatch {
  /** The input itself when kept whole, a rebuilt batch, or null when nothing is left. */
  batch: Buffer | null;
  removed: number;
  horizon: number;
}

function filterBatch(batch: Buffer, ctx: CleanContext): FilteredBatch {
  const attributes = attributesOf(batch);
  if (attributes & ATTR_CONTROL) return { batch, removed: 0, horizon: -1 };
  const existingHorizon = attributes & ATTR_DELETE_HORIZON ? baseTimestampOf(batch) : -1;
  const decoded = decodeRecords(batch, { verifyCrc: false });
  const kept: DecodedRecord[] = [];
  let tombstones = 0;
  for (const r of decoded.records) {
    // Kafka's cleaner drops records without a key: compacted topics refuse them at produce time.
    if (r.key === null) continue;
    const latest = ctx.map.get(mapKey(r.key));
    if (latest !== undefined && latest > r.offset) continue;
    if (r.value === null) {
      if (existingHorizon >= 0 && ctx.now >= existingHorizon) continue;
      tombstones++;
    }
    kept.push(r);
  }
  const removed = decoded.records.length - kept.length;
  if (kept.length === 0) return { batch: null, removed, horizon: -1 };
  const needsHorizon = tombstones > 0 && existingHorizon < 0;
  const horizon = tombstones === 0 ? -1 : needsHorizon ? ctx.now + ctx.deleteRetentionMs : existingHorizon;
  if (removed === 0 && !needsHorizon) return { batch, removed, horizon };
  return { batch: rebuildBatch(decoded, kept, needsHorizon ? { deleteHorizonMs: horizon } : {}), removed, horizon };
}
