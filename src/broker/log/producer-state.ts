// Per-partition state of idempotent and transactional producers, as Kafka's ProducerStateManager keeps
// it: for each producer id its epoch, the metadata of its last five batches (enough to recognise any
// retry of a producer with max.in.flight <= 5), the coordinator epoch of the last marker and the first
// offset of its open transaction. From the open transactions follows the last stable offset; completed
// aborted transactions are kept as ranges for read_committed fetches.
//
// Validation is separate from application so that a whole append is checked before any of it counts:
// `check` looks at one batch header, `applyData` / `applyMarker` record it once offsets are assigned.
import { LogError } from './log-error.js';

/** How many batches per producer are remembered for duplicate detection (Kafka's NumBatchesToRetain). */
export const BATCHES_TO_RETAIN = 5;
const INT32_MAX = 2147483647;
const NO_EPOCH = -1;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  lastTimestamp: number;
  /** First offset of the producer's open transaction on this partition; -1 when none. */
  currentTxnFirstOffset: number;
  /** Oldest first, at most BATCHES_TO_RETAIN, all of the current epoch. */
  batches: BatchMetadata[];
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
  /** The last stable offset once this transaction completed (Kafka's txn index field). */
  lastStableOffset: number;
}

/** What a producer's batch header says, as far as producer state is concerned. */
export interface BatchHeaderInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** lastOffsetDelta of the batch: records - 1 for an uncompacted batch. */
  offsetDelta: number;
  maxTimestamp: number;
  isTransactional: boolean;
  /** Written by the broker on the producer's behalf (transactional offsets): no sequence of its own. */
  fromCoordinator?: boolean;
}

export type CheckResult = { duplicate: null } | { duplicate: BatchMetadata };

export interface ProducerStateSnapshot {
  version: 1;
  /** The state as it stood before this offset (the log end when taken). */
  offset: number;
  producers: ProducerEntry[];
  aborted: AbortedTxn[];
}

