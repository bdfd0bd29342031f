// An assignment-based consumer: the caller names the partitions and where to start; there is no
// group, no committed offsets and no rebalancing (those come with consumer groups). A fetch round
// sends one long-polling Fetch per partition leader and yields the decoded batches.
//
// Fetch may return a batch that starts before the requested offset (the broker returns whole
// batches) and may cut the last batch short at maxBytes; records before the position are skipped
// and a trailing partial batch is simply fetched again from its start next round.
//
// read_committed (isolationLevel 1): the broker stops at the last stable offset and lists the aborted
// transactions of the range; their batches are dropped here (aborted-transactions.ts).
import * as H from '../protocol/record-batch-header.js';
import { iterateBatches, decodeRecords, type RecordHeader } from '../protocol/record-batch.js';
import { AbortedTransactionFilter } from './aborted-transactions.js';
import { Admin } from './admin.js';
import type { Cluster } from './cluster.js';
import { KafkaClientError, isRetriable, kafkaError } from './errors.js';
import { ApiKeys } from './versions.js';

export type StartOffset = number | 'earliest' | 'latest' | { timestamp: number };

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** Default 'latest'. */
  offset?: StartOffset;
}

export interface ConsumerOptions {
  /** Long-poll wait when no data is there yet (default 500 ms). */
  maxWaitMs?: number;
  minBytes?: number;
  /** Per response (default 50 MiB) and per partition (default 1 MiB); at least one batch always comes. */
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** 0 read_uncommitted (default), 1 read_committed. */
  isolationLevel?: 0 | 1;
  /** Where to go on OFFSET_OUT_OF_RANGE: 'earliest' (default), 'latest', or 'none' to throw. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /**
   * poll() sends the next round's Fetch requests before it returns, so the broker reads and sends
   * while the caller processes (default false). The answer is decoded only by the next poll(), and
   * only if nothing moved meanwhile (assign, seek, pause, resume); otherwise it is dropped.
   */
  prefetch?: boolean;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** Views into the fetched response; copy them to keep them past the next fetch. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface ConsumerBatch {
  topic: string;
  partition: number;
  highWatermark: number;
  records: ConsumerRecord[];
  /**
   * The partition's position after this batch. It can lie past the last record: transaction markers
   * and aborted records take offsets too. A fetch that moved the position over nothing but those comes
   * as a batch without records, so a reader that tracks positions (to commit them, or to know it has
   * reached an end offset) sees the move.
   */
  nextOffset: number;
}

export interface RunHandlers {
  eachRecord?: (record: ConsumerRecord) => void | Promise<void>;
  eachBatch?: (batch: ConsumerBatch) => void | Promise<void>;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to fetch; undefined until the start offset is resolved. */
  position: number | undefined;
  start: StartOffset;
  highWatermark: number;
  /** Paused partitions keep their position but are left out of fetches. */
  paused?: boolean;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** One leader's Fetch answer, not decoded yet. */
interface FetchAnswer {
  leader: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  res: any;
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Consumer {
  private readonly states = new Map<string, PartitionState>();
  private readonly admin: Admin;
  private readonly opts: Required<ConsumerOptions>;
  private closed = false;
  /** Bumped by everything that moves positions or changes what is fetched: a prefetch from before is stale. */
  private epoch = 0;
  private prefetched: { epoch: number; answers: Promise<FetchAnswer[] | null> } | undefined;

  constructor(
    private readonly cluster: Cluster,
    options: ConsumerOptions = {},
  ) {
    this.admin = new Admin(cluster);
    this.opts = {
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
      partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
      isolationLevel: options.isolationLevel ?? 0,
      autoOffsetReset: options.autoOffsetReset ?? 'earliest',
      prefetch: options.prefetch ?? false,
    };
  }

  /** Replaces the assignment. */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    this.epoch++;
    this.states.clear();
    for (const p of partitions) {
      const start = p.offset ?? 'latest';
      this.states.set(key(p.topic, p.partition), { topic: p.topic, partition: p.partition, position: typeof start === 'number' ? start : undefined, start, highWatermark: -1 });
    }
  }

  /** Moves an assigned partition to a new start; takes effect on the next fetch round. */
  seek(topic: string, partition: number, offset: StartOffset): void {
    const s = this.states.get(key(topic, partition));
    if (!s) throw new KafkaClientError('NOT_ASSIGNED', `topic ${topic} partition ${partition} is not assigned`);
    this.epoch++;
    s.start = offset;
    s.position = typeof offset === 'number' ? offset : undefined;
  }

