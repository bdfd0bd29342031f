// The producer: records are appended to an open batch per partition, a batch leaves when it is
// full (batchSize bytes), when it has waited lingerMs, or on flush(); ready batches for the same
// leader share one Produce request (Kafka allows one batch per partition per request, v3+).
// Up to maxInFlight requests are pipelined per broker connection.
//
// Delivery is at-least-once: a retriable error (leader moved, connection lost) puts the batch
// back at the head of its partition's queue.
//
// With `idempotent: true` (Kafka's enable.idempotence) the producer first gets a producer id
// (InitProducerId without a transactional id) and stamps every batch with it, its epoch and the
// partition's next sequence number when the batch is first sent. A retried batch keeps its stamp, so
// a broker that already wrote it answers with the original offsets instead of writing it twice.
// The producer-state errors are handled as the Java client does for idempotent producers:
// - OUT_OF_ORDER_SEQUENCE_NUMBER while an earlier batch of the partition is still unacknowledged:
//   that batch is being retried, this one goes again after it, with the same sequence.
// - OUT_OF_ORDER_SEQUENCE_NUMBER for the partition's oldest unacknowledged batch (a batch before it
//   failed for good, or the broker lost the producer's state) and UNKNOWN_PRODUCER_ID: once nothing
//   is in flight, a new producer id is fetched, sequences restart at 0 and unacknowledged batches
//   are stamped again. Duplicates are then possible only for a batch whose fate was unknown.
// - INVALID_PRODUCER_EPOCH / PRODUCER_FENCED: retried with a new stamp if the producer id changed
//   since the batch was stamped; otherwise the send fails.
//
// With a `transactionalId` the producer is transactional (transactions.ts holds the coordinator side):
// the producer id and epoch come from initTransactions(), batches are marked transactional and wait
// until their partition is in the transaction, and the errors above change meaning as in Java:
// INVALID_PRODUCER_EPOCH / PRODUCER_FENCED are fatal (a newer instance took over), and a batch that
// fails for good (sequence errors included) makes the transaction abortable instead of resetting the
// producer id; the gap it leaves in the sequence is closed by an epoch bump after the abort.
import { codecFromName, type CompressionName } from '../protocol/compression.js';
import { encodeBatch, type RecordHeaderInput, type RecordInput } from '../protocol/record-batch.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { KafkaClientError, isRetriable, kafkaError } from './errors.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';
import { TransactionError, TransactionManager, isFatalTxnCode, type ConsumerGroupMetadata, type TransactionOffset, type TransactionState } from './transactions.js';
import { ApiKeys } from './versions.js';

export interface ProducerRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | null> | readonly RecordHeaderInput[];
  /** Explicit partition; otherwise keyed records hash (murmur2) and unkeyed ones stick. */
  partition?: number;
  /** Create time in ms; default now. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0, which tells nothing back. */
  offset: number;
}

export interface ProducerOptions {
  /** 0: fire and forget, 1: leader wrote it, -1 (default): all in-sync replicas have it. */
  acks?: 0 | 1 | -1;
  compression?: CompressionName;
  /** How long a non-full batch waits for more records (default 5 ms, Kafka 4's default). */
  lingerMs?: number;
  /** Target batch size in bytes before compression (default 256 KiB). */
  batchSize?: number;
  /** Pipelined Produce requests per broker (default 5). */
  maxInFlight?: number;
  /** Broker-side wait for replication, sent in the request (default 30 s). */
  timeoutMs?: number;
  /** Ask the broker to create a missing topic (where auto.create.topics.enable is on). Default true. */
  allowAutoTopicCreation?: boolean;
  /**
   * Producer id and per-partition sequence numbers, so retries never write a batch twice (see the
   * file comment). Needs acks -1 (all) and maxInFlight at most 5 (the batches a broker remembers
   * per producer), as in Kafka. Default false.
   */
  idempotent?: boolean;
  /**
   * Makes the producer transactional (and idempotent): initTransactions(), then beginTransaction(),
   * send() and sendOffsetsToTransaction(), then commitTransaction() or abortTransaction(). One live
   * producer per id: initialising another fences this one.
   */
  transactionalId?: string;
  /** How long the coordinator lets a transaction stay open before aborting it (default 60 s). */
  transactionTimeoutMs?: number;
}

/** The producer identity stamped on a batch when idempotent; kept across retries. */
interface BatchIdentity {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** The producer id generation it was stamped under (see Producer.generation). */
  generation: number;
}

