// The producer: records are appended to an open batch per partition, a batch leaves when it is
// full (batchSize bytes), when it has waited lingerMs, or on flush(); ready batches for the same
// leader share one Produce request (Kafka allows one batch per partition per request, v3+).
// Up to maxInFlight requests are pipelined per broker connection.
//
// Delivery is at-least-once: a retriable error (leader moved, connection lost) puts the batch
// back at the head of its partition's queue. Idempotence (a later issue) plugs in where batches
// are encoded: `batchIdentity` supplies producerId/epoch and per-partition sequence numbers.
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
}

/** Per-batch producer identity; idempotence will supply real values (see file comment). */
export interface BatchIdentity {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
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
}

interface PartitionQueue {
  topic: string;
  partition: number;
  batches: Batch[];
}

const RECORD_OVERHEAD = 24;

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
  /** Hook for idempotence: returns the identity to stamp on a batch. */
  protected batchIdentity: ((topic: string, partition: number, recordCount: number) => BatchIdentity) | undefined;

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
    if (batch === undefined || batch.encoded !== undefined || (batch.bytes + size > this.batchSize && batch.records.length > 0)) {
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
        const id = this.batchIdentity?.(b.topic, b.partition, b.records.length);
        b.encoded = encodeBatch(b.records, { compression: this.compression, ...(id ?? {}) });
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
    for (const { call, indices } of b.slices) {
      for (let j = 0; j < indices.length; j++) {
        call.results[indices[j]!] = { topic: b.topic, partition: b.partition, offset: baseOffset < 0 ? -1 : baseOffset + j };
      }
      if (--call.pendingBatches === 0 && !call.failed) call.resolve(call.results);
    }
  }

  private retryOrFail(batches: Batch[], err: unknown): void {
    for (const b of batches) {
      b.attempts++;
      if (isRetriable(err) && b.attempts <= 8 && !this.closed) {
        b.encoded = undefined;
        this.cluster.invalidate(b.topic);
        const delay = Math.min(100 * 2 ** (b.attempts - 1), 1000);
        setTimeout(() => this.schedule(), delay);
        continue;
      }
      this.removeFromQueue(b);
      const e = err instanceof Error ? err : new Error(String(err));
      for (const { call } of b.slices) {
        if (!call.failed) {
          call.failed = true;
          call.reject(e);
        }
      }
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
