// read_committed on the client side. A Fetch at isolation level 1 stops at the last stable offset, but
// below it the log still holds the records of aborted transactions: the broker lists those
// transactions (producerId, firstOffset) per partition and leaves the filtering to the client. This is
// the Java consumer's algorithm (CompletedFetch.nextFetchedRecord), batch by batch in offset order:
// - before looking at a batch, every listed transaction with firstOffset <= the batch's last offset
//   makes its producer "aborted" (so a fetch that starts inside an aborted transaction, whose
//   firstOffset lies before the fetch offset, skips the rest of it);
// - a transactional batch of an aborted producer is skipped, records and all;
// - that producer's ABORT marker (a control batch) ends its aborted transaction; a later transaction of
//   the same producer is judged by the next listed entry.
// Control batches themselves never reach the application (the consumer skips them anyway).
// The state is per partition and per Fetch response: the broker lists every aborted transaction that
// overlaps the returned range, so nothing has to be carried from one response to the next.
import * as H from '../protocol/record-batch-header.js';
import { controlTypeOf, decodeControlRecord, decodeRecords } from '../protocol/record-batch.js';

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

const ABORT = 0;

export class AbortedTransactionFilter {
  private readonly queue: AbortedTransaction[];
  private next = 0;
  private readonly abortedProducers = new Set<number>();

  constructor(abortedTransactions: readonly AbortedTransaction[]) {
    // The broker sends them in log order; Java's priority queue does not rely on it, nor does this.
    this.queue = [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /**
   * Whether the batch (one whole batch from a Fetch response, starting at its baseOffset field) belongs
   * to an aborted transaction. Must see every batch of the response in order, including batches before
   * the consumer's position and control batches.
   */
  skip(batch: Buffer): boolean {
    const producerId = H.producerIdOf(batch);
    if (producerId < 0) return false;
    const lastOffset = H.lastOffsetOf(batch);
    while (this.next < this.queue.length && this.queue[this.next]!.firstOffset <= lastOffset) this.abortedProducers.add(this.queue[this.next++]!.producerId);
    const attributes = H.attributesOf(batch);
    if ((attributes & H.ATTR_CONTROL) !== 0) {
      if (this.abortedProducers.has(producerId) && controlType(batch) === ABORT) this.abortedProducers.delete(producerId);
      return false;
    }
    return (attributes & H.ATTR_TRANSACTIONAL) !== 0 && this.abortedProducers.has(producerId);
  }
}

/** The control type of a control batch's first record (markers are written uncompressed; decoded otherwise). */
function controlType(batch: Buffer): number {
  const fast = controlTypeOf(batch);
  if (fast >= 0) return fast;
  const first = decodeRecords(batch).records[0];
  return first === undefined ? -1 : decodeControlRecord(first).type;
}