interface SendCall {
  topic: string;
  results: RecordMetadata[];
  pendingBatches: number;
  resolve: (r: RecordMetadata[]) => void;
  reject: (e: Error) => void;
  failed: boolean;
}

/** Which records of which send() call a batch carries. */
interface BatchSlice {
  call: SendCall;
  indices: number[];
}

interface Batch {
  topic: string;
  partition: number;
  records: RecordInput[];
  bytes: number;
  createdAt: number;
  slices: BatchSlice[];
  attempts: number;
  encoded?: Buffer;
  identity?: BatchIdentity;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  batches: Batch[];
}

const RECORD_OVERHEAD = 24;
const MAX_ATTEMPTS = 8;
// Kafka's catalogue marks these non-retriable; an idempotent producer reacts to them itself.
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const DUPLICATE_SEQUENCE_NUMBER = 46;
const INVALID_PRODUCER_EPOCH = 47;
const UNKNOWN_PRODUCER_ID = 59;
const PRODUCER_FENCED = 90;
const INT32_MAX = 0x7fffffff;

/** The sequence after `count` records from `seq`, wrapping at int32 max as Kafka does. */
export function nextSequence(seq: number, count: number): number {
  return seq > INT32_MAX - count ? count - (INT32_MAX - seq) - 1 : seq + count;
}

function headerList(h: ProducerRecord['headers']): readonly RecordHeaderInput[] | undefined {
  if (h === undefined || Array.isArray(h)) return h as readonly RecordHeaderInput[] | undefined;
  return Object.entries(h).map(([key, value]) => ({ key, value }));
}

function sizeOf(v: Buffer | string | null | undefined): number {
  return v == null ? 0 : v.length;
}

export class Producer {
  private readonly acks: 0 | 1 | -1;
  private readonly compression: number;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly allowAutoTopicCreation: boolean;
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly sticky = new StickyPartitioner();
  private readonly inFlight = new Map<number, number>();
  private lingerTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private drainAgain = false;
  private flushing = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly encodeOptions: { compression: number };
  // Idempotence: the producer id in use, bumped `generation` at every new one, next sequence per partition.
  private readonly idempotent: boolean;
  private producerId = -1;
  private producerEpoch = -1;
  private generation = 0;
  private resetRequested = false;
  private readonly sequences = new Map<string, number>();
  // Transactions: undefined unless transactionalId is set, so the plain paths test one field.
  private readonly txn: TransactionManager | undefined;
  private readonly transactionalId: string | null;

  constructor(
    private readonly cluster: Cluster,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.compression = codecFromName(options.compression ?? 'none');
    this.lingerMs = options.lingerMs ?? 5;
    this.batchSize = options.batchSize ?? 256 * 1024;
    this.maxInFlight = options.maxInFlight ?? 5;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    this.encodeOptions = { compression: this.compression };
    this.transactionalId = options.transactionalId ?? null;
    if (this.transactionalId === '') throw new KafkaClientError('INVALID_CONFIG', 'transactionalId must not be empty');
    if (this.transactionalId !== null && options.idempotent === false) throw new KafkaClientError('INVALID_CONFIG', 'a transactional producer is idempotent: drop idempotent: false');
    this.idempotent = options.idempotent ?? this.transactionalId !== null;
    const kind = this.transactionalId !== null ? 'a transactional' : 'an idempotent';
    if (this.idempotent && this.acks !== -1) throw new KafkaClientError('INVALID_CONFIG', `${kind} producer needs acks -1 (all), got ${this.acks}`);
    if (this.idempotent && this.maxInFlight > 5) throw new KafkaClientError('INVALID_CONFIG', `${kind} producer allows at most 5 requests in flight, got ${this.maxInFlight}`);
    this.txn = this.transactionalId === null ? undefined : this.newTransactionManager(this.transactionalId, options.transactionTimeoutMs ?? 60_000);
  }

  private newTransactionManager(transactionalId: string, transactionTimeoutMs: number): TransactionManager {
    return new TransactionManager(this.cluster, transactionalId, transactionTimeoutMs, {
      identity: () => this.identity,
      setIdentity: (producerId, producerEpoch) => {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.generation++;
        this.sequences.clear();
        this.resetRequested = false;
      },
      sequenceGap: () => this.resetRequested,
      flush: () => this.flush(),
      dropUnsent: (err, all) => this.dropUnsent(err, all),
      wake: () => this.schedule(),
    });
  }

