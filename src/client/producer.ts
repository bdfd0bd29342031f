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
import { codecFromName, type CompressionName } from '../protocol/compression.js';
import { encodeBatch, type RecordHeaderInput, type RecordInput } from '../protocol/record-batch.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { KafkaClientError, isRetriable, kafkaError } from './errors.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';
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
    this.idempotent = options.idempotent ?? false;
    if (this.idempotent && this.acks !== -1) throw new KafkaClientError('INVALID_CONFIG', `an idempotent producer needs acks -1 (all), got ${this.acks}`);
    if (this.idempotent && this.maxInFlight > 5) throw new KafkaClientError('INVALID_CONFIG', `an idempotent producer allows at most 5 requests in flight, got ${this.maxInFlight}`);
  }

  /** The producer id and epoch in use (-1 before the first send, or when not idempotent). */
  get identity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /**
   * Queues records and resolves once every one is acknowledged (per `acks`), with each record's
   * partition and offset in input order.
   */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new KafkaClientError('PRODUCER_CLOSED', 'the producer is closed');
    if (records.length === 0) return [];
    const info = await this.cluster.withRetry(() => this.cluster.topic(topic, { allowAutoTopicCreation: this.allowAutoTopicCreation }));
    const numPartitions = info.partitions.length;

    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const call: SendCall = { topic, results: new Array(records.length), pendingBatches: 0, resolve, reject, failed: false };
      const touched = new Set<Batch>();
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        let partition = r.partition;
        if (partition === undefined) {
          partition = r.key != null ? partitionForKey(typeof r.key === 'string' ? Buffer.from(r.key) : r.key, numPartitions) : this.sticky.partition(topic, numPartitions);
        } else if (partition < 0 || partition >= numPartitions) {
          reject(kafkaError(3, `topic ${topic} partition ${partition} (the topic has ${numPartitions} partitions)`));
          return;
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
    });
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
    const now = Date.now();
    const byLeader = new Map<number, Batch[]>();
    let sent = false;
    for (const q of this.queues.values()) {
      // Batches already in flight stay queued until acknowledged; the next unsent one may go too.
      const head = q.batches.find((b) => b.encoded === undefined);
      if (head === undefined || !this.isReady(head, q, now)) continue;
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
          b.encoded = encodeBatch(b.records, { compression: this.compression, producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence: id.baseSequence });
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
      transactionalId: null,
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

  private fail(b: Batch, err: unknown): void {
    this.removeFromQueue(b);
    // The partition's sequence moved past a batch the broker never wrote: later batches would be out
    // of order, so start over with a new producer id.
    if (b.identity !== undefined && b.identity.generation === this.generation) this.resetRequested = true;
    const e = err instanceof Error ? err : new Error(String(err));
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
      if (head) earliest = Math.min(earliest, head.createdAt + this.lingerMs);
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
