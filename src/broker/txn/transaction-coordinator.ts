// Kafka's transaction coordinator on one node. Each transactional id has a producer id and epoch and a
// state (Empty → Ongoing → PrepareCommit/PrepareAbort → CompleteCommit/CompleteAbort), kept durably in
// __transaction_state. Ending a transaction first stores the Prepare state (the decision), answers the
// client, then appends a COMMIT/ABORT marker to every partition of the transaction (directly: this node
// leads them all, so no WriteTxnMarkers round trip) and stores the Complete state. While that runs,
// requests for the id get CONCURRENT_TRANSACTIONS and clients retry. A new InitProducerId for an id, a
// transaction older than its timeout, and a restart with a Prepare state all finish or abort correctly.
import { ErrorCode } from '../../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import type { OffsetsTopic } from '../group/offsets-topic.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../group/offsets-records.js';
import type { ProducerIdAllocator } from './producer-ids.js';
import type { TransactionLog, TxnLogValue, TxnState } from './transaction-log.js';

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  idExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortCheckIntervalMs: number;
  /** transaction.state.log.num.partitions */
  logPartitions: number;
  /**
   * kappa.test.txn.crash.at (tests only): 'prepared' makes the process SIGKILL itself once a Prepare state
   * is durable and before any marker, 'marked' after the markers and before the Complete state.
   */
  crashAt?: string;
}

export const DEFAULT_TXN_CONFIG: TxnCoordinatorConfig = {
  maxTimeoutMs: 900_000,
  idExpirationMs: 604_800_000,
  abortCheckIntervalMs: 10_000,
  logPartitions: 50,
};

export function parseTxnConfig(raw: Record<string, string>): TxnCoordinatorConfig {
  const num = (key: string, fallback: number): number => {
    const v = raw[key];
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : fallback;
  };
  return {
    maxTimeoutMs: num('transaction.max.timeout.ms', DEFAULT_TXN_CONFIG.maxTimeoutMs),
    idExpirationMs: num('transactional.id.expiration.ms', DEFAULT_TXN_CONFIG.idExpirationMs),
    abortCheckIntervalMs: num('transaction.abort.timed.out.transaction.cleanup.interval.ms', DEFAULT_TXN_CONFIG.abortCheckIntervalMs),
    logPartitions: Math.max(1, num('transaction.state.log.num.partitions', DEFAULT_TXN_CONFIG.logPartitions)),
    ...(raw['kappa.test.txn.crash.at'] ? { crashAt: raw['kappa.test.txn.crash.at'].trim() } : {}),
  };
}

interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: Map<string, Set<number>>;
  startTimestamp: number;
  lastUpdateTimestamp: number;
  /** A state is being stored: other requests wait (CONCURRENT_TRANSACTIONS), as for Kafka's pending transition. */
  busy: boolean;
  /** Markers of the Prepare* state are being written (its partitions still to mark in unmarked). */
  completing: boolean;
  unmarked: { topic: string; partition: number }[] | null;
  /**
   * The producer id and epoch before the last InitProducerId (in memory only, as in Kafka 3.x), so that a
   * retry of that call (KIP-360: its answer was lost) gets the same answer instead of PRODUCER_FENCED.
   */
  lastProducerId: number;
  lastProducerEpoch: number;
}

export interface TxnDescription {
  transactionalId: string;
  state: TxnState;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  startTimestamp: number;
  partitions: { topic: string; partitions: number[] }[];
}

const MAX_EPOCH = 32767;
/** How long AddPartitionsToTxn may wait for the previous transaction's completion before answering. */
const SETTLE_WAIT_MS = 100;