  /** The producer id and epoch in use (-1 before the first send, or when not idempotent). */
  get identity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  // ----------------------------------------------------------------------------------- transactions

  /**
   * Gets the producer id and epoch for the transactional id from its coordinator. Fences any earlier
   * producer with the same id and completes (aborts) the transaction it left open. Call once, first.
   */
  async initTransactions(): Promise<void> {
    return this.transactions().initTransactions();
  }

  /** Opens a transaction (no request: the coordinator hears of it with its first partition or offsets). */
  beginTransaction(): void {
    this.transactions().beginTransaction();
  }

  /**
   * Commits consumer offsets as part of the transaction: they become visible to the group (and to
   * OffsetFetch) only if the transaction commits. `offset` is the next offset to consume.
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    return this.transactions().sendOffsetsToTransaction(offsets, group);
  }

  /**
   * Sends every queued record, waits for all of them, then commits. Rejects with an abortable
   * TransactionError if any send of the transaction failed (call abortTransaction()), with a fatal one
   * if the producer was fenced.
   */
  async commitTransaction(): Promise<void> {
    return this.transactions().commitTransaction();
  }

  /** Fails records not sent yet, waits for those in flight, then aborts. */
  async abortTransaction(): Promise<void> {
    return this.transactions().abortTransaction();
  }

  /** Where the transactional producer stands; undefined without a transactionalId. */
  get transactionState(): TransactionState | undefined {
    return this.txn?.state;
  }

  private transactions(): TransactionManager {
    if (this.txn === undefined) throw new TransactionError('INVALID_TRANSACTION_STATE', 'not a transactional producer: create it with a transactionalId');
    return this.txn;
  }