  /** The next offset that will be fetched, once known. */
  position(topic: string, partition: number): number | undefined {
    return this.states.get(key(topic, partition))?.position;
  }

  assignment(): Array<{ topic: string; partition: number }> {
    return [...this.states.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Leaves assigned partitions out of fetches until resume(); unassigned ones are ignored. */
  pause(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    this.epoch++;
    for (const p of partitions) {
      const s = this.states.get(key(p.topic, p.partition));
      if (s) s.paused = true;
    }
  }

  resume(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    this.epoch++;
    for (const p of partitions) {
      const s = this.states.get(key(p.topic, p.partition));
      if (s) s.paused = false;
    }
  }

  paused(): Array<{ topic: string; partition: number }> {
    return [...this.states.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * One fetch round, for a caller that drives the consumer itself between rounds (the group
   * consumer rebalances there): resolves pending start offsets, fetches once and returns the
   * non-empty batches. Positions have moved past them when it returns; errors are the caller's.
   */
  async poll(): Promise<ConsumerBatch[]> {
    const pre = this.prefetched;
    this.prefetched = undefined;
    let out: ConsumerBatch[] | undefined;
    if (pre !== undefined && pre.epoch === this.epoch) {
      const answers = await pre.answers;
      // Still nothing moved while we waited: the answers are for the current positions.
      if (answers !== null && pre.epoch === this.epoch) out = this.decodeRound(answers);
    }
    if (out === undefined) {
      await this.resolvePositions();
      out = await this.fetchRound();
    }
    if (this.opts.prefetch && !this.closed) this.prefetch();
    return out;
  }

  /** Sends the next round's requests now; a failure just means poll() fetches afresh. */
  private prefetch(): void {
    for (const s of this.states.values()) if (s.position === undefined) return;
    const epoch = this.epoch;
    const answers = this.requestRound().then((a) => (a.length === 0 ? null : a), () => null);
    this.prefetched = { epoch, answers };
  }

  /** Resolves 'earliest' / 'latest' / timestamp starts with ListOffsets, per topic. */
  private async resolvePositions(): Promise<void> {
    const pending = [...this.states.values()].filter((s) => s.position === undefined);
    const groups = new Map<string, PartitionState[]>();
    for (const s of pending) {
      const id = `${s.topic}\u0000${typeof s.start === 'object' ? `t${s.start.timestamp}` : String(s.start)}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(s);
    }
    for (const list of groups.values()) {
      const first = list[0]!;
      const spec = first.start as 'earliest' | 'latest' | { timestamp: number };
      const offsets = await this.admin.listOffsets(first.topic, spec, list.map((s) => s.partition));
      for (const o of offsets) {
        const s = this.states.get(key(first.topic, o.partition));
        if (!s || s.position !== undefined) continue;
        // No record at or after the timestamp: Kafka answers -1; start at the end.
        s.position = o.offset >= 0 ? o.offset : (await this.admin.listOffsets(first.topic, 'latest', [o.partition]))[0]!.offset;
      }
    }
  }

  /** Fetch rounds until close(); yields non-empty batches. */
  async *batches(): AsyncGenerator<ConsumerBatch, void, undefined> {
    let backoff = 100;
    while (!this.closed) {
      let out: ConsumerBatch[];
      try {
        await this.resolvePositions();
        out = await this.fetchRound();
        backoff = 100;
      } catch (err) {
        if (this.closed) return;
        if (!isRetriable(err)) throw err;
        this.cluster.invalidate();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      for (const b of out) {
        if (this.closed) return;
        yield b;
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    for await (const b of this.batches()) {
      for (const r of b.records) {
        yield r;
        if (this.closed) return;
      }
    }
  }

  /** Calls the handlers for every batch / record until close() (or a handler throws). */
  async run(handlers: RunHandlers): Promise<void> {
    for await (const b of this.batches()) {
      if (handlers.eachBatch) await handlers.eachBatch(b);
      if (handlers.eachRecord) {
        for (const r of b.records) {
          await handlers.eachRecord(r);
          if (this.closed) return;
        }
      }
    }
  }

  private async fetchRound(): Promise<ConsumerBatch[]> {
    const answers = await this.requestRound();
    if (answers.length === 0) {
      await sleep(this.opts.maxWaitMs);
      return [];
    }
    return this.decodeRound(answers);
  }

  /** One Fetch per leader of the fetchable partitions; nothing decoded, no state changed. */
  private async requestRound(): Promise<FetchAnswer[]> {
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.states.values()) {
      if (s.position === undefined || s.paused) continue;
      const leader = await this.cluster.leaderOf(s.topic, s.partition);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(s);
    }
    return Promise.all([...byLeader].map(async ([leader, list]) => ({ leader, res: await this.fetchFrom(leader, list) })));
  }

  private decodeRound(answers: FetchAnswer[]): ConsumerBatch[] {
    return answers.flatMap(({ leader, res }) => this.decodeAnswer(leader, res));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async fetchFrom(leader: number, list: PartitionState[]): Promise<any> {
    const conn = await this.cluster.brokerConnection(leader);
    const topics = new Map<string, PartitionState[]>();
    for (const s of list) {
      let t = topics.get(s.topic);
      if (!t) topics.set(s.topic, (t = []));
      t.push(s);
    }
    const res = await conn.send(
      ApiKeys.Fetch,
      {
        replicaId: -1,
        maxWaitMs: this.opts.maxWaitMs,
        minBytes: this.opts.minBytes,
        maxBytes: this.opts.maxBytes,
        isolationLevel: this.opts.isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...topics].map(([topic, parts]) => ({
          topic,
          partitions: parts.map((s) => ({ partition: s.partition, currentLeaderEpoch: -1, fetchOffset: s.position!, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.opts.partitionMaxBytes })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: this.opts.maxWaitMs + this.cluster.requestTimeoutMs },
    );
    return res;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private decodeAnswer(leader: number, res: any): ConsumerBatch[] {
    if (res.errorCode) throw kafkaError(res.errorCode, `Fetch from broker ${leader}`);
    const out: ConsumerBatch[] = [];
    let retriable: Error | undefined;
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const s = this.states.get(key(t.topic, p.partitionIndex));
        if (!s || s.position === undefined) continue;
        if (p.errorCode !== 0) {
          const err = kafkaError(p.errorCode, `topic ${t.topic} partition ${p.partitionIndex} at offset ${s.position}`);
          if (p.errorCode === 1 /* OFFSET_OUT_OF_RANGE */ && this.opts.autoOffsetReset !== 'none') {
            s.start = this.opts.autoOffsetReset;
            s.position = undefined;
            continue;
          }
          if (err.retriable) {
            retriable = err;
            continue;
          }
          throw err;
        }
        s.highWatermark = p.highWatermark;
        const before = s.position;
        const batch = this.decode(s, p.records, this.opts.isolationLevel === 1 ? p.abortedTransactions : null);
        if (batch.records.length > 0 || s.position > before) out.push({ ...batch, highWatermark: p.highWatermark, nextOffset: s.position });
      }
    }
    if (retriable && out.length === 0) throw retriable;
    if (retriable) this.cluster.invalidate();
    return out;
  }

  private decode(s: PartitionState, records: Buffer | null, aborted: readonly { producerId: number; firstOffset: number }[] | null): Omit<ConsumerBatch, 'highWatermark' | 'nextOffset'> {
    const out: ConsumerRecord[] = [];
    if (records && records.length > 0) {
      const filter = aborted && aborted.length > 0 ? new AbortedTransactionFilter(aborted) : undefined;
      for (const raw of iterateBatches(records)) {
        // Header fields are read before decoding: anything but a whole magic-2 header is left to decodeRecords to reject.
        if (raw.length < H.BATCH_HEADER_SIZE || H.magicOf(raw) !== 2) decodeRecords(raw);
        const next = H.lastOffsetOf(raw) + 1;
        // The filter sees every batch, even those before the position: it tracks markers in order.
        const skip = filter !== undefined && filter.skip(raw);
        if (next <= s.position!) continue;
        // Compaction may leave gaps: move past the batch's last offset, not the last record seen.
        if (skip || (H.attributesOf(raw) & H.ATTR_CONTROL) !== 0) {
          s.position = next;
          continue;
        }
        const batch = decodeRecords(raw);
        for (const r of batch.records) {
          if (r.offset < s.position!) continue;
          out.push({ topic: s.topic, partition: s.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
        }
        s.position = next;
      }
    }
    return { topic: s.topic, partition: s.partition, records: out };
  }

  /** Stops the fetch loop; iterators end after the current record. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