export class TransactionCoordinator {
  private readonly txns = new Map<string, TxnMetadata>();
  private loading = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logs: LogManager,
    private readonly store: TransactionLog,
    private readonly ids: ProducerIdAllocator,
    private readonly groups: GroupCoordinator,
    private readonly offsetsTopic: OffsetsTopic,
    /** Wakes long-polling fetches of a partition whose last stable offset moved. */
    private readonly markerWritten: (log: PartitionLog) => void,
    readonly config: TxnCoordinatorConfig,
    private readonly log: (line: string) => void,
  ) {}

  get isLoading(): boolean {
    return this.loading;
  }

  /** Rebuilds state from __transaction_state and finishes transactions a crash left decided but unmarked. */
  async load(): Promise<void> {
    const saved = await this.store.readAll();
    for (const [id, v] of saved) {
      const partitions = new Map<string, Set<number>>();
      for (const [topic, parts] of v.partitions) partitions.set(topic, new Set(parts));
      this.txns.set(id, { transactionalId: id, ...v, partitions, busy: false, completing: false, unmarked: null, lastProducerId: -1, lastProducerEpoch: -1 });
    }
    this.loading = false;
    for (const m of this.txns.values()) {
      // (PrepareEpochFence is never stored, by Kafka or here; were it found, it would mean an abort.)
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') void this.completeInBackground(m, m.state === 'PrepareCommit');
    }
    if (saved.size > 0) this.log(`loaded ${saved.size} transactional id(s) from __transaction_state`);
  }

  start(): void {
    this.timer = setInterval(() => this.checkTimeouts(), this.config.abortCheckIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ------------------------------------------------------------------------------------------ requests

  /** InitProducerId. Returns the error code and, on success, the producer id and epoch. */
  async initProducerId(req: { transactionalId: string | null; timeoutMs: number; producerId: number; producerEpoch: number }): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (req.transactionalId === null) {
      // An idempotent producer: a fresh id at epoch 0.
      return { errorCode: 0, producerId: await this.ids.allocate(), producerEpoch: 0 };
    }
    // An empty transactional id is refused, as Kafka does (producers send null when they have none).
    if (req.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (this.loading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (req.timeoutMs <= 0 || req.timeoutMs > this.config.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const id = req.transactionalId;
    let m = this.txns.get(id);
    if (!m) {
      const producerId = await this.ids.allocate();
      // A concurrent first InitProducerId for the same id may have won meanwhile: use its metadata.
      m = this.txns.get(id);
      if (!m) {
        m = {
          transactionalId: id, producerId, producerEpoch: -1, timeoutMs: req.timeoutMs, state: 'Empty',
          partitions: new Map(), startTimestamp: -1, lastUpdateTimestamp: Date.now(), busy: false,
          completing: false, unmarked: null, lastProducerId: -1, lastProducerEpoch: -1,
        };
        this.txns.set(id, m);
      }
    }
    if (m.busy) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    // KIP-360: a producer re-initialising names its id and epoch. Kafka accepts it for metadata just created
    // (the id expired here), for the current producer id (the epoch is checked below), and for the previous
    // producer id at an exhausted epoch (a retry of the call that rotated the id); anything else is fenced.
    const expected = req.producerId >= 0 ? req.producerEpoch : null;
    if (expected !== null && !(m.producerEpoch < 0 || req.producerId === m.producerId || (req.producerId === m.lastProducerId && expected >= MAX_EPOCH - 1))) {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (m.state === 'Ongoing') {
      // A new instance of the producer: fence the old one and abort what it left open; the client retries.
      void this.abortWithFence(m);
      return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    const next = { ...m, timeoutMs: req.timeoutMs, state: 'Empty' as TxnState, partitions: new Map<string, Set<number>>(), startTimestamp: -1, lastUpdateTimestamp: Date.now() };
    if (m.producerEpoch >= MAX_EPOCH - 1 && (expected === null || expected === m.producerEpoch)) {
      // The epoch is exhausted: a new producer id at epoch 0 (no other request may start meanwhile).
      m.busy = true;
      try {
        next.producerId = await this.ids.allocate();
      } finally {
        m.busy = false;
      }
      Object.assign(next, { producerEpoch: 0, lastProducerId: m.producerId, lastProducerEpoch: expected === null ? -1 : m.producerEpoch });
    } else if (expected === null || m.producerEpoch < 0 || expected === m.producerEpoch) {
      Object.assign(next, { producerEpoch: m.producerEpoch + 1, lastProducerId: m.producerId, lastProducerEpoch: expected === null ? -1 : m.producerEpoch });
    } else if (expected !== m.lastProducerEpoch) {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    // (else: a retry of the call that bumped the epoch from lastProducerEpoch; it gets the current epoch again.)
    const stored = await this.persist(m, next);
    if (stored !== 0) return fail(stored);
    return { errorCode: 0, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn through addOffsets). Per-partition codes in request order. */
  async addPartitions(req: { transactionalId: string; producerId: number; producerEpoch: number; partitions: { topic: string; partition: number }[] }): Promise<number[]> {
    const all = (code: number) => req.partitions.map(() => code);
    // The first request of a producer's next transaction usually arrives while the previous one's
    // markers are still being written. Kafka answers CONCURRENT_TRANSACTIONS at once and the client
    // retries after its backoff (kafkajs: 300 ms by default, a third of a second per transaction);
    // waiting here a little for the completion answers the same request a few ms later instead.
    await this.settled(req.transactionalId, SETTLE_WAIT_MS);
    // As in Kafka (KafkaApis, before the coordinator): one unknown partition fails the whole request.
    const unknown = req.partitions.map((p) => {
      const t = this.logs.topic(p.topic);
      return !t || p.partition < 0 || p.partition >= t.partitions.length;
    });
    if (unknown.some(Boolean)) return unknown.map((u) => (u ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    const check = this.checkProducer(req.transactionalId, req.producerId, req.producerEpoch);
    if (typeof check === 'number') return all(check);
    const m = check;
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    const known = (p: { topic: string; partition: number }) => m.partitions.get(p.topic)?.has(p.partition) ?? false;
    if (m.state === 'Ongoing' && req.partitions.every(known)) return all(0);
    const partitions = new Map([...m.partitions].map(([t, s]) => [t, new Set(s)] as [string, Set<number>]));
    for (const p of req.partitions) {
      let set = partitions.get(p.topic);
      if (!set) partitions.set(p.topic, (set = new Set()));
      set.add(p.partition);
    }
    const now = Date.now();
    const ongoing = m.state === 'Ongoing';
    const code = await this.persist(m, { ...m, state: 'Ongoing', partitions, startTimestamp: ongoing ? m.startTimestamp : now, lastUpdateTimestamp: now });
    return all(code);
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  async addOffsets(req: { transactionalId: string; producerId: number; producerEpoch: number; groupId: string }): Promise<number> {
    const topic = await this.offsetsTopic.ensure();
    const partition = partitionForGroup(req.groupId, topic.partitions.length);
    const [code] = await this.addPartitions({ ...req, partitions: [{ topic: OFFSETS_TOPIC, partition }] });
    return code ?? 0;
  }

  /**
   * TxnOffsetCommit's producer check: the id must map to this producer and epoch, with a transaction open
   * that holds the group's __consumer_offsets partition (AddOffsetsToTxn first). Offsets written outside
   * one would open a transaction on __consumer_offsets that no marker ever closes (KIP-890's hanging
   * transaction); Kafka 3.6+ verifies this too and answers INVALID_TXN_STATE.
   */
  checkTxnOffsetCommit(transactionalId: string, producerId: number, producerEpoch: number, groupId?: string): number {
    const check = this.checkProducer(transactionalId, producerId, producerEpoch);
    if (typeof check === 'number') return check;
    const m = check;
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state !== 'Ongoing') return ErrorCode.INVALID_TXN_STATE;
    if (groupId !== undefined) {
      const topic = this.logs.topic(OFFSETS_TOPIC);
      if (!topic || !m.partitions.get(OFFSETS_TOPIC)?.has(partitionForGroup(groupId, topic.partitions.length))) return ErrorCode.INVALID_TXN_STATE;
    }
    return 0;
  }

  async endTxn(req: { transactionalId: string; producerId: number; producerEpoch: number; commit: boolean }): Promise<number> {
    const check = this.checkProducer(req.transactionalId, req.producerId, req.producerEpoch);
    if (typeof check === 'number') return check;
    const m = check;
    switch (m.state) {
      case 'Ongoing': {
        const code = await this.persist(m, { ...m, state: req.commit ? 'PrepareCommit' : 'PrepareAbort', lastUpdateTimestamp: Date.now() });
        if (code !== 0) return code;
        void this.completeInBackground(m, req.commit);
        return 0;
      }
      // A retry of an end that already happened succeeds (or waits for its markers); the opposite end is a
      // client bug, as in Kafka.
      case 'CompleteCommit':
        return req.commit ? 0 : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return req.commit ? ErrorCode.INVALID_TXN_STATE : 0;
      case 'PrepareCommit':
        return req.commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort':
        return req.commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      case 'PrepareEpochFence':
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  describe(transactionalId: string): TxnDescription | null {
    const m = this.txns.get(transactionalId);
    if (!m) return null;
    return {
      transactionalId, state: m.state, producerId: m.producerId, producerEpoch: m.producerEpoch, timeoutMs: m.timeoutMs, startTimestamp: m.startTimestamp,
      partitions: [...m.partitions].map(([topic, s]) => ({ topic, partitions: [...s].sort((a, b) => a - b) })),
    };
  }

  list(): TxnDescription[] {
    return [...this.txns.keys()].map((id) => this.describe(id)!);
  }

  // ------------------------------------------------------------------------------------------ internals

  private checkProducer(transactionalId: string, producerId: number, producerEpoch: number): TxnMetadata | number {
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const m = this.txns.get(transactionalId);
    if (!m || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.busy) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return m;
  }

  /** Stores next durably, then makes it current. Returns 0 or the error code to answer. */
  private async persist(m: TxnMetadata, next: Omit<TxnMetadata, 'busy' | 'transactionalId'> & Partial<TxnMetadata>): Promise<number> {
    const value: TxnLogValue = {
      producerId: next.producerId, producerEpoch: next.producerEpoch, timeoutMs: next.timeoutMs, state: next.state,
      partitions: new Map([...next.partitions].map(([t, s]) => [t, [...s].sort((a, b) => a - b)])),
      lastUpdateTimestamp: next.lastUpdateTimestamp, startTimestamp: next.startTimestamp,
    };
    m.busy = true;
    try {
      await this.store.write(m.transactionalId, value);
    } catch (err) {
      this.log(`transaction ${m.transactionalId}: storing state ${next.state} failed: ${(err as Error).message}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    } finally {
      m.busy = false;
    }
    Object.assign(m, { ...next, busy: false, transactionalId: m.transactionalId });
    this.notifySettled(m);
    return 0;
  }

  private readonly settleWaiters = new Map<TxnMetadata, Set<() => void>>();

  /** Resolves once the id is neither storing a state nor completing a transaction, or after maxMs. */
  private settled(transactionalId: string, maxMs: number): Promise<void> {
    const m = this.txns.get(transactionalId);
    const busy = (x: TxnMetadata) => x.busy || x.completing || x.state === 'PrepareCommit' || x.state === 'PrepareAbort' || x.state === 'PrepareEpochFence';
    if (!m || !busy(m)) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.settleWaiters.get(m);
      if (!waiters) this.settleWaiters.set(m, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters!.delete(check);
        resolve();
      };
      const check = () => {
        if (!busy(m)) done();
      };
      const timer = setTimeout(done, maxMs);
      waiters.add(check);
    });
  }

  private notifySettled(m: TxnMetadata): void {
    const waiters = this.settleWaiters.get(m);
    if (!waiters) return;
    for (const w of [...waiters]) w();
    if (waiters.size === 0) this.settleWaiters.delete(m);
  }

  /**
   * Writes the markers of a decided transaction, then stores Complete* (with no partitions: the next
   * transaction starts empty, as in Kafka). A marker that cannot be written now (a storage error) keeps the
   * transaction in its Prepare state, with requests for the id answered as Kafka does then, and the
   * periodic check retries the partitions still unmarked, as Kafka's marker channel retries until it can.
   */
  private async completeInBackground(m: TxnMetadata, commit: boolean): Promise<void> {
    if (m.completing) return;
    m.completing = true;
    this.crashPoint('prepared');
    try {
      const failed: { topic: string; partition: number }[] = [];
      m.unmarked ??= [...m.partitions].flatMap(([topic, parts]) => [...parts].map((partition) => ({ topic, partition })));
      for (const tp of m.unmarked) {
        // A partition deleted meanwhile has nothing left to decide.
        const log = this.logs.topic(tp.topic)?.partitions[tp.partition];
        if (!log) continue;
        try {
          await log.appendTxnMarker({ producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: 0, commit });
          this.markerWritten(log);
        } catch (err) {
          const code = (err as { code?: string }).code;
          this.log(`transaction ${m.transactionalId}: marker for ${tp.topic}-${tp.partition} failed: ${(err as Error).message}`);
          // A partition that already saw a newer epoch has nothing of this transaction left to decide.
          if (code !== 'INVALID_PRODUCER_EPOCH' && code !== 'TRANSACTION_COORDINATOR_FENCED') failed.push(tp);
        }
      }
      m.unmarked = failed;
      if (failed.length > 0) return;
      if (m.partitions.has(OFFSETS_TOPIC)) this.groups.completeTransactionsOf(m.producerId, commit);
      this.crashPoint('marked');
    } finally {
      m.completing = false;
    }
    const code = await this.persist(m, { ...m, state: commit ? 'CompleteCommit' : 'CompleteAbort', partitions: new Map(), unmarked: null, lastUpdateTimestamp: Date.now() });
    if (code !== 0) this.log(`transaction ${m.transactionalId}: could not store its completion; retried by the periodic check`);
  }

  /** The test knob: die here as a power cut would. */
  private crashPoint(step: string): void {
    if (this.config.crashAt === step) process.kill(process.pid, 'SIGKILL');
  }

  /** Aborts an open transaction with a bumped epoch, so the producer that opened it is fenced. */
  private async abortWithFence(m: TxnMetadata): Promise<void> {
    if (m.busy || m.state !== 'Ongoing') return;
    // Kafka bumps up to Short.MaxValue here (the next InitProducerId then rotates the producer id).
    const epoch = m.producerEpoch >= MAX_EPOCH ? m.producerEpoch : m.producerEpoch + 1;
    const code = await this.persist(m, { ...m, producerEpoch: epoch, lastProducerEpoch: -1, state: 'PrepareAbort', lastUpdateTimestamp: Date.now() });
    if (code === 0) await this.completeInBackground(m, false);
  }

  /** The periodic check (every abortCheckIntervalMs): aborts timed-out transactions, expires idle ids. */
  checkTimeouts(now = Date.now()): void {
    if (this.loading) return;
    for (const m of this.txns.values()) {
      if (m.busy || m.completing) continue;
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') {
        // Markers that could not be written (or a completion not stored) before: try again.
        void this.completeInBackground(m, m.state === 'PrepareCommit');
      } else if (m.state === 'Ongoing' && m.startTimestamp >= 0 && now - m.startTimestamp > m.timeoutMs) {
        this.log(`transaction ${m.transactionalId} timed out after ${m.timeoutMs} ms: aborting it`);
        void this.abortWithFence(m);
      } else if ((m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort') && now - m.lastUpdateTimestamp > this.config.idExpirationMs) {
        this.txns.delete(m.transactionalId);
        this.store.write(m.transactionalId, null).catch((err: unknown) => this.log(`expiring ${m.transactionalId} failed: ${(err as Error).message}`));
      }
    }
  }
}