  /**
   * Queues records and resolves once every one is acknowledged (per `acks`), with each record's
   * partition and offset in input order. On a transactional producer only inside a transaction.
   */
  send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.txn === undefined) return this.sendPlain(topic, records);
    let appended: () => void;
    try {
      if (this.closed) throw new KafkaClientError('PRODUCER_CLOSED', 'the producer is closed');
      // Registered before the metadata wait, so that a commit called meanwhile waits for these records.
      appended = this.txn.beginAppend();
    } catch (err) {
      return Promise.reject(err);
    }
    const result = this.sendInTransaction(this.txn, appended, topic, records);
    // commitTransaction() reports every failed send, so a caller that does not await this one (sends
    // then commit, as with Java's futures) must not get an unhandled rejection for it. Calls in the
    // wrong state reject above, unsilenced.
    result.catch(() => undefined);
    return result;
  }

  private async sendPlain(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new KafkaClientError('PRODUCER_CLOSED', 'the producer is closed');
    if (records.length === 0) return [];
    const info = await this.cluster.withRetry(() => this.cluster.topic(topic, { allowAutoTopicCreation: this.allowAutoTopicCreation }));
    return new Promise<RecordMetadata[]>((resolve, reject) => this.enqueue(topic, info.partitions.length, records, resolve, reject));
  }

  private async sendInTransaction(txn: TransactionManager, appended: () => void, topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) {
      appended();
      return [];
    }
    let numPartitions: number;
    try {
      numPartitions = (await this.cluster.withRetry(() => this.cluster.topic(topic, { allowAutoTopicCreation: this.allowAutoTopicCreation }))).partitions.length;
    } catch (err) {
      appended();
      throw err;
    }
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      try {
        const err = txn.appendError();
        if (err !== undefined) return reject(err);
        const touched = this.enqueue(topic, numPartitions, records, resolve, reject);
        for (const b of touched) txn.addPartition(b.topic, b.partition);
        txn.sendAdds();
      } finally {
        appended();
      }
    });
  }

  /** Appends the records to their partitions' batches; returns the batches touched. */
  private enqueue(topic: string, numPartitions: number, records: readonly ProducerRecord[], resolve: (r: RecordMetadata[]) => void, reject: (e: Error) => void): Set<Batch> {
    const call: SendCall = { topic, results: new Array(records.length), pendingBatches: 0, resolve, reject, failed: false };
    const touched = new Set<Batch>();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      let partition = r.partition;
      if (partition === undefined) {
        partition = r.key != null ? partitionForKey(typeof r.key === 'string' ? Buffer.from(r.key) : r.key, numPartitions) : this.sticky.partition(topic, numPartitions);
      } else if (partition < 0 || partition >= numPartitions) {
        const err = kafkaError(3, `topic ${topic} partition ${partition} (the topic has ${numPartitions} partitions)`);
        call.failed = true;
        reject(err);
        // The records before this one are queued already: in a transaction they must not commit alone.
        if (touched.size > 0) this.txn?.batchFailed(err);
        break;
      }
      const input: RecordInput = r.headers === undefined || Array.isArray(r.headers) ? (r as RecordInput) : { key: r.key ?? null, value: r.value, headers: headerList(r.headers), ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}) };
      const batch = this.append(topic, partition, input, numPartitions, r.partition === undefined && r.key == null);
      let slice = batch.slices[batch.slices.length - 1];
      if (slice === undefined || slice.call !== call) batch.slices.push((slice = { call, indices: [] }));
      slice.indices.push(i);
      if (!touched.has(batch)) {
        touched.add(batch);
        call.pendingBatches++;
      }
    }
    this.schedule();
    return touched;
  }

  private append(topic: string, partition: number, record: RecordInput, numPartitions: number, sticky: boolean): Batch {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { topic, partition, batches: [] }));
    let batch = q.batches[q.batches.length - 1];
    const size = RECORD_OVERHEAD + sizeOf(record.key) + sizeOf(record.value) + (record.headers?.reduce((n, h) => n + h.key.length + sizeOf(h.value) + 4, 0) ?? 0);
    // A batch that was sent once is sealed: a retry must carry exactly the same records.
    if (batch === undefined || batch.encoded !== undefined || batch.attempts > 0 || (batch.bytes + size > this.batchSize && batch.records.length > 0)) {
      batch = { topic, partition, records: [], bytes: 0, createdAt: Date.now(), slices: [], attempts: 0 };
      q.batches.push(batch);
    }
    batch.records.push(record);
    batch.bytes += size;
    if (sticky && batch.bytes >= this.batchSize) this.sticky.batchSent(topic, partition, numPartitions);
    return batch;
  }

  private isReady(b: Batch, q: PartitionQueue, now: number): boolean {
    return this.flushing > 0 || b !== q.batches[q.batches.length - 1] || b.bytes >= this.batchSize || now - b.createdAt >= this.lingerMs;
  }

  private schedule(): void {
    void this.drain();
  }

  /** Sends every ready batch whose leader has room for another request in flight. */
  private async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      let sent = true;
      while (sent || this.drainAgain) {
        this.drainAgain = false;
        sent = await this.drainOnce();
      }
    } finally {
      this.draining = false;
    }
    this.armLinger();
    this.checkIdle();
  }

  /** One request per leader with room, carrying one batch per partition; true when any was sent. */
  private async drainOnce(): Promise<boolean> {
    if (this.idempotent && !(await this.ensureProducerId())) return false;
    const txn = this.txn;
    if (txn !== undefined) {
      // Aborting, or the transaction / producer failed: what has not gone yet never will.
      const err = txn.dropError();
      if (err !== undefined) this.dropUnsent(err, txn.isFatal);
    }
    const now = Date.now();
    const byLeader = new Map<number, Batch[]>();
    let sent = false;
    for (const q of this.queues.values()) {
      // Batches already in flight stay queued until acknowledged; the next unsent one may go too.
      const head = q.batches.find((b) => b.encoded === undefined);
      if (head === undefined || !this.isReady(head, q, now)) continue;
      // Not in the transaction yet: AddPartitionsToTxn is on its way and wakes the sender when done.
      if (txn !== undefined && !txn.isAdded(q.topic, q.partition)) continue;
      let leader: number;
      try {
        leader = await this.cluster.leaderOf(q.topic, q.partition);
      } catch (err) {
        this.retryOrFail([head], err);
        continue;
      }
      if ((this.inFlight.get(leader) ?? 0) >= this.maxInFlight) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(head);
    }
    for (const [leader, batches] of byLeader) {
      if ((this.inFlight.get(leader) ?? 0) >= this.maxInFlight) continue;
      for (const b of batches) {
        if (this.idempotent) {
          const id = this.stamp(b);
          b.encoded = encodeBatch(b.records, { compression: this.compression, producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence: id.baseSequence, isTransactional: txn !== undefined });
        } else b.encoded = encodeBatch(b.records, this.encodeOptions);
      }
      this.inFlight.set(leader, (this.inFlight.get(leader) ?? 0) + 1);
      sent = true;
      void this.sendRequest(leader, batches).finally(() => {
        this.inFlight.set(leader, (this.inFlight.get(leader) ?? 1) - 1);
        this.schedule();
      });
    }
    return sent;
  }

  private async sendRequest(leader: number, batches: Batch[]): Promise<void> {
    const byTopic = new Map<string, Batch[]>();
    for (const b of batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      list.push(b);
    }
    const body = {
      transactionalId: this.transactionalId,
      acks: this.acks,
      timeoutMs: this.timeoutMs,
      topicData: [...byTopic].map(([name, list]) => ({ name, partitionData: list.map((b) => ({ index: b.partition, records: b.encoded! })) })),
    };
    let conn: Connection;
    let res: any;
    try {
      conn = await this.cluster.brokerConnection(leader);
      res = await conn.send(ApiKeys.Produce, body, { expectResponse: this.acks !== 0, timeoutMs: this.timeoutMs + this.cluster.requestTimeoutMs });
    } catch (err) {
      this.retryOrFail(batches, err);
      return;
    }
    if (this.acks === 0) {
      for (const b of batches) this.complete(b, -1);
      return;
    }
    const found = new Set<Batch>();
    for (const t of res.responses) {
      for (const p of t.partitionResponses) {
        const b = batches.find((x) => x.topic === t.name && x.partition === p.index);
        if (!b) continue;
        found.add(b);
        if (p.errorCode === 0) this.complete(b, p.baseOffset);
        else if (this.idempotent) this.producerStateError(b, p.errorCode, p.errorMessage);
        else this.retryOrFail([b], kafkaError(p.errorCode, `topic ${b.topic} partition ${b.partition}`, p.errorMessage));
      }
    }
    const missing = batches.filter((b) => !found.has(b));
    if (missing.length > 0) this.retryOrFail(missing, new KafkaClientError('PROTOCOL_ERROR', 'Produce response lacks some partitions of the request'));
  }

  private removeFromQueue(b: Batch): void {
    const q = this.queues.get(`${b.topic}\u0000${b.partition}`);
    if (!q) return;
    const i = q.batches.indexOf(b);
    if (i >= 0) q.batches.splice(i, 1);
    if (q.batches.length === 0) this.queues.delete(`${b.topic}\u0000${b.partition}`);
  }

  private complete(b: Batch, baseOffset: number): void {
    this.removeFromQueue(b);
    // Records sit in the batch slice after slice: the k-th record of the batch has offset baseOffset + k.
    let k = 0;
    for (const { call, indices } of b.slices) {
      for (let j = 0; j < indices.length; j++, k++) {
        call.results[indices[j]!] = { topic: b.topic, partition: b.partition, offset: baseOffset < 0 ? -1 : baseOffset + k };
      }
      if (--call.pendingBatches === 0 && !call.failed) call.resolve(call.results);
    }
  }

  /** `force`: retry even though the error is not retriable in general (the idempotent cases). */
  private retryOrFail(batches: Batch[], err: unknown, force = false): void {
    for (const b of batches) {
      b.attempts++;
      if ((force || isRetriable(err)) && b.attempts <= MAX_ATTEMPTS && !this.closed) {
        b.encoded = undefined;
        if (!force) this.cluster.invalidate(b.topic);
        const delay = Math.min(100 * 2 ** (b.attempts - 1), 1000);
        setTimeout(() => this.schedule(), delay);
        continue;
      }
      this.fail(b, err);
    }
  }

  /** Fails the batches not sent yet; with `all`, also those sent once and waiting for a retry. */
  private dropUnsent(err: Error, all: boolean): void {
    for (const q of [...this.queues.values()]) {
      for (const b of [...q.batches]) if (b.encoded === undefined && (all || b.identity === undefined)) this.fail(b, err);
    }
    this.checkIdle();
  }

  private fail(b: Batch, err: unknown): void {
    this.removeFromQueue(b);
    // The partition's sequence moved past a batch the broker never wrote: later batches would be out
    // of order, so start over with a new producer id (a transactional producer: a new epoch after the abort).
    if (b.identity !== undefined && b.identity.generation === this.generation) this.resetRequested = true;
    const e = err instanceof Error ? err : new Error(String(err));
    this.txn?.batchFailed(e);
    for (const { call } of b.slices) {
      if (!call.failed) {
        call.failed = true;
        call.reject(e);
      }
    }
  }

  /** A Produce error for a batch of an idempotent producer (see the file comment). */
  private producerStateError(b: Batch, errorCode: number, brokerMessage: string | null): void {
    const err = kafkaError(errorCode, `topic ${b.topic} partition ${b.partition}`, brokerMessage);
    const stampedNow = b.identity !== undefined && b.identity.generation === this.generation;
    if (this.txn !== undefined) {
      if (isFatalTxnCode(errorCode)) return this.fail(b, this.txn.fatalProduceError(err));
      // No new producer id in a transaction: the batch fails, the transaction must abort (see the file comment).
      const behindRetry = errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER && stampedNow && this.queues.get(`${b.topic}\u0000${b.partition}`)?.batches[0] !== b;
      if ((errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER && !behindRetry) || errorCode === UNKNOWN_PRODUCER_ID) return this.fail(b, err);
    }
    switch (errorCode) {
      case DUPLICATE_SEQUENCE_NUMBER:
        // Older brokers' answer to a retry they already wrote: written once, offset unknown (as in Java).
        this.complete(b, -1);
        return;
      case OUT_OF_ORDER_SEQUENCE_NUMBER: {
        const q = this.queues.get(`${b.topic}\u0000${b.partition}`);
        if (stampedNow && q !== undefined && q.batches[0] !== b) {
          // An earlier batch of this partition is unacknowledged (being retried): go again after it.
          this.retryOrFail([b], err, true);
          return;
        }
        if (stampedNow) this.resetRequested = true;
        this.retryOrFail([b], err, true);
        return;
      }
      case UNKNOWN_PRODUCER_ID:
        if (stampedNow) this.resetRequested = true;
        this.retryOrFail([b], err, true);
        return;
      case INVALID_PRODUCER_EPOCH:
      case PRODUCER_FENCED:
        // Stamped under a producer id this producer has since replaced: stamp it again and retry.
        if (!stampedNow || this.resetRequested) this.retryOrFail([b], err, true);
        else this.fail(b, err);
        return;
      default:
        this.retryOrFail([b], err);
    }
  }

  /** The batch's identity: kept from an earlier attempt under the same producer id, else the partition's next sequence. */
  private stamp(b: Batch): BatchIdentity {
    if (b.identity !== undefined && b.identity.generation === this.generation) return b.identity;
    const key = `${b.topic}\u0000${b.partition}`;
    const baseSequence = this.sequences.get(key) ?? 0;
    this.sequences.set(key, nextSequence(baseSequence, b.records.length));
    return (b.identity = { producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence, generation: this.generation });
  }

  /**
   * True when batches may be stamped: a producer id is in hand and no reset is pending. A reset waits
   * until nothing is in flight (a batch answered later must not be stamped again out of order).
   */
  private async ensureProducerId(): Promise<boolean> {
    // A transactional producer's id comes from initTransactions() and changes only between transactions.
    if (this.txn !== undefined) return this.producerId >= 0;
    if (this.producerId >= 0 && !this.resetRequested) return true;
    if (this.queues.size === 0) return false;
    for (const n of this.inFlight.values()) if (n > 0) return false;
    try {
      const res = await this.cluster.withRetry(async () => {
        const conn = await this.cluster.anyConnection();
        const r = await conn.send(ApiKeys.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
        if (r.errorCode !== 0) throw kafkaError(r.errorCode, 'InitProducerId');
        return r as { producerId: number; producerEpoch: number };
      });
      this.producerId = res.producerId;
      this.producerEpoch = res.producerEpoch;
      this.generation++;
      this.sequences.clear();
      this.resetRequested = false;
      return true;
    } catch (err) {
      for (const q of [...this.queues.values()]) for (const b of [...q.batches]) this.fail(b, err);
      return false;
    }
  }

  private armLinger(): void {
    if (this.lingerTimer || this.queues.size === 0) return;
    let earliest = Infinity;
    for (const q of this.queues.values()) {
      const head = q.batches.find((b) => b.encoded === undefined);
      // A partition waiting to join the transaction is woken by AddPartitionsToTxn's answer, not by a timer.
      if (head && (this.txn === undefined || this.txn.isAdded(q.topic, q.partition))) earliest = Math.min(earliest, head.createdAt + this.lingerMs);
    }
    if (earliest === Infinity) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.schedule();
    }, Math.max(0, earliest - Date.now()));
  }

  private checkIdle(): void {
    if (this.queues.size > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Sends every queued record now and waits until all are acknowledged or failed. */
  async flush(): Promise<void> {
    if (this.queues.size === 0) return;
    this.flushing++;
    try {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.schedule();
      await idle;
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }
}