function lastSequence(baseSeq: number, delta: number): number {
  // Sequences wrap from INT32_MAX to 0, as the producer's do.
  return baseSeq > INT32_MAX - delta ? baseSeq + delta - INT32_MAX - 1 : baseSeq + delta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (lastSeq === INT32_MAX && nextSeq === 0);
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  /** Open transactions: producer id -> first offset (a partition rarely has more than a handful). */
  private readonly ongoing = new Map<number, number>();
  /** Completed aborted transactions, ordered by marker offset. */
  private aborted: AbortedTxn[] = [];

  constructor(private readonly where: string) {}

  get size(): number {
    return this.producers.size;
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** First offset of the oldest open transaction, or -1. */
  firstUnstableOffset(): number {
    let min = -1;
    for (const first of this.ongoing.values()) if (min < 0 || first < min) min = first;
    return min;
  }

  /**
   * Validates one data batch against the producer's state (plus `pending`, entries updated earlier in the
   * same append). Throws the LogError Kafka would answer with; returns the cached batch for a retry.
   */
  check(b: BatchHeaderInfo, pending?: Map<number, ProducerEntry>): CheckResult {
    const entry = pending?.get(b.producerId) ?? this.producers.get(b.producerId);
    // No state (a new producer, or one whose state expired or was deleted with its records): any
    // sequence is accepted, as Kafka does since KIP-360.
    if (!entry || entry.producerEpoch === NO_EPOCH) return { duplicate: null };
    if (b.producerEpoch < entry.producerEpoch) {
      throw new LogError(
        'INVALID_PRODUCER_EPOCH',
        `epoch ${b.producerEpoch} of producer ${b.producerId} is older than the current epoch ${entry.producerEpoch} in ${this.where}`,
      );
    }
    if (b.fromCoordinator) {
      // Only the epoch matters, checked above.
    } else if (b.producerEpoch !== entry.producerEpoch) {
      if (b.baseSequence !== 0) {
        throw new LogError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `invalid sequence number ${b.baseSequence} for new epoch ${b.producerEpoch} of producer ${b.producerId} in ${this.where} (current epoch ${entry.producerEpoch})`,
        );
      }
    } else {
      const lastSeq = lastSequence(b.baseSequence, b.offsetDelta);
      for (const m of entry.batches) if (m.firstSeq === b.baseSequence && m.lastSeq === lastSeq) return { duplicate: m };
      const currentLastSeq = entry.batches.at(-1)?.lastSeq ?? -1;
      if (!inSequence(currentLastSeq, b.baseSequence)) {
        throw new LogError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `out of order sequence number for producer ${b.producerId} in ${this.where}: ${b.baseSequence} (incoming seq), ${currentLastSeq} (current end seq)`,
        );
      }
    }
    if (!b.isTransactional && entry.currentTxnFirstOffset >= 0) {
      throw new LogError('INVALID_TXN_STATE', `expected a transactional write from producer ${b.producerId} in ${this.where}: its transaction is open`);
    }
    return { duplicate: null };
  }

  /** The entry a batch would update: a copy, so that a failing append leaves the state untouched. */
  staged(producerId: number, pending: Map<number, ProducerEntry>): ProducerEntry {
    let e = pending.get(producerId);
    if (!e) {
      const cur = this.producers.get(producerId);
      e = cur
        ? { ...cur, batches: cur.batches.slice() }
        : { producerId, producerEpoch: NO_EPOCH, coordinatorEpoch: -1, lastTimestamp: -1, currentTxnFirstOffset: -1, batches: [] };
      pending.set(producerId, e);
    }
    return e;
  }

  /** Records a data batch written at [firstOffset, lastOffset] into a staged entry. */
  stageData(e: ProducerEntry, b: BatchHeaderInfo, firstOffset: number, lastOffset: number): void {
    if (b.producerEpoch !== e.producerEpoch) {
      e.producerEpoch = b.producerEpoch;
      e.batches = [];
    }
    if (!b.fromCoordinator) e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequence(b.baseSequence, b.offsetDelta), firstOffset, lastOffset, timestamp: b.maxTimestamp });
    if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift();
    // (a coordinator write adds no sequence range: the producer's own sequences stay as they were)
    e.lastTimestamp = Math.max(e.lastTimestamp, b.maxTimestamp);
    if (b.isTransactional && e.currentTxnFirstOffset < 0) e.currentTxnFirstOffset = firstOffset;
  }

  /** Makes staged entries current. */
  commit(pending: Map<number, ProducerEntry>): void {
    for (const [id, e] of pending) {
      this.producers.set(id, e);
      if (e.currentTxnFirstOffset >= 0) this.ongoing.set(id, e.currentTxnFirstOffset);
    }
  }

  /** Validates a COMMIT/ABORT marker of the transaction coordinator. */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): void {
    const e = this.producers.get(producerId);
    if (!e) return;
    if (producerEpoch < e.producerEpoch) {
      throw new LogError('INVALID_PRODUCER_EPOCH', `marker epoch ${producerEpoch} of producer ${producerId} is older than ${e.producerEpoch} in ${this.where}`);
    }
    if (coordinatorEpoch < e.coordinatorEpoch) {
      throw new LogError('TRANSACTION_COORDINATOR_FENCED', `coordinator epoch ${coordinatorEpoch} is older than ${e.coordinatorEpoch} in ${this.where}`);
    }
  }

  /** Applies a marker written at offset; returns the aborted range it closed, if any. */
  applyMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number, commit: boolean, offset: number, timestamp: number, highWatermark: number): AbortedTxn | null {
    let e = this.producers.get(producerId);
    if (!e) {
      e = { producerId, producerEpoch, coordinatorEpoch, lastTimestamp: timestamp, currentTxnFirstOffset: -1, batches: [] };
      this.producers.set(producerId, e);
    }
    const first = e.currentTxnFirstOffset;
    if (producerEpoch !== e.producerEpoch) {
      e.producerEpoch = producerEpoch;
      e.batches = [];
    }
    e.currentTxnFirstOffset = -1;
    e.coordinatorEpoch = coordinatorEpoch;
    e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
    this.ongoing.delete(producerId);
    if (first < 0 || commit) return null;
    const unstable = this.firstUnstableOffset();
    const txn: AbortedTxn = { producerId, firstOffset: first, lastOffset: offset, lastStableOffset: unstable >= 0 ? unstable : Math.max(offset + 1, highWatermark) };
    this.aborted.push(txn);
    return txn;
  }

  /** Aborted transactions overlapping [fetchOffset, upperBound): those a read_committed reader must skip. */
  abortedTransactions(fetchOffset: number, upperBound: number): { producerId: number; firstOffset: number }[] {
    const out: { producerId: number; firstOffset: number }[] = [];
    // Ordered by lastOffset: binary search the first that ends at or after fetchOffset.
    let lo = 0;
    let hi = this.aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.aborted[mid]!.lastOffset < fetchOffset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.aborted.length; i++) {
      const a = this.aborted[i]!;
      if (a.firstOffset < upperBound) out.push({ producerId: a.producerId, firstOffset: a.firstOffset });
    }
    return out;
  }

  /** Aborted transactions ending at or after from and starting before to, with their marker offsets. */
  abortedRanges(from: number, to: number): AbortedTxn[] {
    return this.aborted.filter((a) => a.lastOffset >= from && a.firstOffset < to);
  }

  get abortedCount(): number {
    return this.aborted.length;
  }

  /** Forgets aborted ranges wholly below the log start (their records are gone). */
  truncateHead(logStartOffset: number): void {
    let n = 0;
    while (n < this.aborted.length && this.aborted[n]!.lastOffset < logStartOffset) n++;
    if (n > 0) this.aborted = this.aborted.slice(n);
  }

  /** Drops producers idle since before cutoff (record time) with no open transaction: producer.id.expiration.ms. */
  expire(cutoff: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && e.lastTimestamp < cutoff) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
  }

  snapshot(offset: number): ProducerStateSnapshot {
    return {
      version: 1,
      offset,
      producers: [...this.producers.values()].map((e) => ({ ...e, batches: e.batches.slice() })),
      aborted: this.aborted.slice(),
    };
  }

  restore(s: ProducerStateSnapshot): void {
    this.producers.clear();
    this.ongoing.clear();
    for (const e of s.producers) {
      this.producers.set(e.producerId, { ...e, batches: e.batches.slice() });
      if (e.currentTxnFirstOffset >= 0) this.ongoing.set(e.producerId, e.currentTxnFirstOffset);
    }
    this.aborted = s.aborted.slice();
  }

  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
    this.aborted = [];
  }
}
