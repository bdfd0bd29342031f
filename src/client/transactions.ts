// The transactional side of the producer: the transaction coordinator conversation and the state
// machine of Kafka's TransactionManager (Java client), kept out of producer.ts so that a producer
// without a transactional id pays nothing for it.
//
// States: uninitialized → (initTransactions) ready → (beginTransaction) in-transaction →
// committing | aborting → ready. Errors move to one of two more:
// - abortable-error: this transaction cannot commit (a batch failed for good, offsets could not be
//   sent); every call but abortTransaction() rethrows the error, abort returns to ready.
// - fatal-error: the producer is unusable (fenced by a newer instance with the same transactional id,
//   not authorised, the coordinator says our state is wrong); every call rethrows the error. Only a
//   new producer (initTransactions again) can go on with the transactional id.
//
// Requests to the coordinator are serialised, as in the Java client: one AddPartitionsToTxn in flight
// at a time carrying every partition that got its first record since the previous one, so a send()
// to ten partitions costs one round trip, not ten. A partition's batches wait until it is in the
// transaction; EndTxn waits until every batch is acknowledged (a batch written after the marker would
// open a transaction that nothing closes).
import { ErrorCode, isRetriable as isRetriableCode } from '../protocol/errors.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { KafkaClientError, KafkaProtocolError, isRetriable, kafkaError } from './errors.js';
import { ApiKeys } from './versions.js';

/** Where a consumer group stands, for sendOffsetsToTransaction (Kafka's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** The member's generation; -1 (default) skips the coordinator's generation check. */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface TransactionOffset {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1), as Kafka commits it. */
  offset: number;
  metadata?: string | null;
  leaderEpoch?: number;
}

export type TransactionState = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

/**
 * What a transactional call failed with. `fatal`: the producer can no longer be used (close it; for
 * code PRODUCER_FENCED another instance took over the transactional id). `abortable`: call
 * abortTransaction() and carry on. Neither, with `retriable`: the call timed out talking to the
 * coordinator and may be made again. Neither and not retriable: the call was made in the wrong state
 * and changed nothing.
 */
export class TransactionError extends KafkaClientError {
  override name = 'TransactionError';
  readonly fatal: boolean;
  readonly abortable: boolean;
  constructor(code: string, message: string, options: { fatal?: boolean; abortable?: boolean; retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? false });
    this.fatal = options.fatal ?? false;
    this.abortable = options.abortable ?? false;
  }
}

/** Produce and coordinator errors after which the producer cannot go on (Java: fatalError). */
export function isFatalTxnCode(code: number): boolean {
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case ErrorCode.INVALID_TXN_STATE:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
    case ErrorCode.UNSUPPORTED_VERSION:
    case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT:
      return true;
    default:
      return false;
  }
}

type Verdict = 'done' | 'retry' | 'refind' | 'abortable' | 'fatal';
const SEVERITY: Record<Verdict, number> = { done: 0, retry: 1, refind: 2, abortable: 3, fatal: 4 };

/** How a coordinator answer is handled, after the Java client's per-request handlers. */
function verdictOf(code: number): Verdict {
  switch (code) {
    case 0:
      return 'done';
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return 'refind';
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.OPERATION_NOT_ATTEMPTED:
    case ErrorCode.REQUEST_TIMED_OUT:
      return 'retry';
    // This transaction is lost, the producer is not: TxnOffsetCommit's CommitFailedException cases, and
    // authorisation on a topic or group (the next transaction may not touch it).
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.UNKNOWN_MEMBER_ID:
    case ErrorCode.ILLEGAL_GENERATION:
    case ErrorCode.FENCED_INSTANCE_ID:
    case ErrorCode.REBALANCE_IN_PROGRESS:
    case ErrorCode.TRANSACTION_ABORTABLE:
      return 'abortable';
    default:
      // Java treats every other answer as fatal: the producer no longer knows where its transaction stands.
      return !isFatalTxnCode(code) && isRetriableCode(code) ? 'retry' : 'fatal';
  }
}

const TXN_KEY_TYPE = 1;
const GROUP_KEY_TYPE = 0;
const FIRST_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The node id of the coordinator of a group (keyType 0) or transactional id (keyType 1). */
export async function findCoordinator(cluster: Cluster, keyType: number, key: string): Promise<number> {
  const conn = await cluster.anyConnection();
  const res = await conn.send(ApiKeys.FindCoordinator, { key, keyType, coordinatorKeys: [key] });
  const found = res.coordinators?.length ? res.coordinators[0] : res;
  if (found.errorCode !== 0) throw kafkaError(found.errorCode, `FindCoordinator for ${keyType === TXN_KEY_TYPE ? 'transactional id' : 'group'} ${key}`, found.errorMessage);
  return found.nodeId as number;
}

/** What the transaction manager needs from the producer that owns it. */
export interface TransactionHost {
  identity(): { producerId: number; producerEpoch: number };
  /** Adopts a producer id and epoch; sequence numbers restart at 0. */
  setIdentity(producerId: number, producerEpoch: number): void;
  /** True when a batch stamped with the current epoch failed: the partition's sequence has a gap. */
  sequenceGap(): boolean;
  /** Sends everything queued and resolves once every batch is acknowledged or failed. */
  flush(): Promise<void>;
  /** Fails queued batches never sent (and, with `all`, those waiting to be sent again too). */
  dropUnsent(err: Error, all: boolean): void;
  /** Something changed that the sender must look at (a partition joined, batches must be dropped). */
  wake(): void;
}

interface AttemptResult<T> {
  errorCode: number;
  errorMessage?: string | null;
  value?: T;
}

export class TransactionManager {
  private stateValue: TransactionState = 'uninitialized';
  private error: TransactionError | undefined;
  /** Partitions in the current transaction, as `topic\0partition`. */
  private readonly added = new Set<string>();
  private readonly pendingAdds = new Map<string, { topic: string; partition: number }>();
  private adding: Promise<void> | undefined;
  /** True once the coordinator has this transaction (a partition or offsets were added): EndTxn is needed. */
  private started = false;
  /** send() and sendOffsetsToTransaction() calls still on their way in; commit and abort wait for them. */
  private readonly inbound = new Set<Promise<unknown>>();
  private ending: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private txnCoordinator: number | undefined;
  private readonly groupCoordinators = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    readonly transactionalId: string,
    private readonly transactionTimeoutMs: number,
    private readonly host: TransactionHost,
    /** How long one call keeps retrying the coordinator's retriable answers. */
    private readonly callTimeoutMs = cluster.requestTimeoutMs,
  ) {}

  get state(): TransactionState {
    return this.stateValue;
  }

  // ------------------------------------------------------------------------------- the producer API

  async initTransactions(): Promise<void> {
    this.throwIfFailed();
    if (this.stateValue !== 'uninitialized') throw this.stateError('initTransactions() may be called once, before anything else');
    this.stateValue = 'initializing';
    try {
      const res = await this.call('InitProducerId', 'txn', (conn) =>
        conn.send(ApiKeys.InitProducerId, { transactionalId: this.transactionalId, transactionTimeoutMs: this.transactionTimeoutMs, producerId: -1, producerEpoch: -1 }).then((r) => ({ errorCode: r.errorCode, value: r })),
      );
      this.host.setIdentity(res.producerId, res.producerEpoch);
      this.stateValue = 'ready';
    } catch (err) {
      // A timeout may be retried; anything else leaves no way to a usable producer.
      if (err instanceof TransactionError && err.retriable) this.stateValue = 'uninitialized';
      else this.toFatal(err);
      throw this.error ?? err;
    }
  }

  beginTransaction(): void {
    this.throwIfFailed(true);
    if (this.stateValue !== 'ready') {
      const hint = this.stateValue === 'uninitialized' || this.stateValue === 'initializing' ? 'call initTransactions() first' : 'commit or abort the open one first';
      throw this.stateError(`beginTransaction() needs a producer with no open transaction (${hint})`);
    }
    this.added.clear();
    this.pendingAdds.clear();
    this.started = false;
    this.stateValue = 'in-transaction';
  }

  /**
   * Called by send() before it awaits anything: throws unless a transaction is open, and returns the
   * function to call once the records are appended (or the send failed before that).
   */
  beginAppend(): () => void {
    this.throwIfFailed();
    if (this.stateValue !== 'in-transaction') {
      throw this.stateError('send() on a transactional producer needs an open transaction (call beginTransaction() first)');
    }
    let done!: () => void;
    const p = new Promise<void>((resolve) => (done = resolve));
    this.inbound.add(p);
    return () => {
      this.inbound.delete(p);
      done();
    };
  }

  /** After send()'s own wait: the error to reject with, when the transaction failed meanwhile. */
  appendError(): Error | undefined {
    if (this.stateValue === 'fatal-error' || this.stateValue === 'abortable-error') return this.error;
    if (this.stateValue === 'aborting') return new TransactionError('TRANSACTION_ABORTED', 'the transaction was aborted before these records were queued', { abortable: true });
    return undefined;
  }

  /** A record for the partition was queued: it joins the transaction with the next AddPartitionsToTxn. */
  addPartition(topic: string, partition: number): void {
    const k = `${topic}\u0000${partition}`;
    if (!this.added.has(k) && !this.pendingAdds.has(k)) this.pendingAdds.set(k, { topic, partition });
  }

  /** Sends the partitions gathered by addPartition() unless an AddPartitionsToTxn is already on its way. */
  sendAdds(): void {
    if (this.adding === undefined && this.pendingAdds.size > 0) this.adding = this.runAdds();
  }

  isAdded(topic: string, partition: number): boolean {
    return this.added.has(`${topic}\u0000${partition}`);
  }

  /** While this returns an error, queued batches are failed with it instead of being sent. */
  dropError(): TransactionError | undefined {
    const s = this.stateValue;
    return s === 'abortable-error' || s === 'fatal-error' || s === 'aborting' ? (this.error ?? new TransactionError('TRANSACTION_ABORTED', 'the transaction was aborted', { abortable: true })) : undefined;
  }

  get isFatal(): boolean {
    return this.stateValue === 'fatal-error';
  }

  /** A batch of this transaction failed for good: the transaction can only be aborted. */
  batchFailed(err: Error): void {
    if (this.stateValue !== 'in-transaction' && this.stateValue !== 'committing') return;
    this.toAbortable(new TransactionError('TRANSACTION_ABORTABLE', `the transaction cannot commit, abort it: a send failed (${err.message})`, { abortable: true, cause: err }));
  }

  /** A Produce answer with a fatal code (fenced): the producer is done. Returns the error to fail with. */
  fatalProduceError(err: KafkaProtocolError): TransactionError {
    this.toFatal(err);
    return this.error!;
  }

  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.throwIfFailed();
    if (this.stateValue !== 'in-transaction') throw this.stateError('sendOffsetsToTransaction() needs an open transaction');
    if (!group || typeof group.groupId !== 'string' || group.groupId === '') throw this.stateError('sendOffsetsToTransaction() needs the consumer group id');
    const work = this.sendOffsets(offsets, group);
    const tracked = work.catch(() => undefined);
    this.inbound.add(tracked);
    try {
      await work;
    } catch (err) {
      this.failWith(err);
      throw this.error ?? err;
    } finally {
      this.inbound.delete(tracked);
    }
  }

  async commitTransaction(): Promise<void> {
    this.throwIfFailed();
    if (this.ending !== undefined && this.stateValue === 'committing') return this.ending;
    // 'committing' without `ending`: an earlier commit timed out reaching the coordinator; go again.
    if (this.stateValue !== 'in-transaction' && this.stateValue !== 'committing') {
      throw this.stateError(this.stateValue === 'aborting' ? 'commitTransaction() while the transaction is being aborted' : 'commitTransaction() needs an open transaction (call beginTransaction() first)');
    }
    this.stateValue = 'committing';
    return (this.ending = this.end(true).finally(() => (this.ending = undefined)));
  }

  async abortTransaction(): Promise<void> {
    if (this.stateValue === 'fatal-error') throw this.error!;
    if (this.ending !== undefined && this.stateValue === 'aborting') return this.ending;
    // 'aborting' without `ending`: an earlier abort timed out reaching the coordinator; go again.
    if (this.stateValue !== 'in-transaction' && this.stateValue !== 'abortable-error' && this.stateValue !== 'aborting') {
      throw this.stateError(this.stateValue === 'committing' ? 'abortTransaction() while the transaction is being committed' : 'abortTransaction() needs an open transaction');
    }
    this.stateValue = 'aborting';
    this.host.dropUnsent(this.dropError()!, false);
    return (this.ending = this.end(false).finally(() => (this.ending = undefined)));
  }

  // ------------------------------------------------------------------------------------- internals

  private async end(commit: boolean): Promise<void> {
    try {
      // Records of send() calls made inside the transaction are queued before the decision.
      while (this.inbound.size > 0) await Promise.all(this.inbound);
      if (!commit) this.host.dropUnsent(this.dropError()!, false);
      await this.host.flush();
      if (this.adding !== undefined) await this.adding;
      await this.chain;
      if (commit && this.stateValue !== 'committing') throw this.error ?? this.stateError('the transaction failed while committing');
      if (this.stateValue === 'fatal-error') throw this.error!;
      if (this.started) {
        await this.serial(() =>
          this.call(commit ? 'EndTxn(commit)' : 'EndTxn(abort)', 'txn', (conn) => {
            const { producerId, producerEpoch } = this.host.identity();
            return conn.send(ApiKeys.EndTxn, { transactionalId: this.transactionalId, producerId, producerEpoch, committed: commit }).then((r) => ({ errorCode: r.errorCode, value: undefined }));
          }),
        );
      }
      // A batch that failed after taking its sequence numbers left a gap the partition will not
      // accept: a new epoch (KIP-360's InitProducerId with the current id and epoch) starts them at 0.
      if (!commit && this.host.sequenceGap()) await this.bumpEpoch();
      this.started = false;
      this.added.clear();
      this.pendingAdds.clear();
      this.error = undefined;
      this.stateValue = 'ready';
    } catch (err) {
      // A timeout leaves the state as it is, so that the same call can be made again.
      if (err instanceof TransactionError && err.retriable && !err.fatal && !err.abortable) throw err;
      if (commit && err instanceof TransactionError && err.abortable) this.toAbortable(err);
      else this.toFatal(err);
      throw this.error ?? err;
    }
  }

  private async bumpEpoch(): Promise<void> {
    const res = await this.call('InitProducerId (epoch bump)', 'txn', (conn) => {
      const { producerId, producerEpoch } = this.host.identity();
      return conn
        .send(ApiKeys.InitProducerId, { transactionalId: this.transactionalId, transactionTimeoutMs: this.transactionTimeoutMs, producerId, producerEpoch })
        .then((r) => ({ errorCode: r.errorCode, value: r }));
    });
    this.host.setIdentity(res.producerId, res.producerEpoch);
  }

  private async runAdds(): Promise<void> {
    try {
      while (this.pendingAdds.size > 0 && (this.stateValue === 'in-transaction' || this.stateValue === 'committing')) {
        const batch = [...this.pendingAdds];
        this.pendingAdds.clear();
        const byTopic = new Map<string, number[]>();
        for (const [, { topic, partition }] of batch) {
          let list = byTopic.get(topic);
          if (!list) byTopic.set(topic, (list = []));
          list.push(partition);
        }
        const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
        try {
          await this.serial(() =>
            this.call('AddPartitionsToTxn', 'txn', async (conn) => {
              const { producerId, producerEpoch } = this.host.identity();
              const res = await conn.send(ApiKeys.AddPartitionsToTxn, {
                v3AndBelowTransactionalId: this.transactionalId,
                v3AndBelowProducerId: producerId,
                v3AndBelowProducerEpoch: producerEpoch,
                v3AndBelowTopics: topics,
              });
              if (res.errorCode) return { errorCode: res.errorCode };
              let worst = 0;
              for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) if (SEVERITY[verdictOf(p.partitionErrorCode)] > SEVERITY[verdictOf(worst)]) worst = p.partitionErrorCode;
              return { errorCode: worst };
            }),
          );
        } catch (err) {
          this.failWith(err);
          return;
        }
        this.started = true;
        for (const [k] of batch) this.added.add(k);
        this.host.wake();
      }
    } finally {
      this.adding = undefined;
    }
  }

  private async sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const { groupId } = group;
    await this.serial(() =>
      this.call('AddOffsetsToTxn', 'txn', (conn) => {
        const { producerId, producerEpoch } = this.host.identity();
        return conn.send(ApiKeys.AddOffsetsToTxn, { transactionalId: this.transactionalId, producerId, producerEpoch, groupId }).then((r) => ({ errorCode: r.errorCode, value: undefined }));
      }),
    );
    this.started = true;
    if (offsets.length === 0) return;
    // Partitions answered with a retriable error are sent again, alone (as Java's pending map does).
    const pending = new Map(offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o]));
    await this.call('TxnOffsetCommit', groupId, async (conn) => {
      const byTopic = new Map<string, TransactionOffset[]>();
      for (const o of pending.values()) {
        let list = byTopic.get(o.topic);
        if (!list) byTopic.set(o.topic, (list = []));
        list.push(o);
      }
      const { producerId, producerEpoch } = this.host.identity();
      const res = await conn.send(ApiKeys.TxnOffsetCommit, {
        transactionalId: this.transactionalId,
        groupId,
        producerId,
        producerEpoch,
        generationId: group.generationId ?? -1,
        memberId: group.memberId ?? '',
        groupInstanceId: group.groupInstanceId ?? null,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
        })),
      });
      let worst = 0;
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === 0) pending.delete(`${t.name}\u0000${p.partitionIndex}`);
          else if (SEVERITY[verdictOf(p.errorCode)] > SEVERITY[verdictOf(worst)]) worst = p.errorCode;
        }
      }
      return { errorCode: worst === 0 && pending.size > 0 ? ErrorCode.UNKNOWN_SERVER_ERROR : worst };
    });
  }

  /**
   * One coordinator request, made again on retriable answers with a short backoff (the coordinator
   * usually just needs a few ms to finish writing the previous transaction's markers) and after
   * looking the coordinator up again when it moved. Throws a TransactionError.
   */
  private async call<T>(what: string, coordinator: 'txn' | string, attempt: (conn: Connection) => Promise<AttemptResult<T>>): Promise<T> {
    const deadline = Date.now() + this.callTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    const context = `${what} for transactional id ${this.transactionalId}`;
    for (;;) {
      let cause: Error;
      let verdict: Verdict;
      try {
        const conn = await this.coordinatorConnection(coordinator);
        const r = await attempt(conn);
        if (r.errorCode === 0) return r.value as T;
        cause = kafkaError(r.errorCode, context, r.errorMessage);
        verdict = verdictOf(r.errorCode);
      } catch (err) {
        if (err instanceof TransactionError) throw err;
        cause = err instanceof Error ? err : new Error(String(err));
        // FindCoordinator's own answers are judged like the request's; lost connections look the coordinator up again.
        verdict = err instanceof KafkaProtocolError ? verdictOf(err.errorCode) : isRetriable(err) ? 'refind' : 'fatal';
      }
      const code = cause instanceof KafkaClientError ? cause.code : 'UNKNOWN';
      if (verdict === 'fatal') {
        const fenced = code === 'PRODUCER_FENCED' || code === 'INVALID_PRODUCER_EPOCH';
        throw new TransactionError(fenced ? 'PRODUCER_FENCED' : code, fenced ? `${context}: fenced, another producer with this transactional id has been initialised since (${cause.message})` : cause.message, { fatal: true, cause });
      }
      if (verdict === 'abortable') throw new TransactionError(code, cause.message, { abortable: true, cause });
      if (verdict === 'refind') {
        if (coordinator === 'txn') this.txnCoordinator = undefined;
        else this.groupCoordinators.delete(coordinator);
      }
      if (Date.now() + backoff > deadline) {
        throw new TransactionError('TRANSACTION_TIMEOUT', `${context} did not succeed within ${this.callTimeoutMs} ms; the call may be made again (last answer: ${cause.message})`, { retriable: true, cause });
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async coordinatorConnection(coordinator: 'txn' | string): Promise<Connection> {
    if (coordinator === 'txn') {
      this.txnCoordinator ??= await findCoordinator(this.cluster, TXN_KEY_TYPE, this.transactionalId);
      return this.cluster.brokerConnection(this.txnCoordinator);
    }
    let node = this.groupCoordinators.get(coordinator);
    if (node === undefined) this.groupCoordinators.set(coordinator, (node = await findCoordinator(this.cluster, GROUP_KEY_TYPE, coordinator)));
    return this.cluster.brokerConnection(node);
  }

  /** Runs coordinator requests of this producer one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private throwIfFailed(evenAbortable = false): void {
    if (this.stateValue === 'fatal-error') throw this.error!;
    if (this.stateValue === 'abortable-error') {
      if (evenAbortable) throw this.stateError('the transaction failed and must be aborted (abortTransaction()) first', this.error);
      throw this.error!;
    }
  }

  private stateError(message: string, cause?: unknown): TransactionError {
    return new TransactionError('INVALID_TRANSACTION_STATE', `${message} (transactional id ${this.transactionalId}, state ${this.stateValue})`, { cause });
  }

  private failWith(err: unknown): void {
    if (err instanceof TransactionError && err.abortable) this.toAbortable(err);
    else if (!(err instanceof TransactionError && err.retriable)) this.toFatal(err);
    else this.toAbortable(new TransactionError('TRANSACTION_ABORTABLE', `the transaction cannot commit, abort it: ${err.message}`, { abortable: true, cause: err }));
  }

  private toAbortable(err: TransactionError): void {
    if (this.stateValue === 'fatal-error' || this.stateValue === 'abortable-error' || this.stateValue === 'aborting') return;
    this.error = err;
    this.stateValue = 'abortable-error';
    this.host.wake();
  }

  private toFatal(err: unknown): void {
    if (this.stateValue === 'fatal-error') return;
    this.error =
      err instanceof TransactionError && err.fatal
        ? err
        : err instanceof KafkaProtocolError && (err.errorCode === ErrorCode.PRODUCER_FENCED || err.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH)
          ? new TransactionError('PRODUCER_FENCED', `transactional id ${this.transactionalId}: fenced, another producer with this transactional id has been initialised since (${err.message})`, { fatal: true, cause: err })
          : new TransactionError(err instanceof KafkaClientError ? err.code : 'UNKNOWN', `transactional id ${this.transactionalId}: ${(err as Error)?.message ?? String(err)}; the producer cannot be used any more`, { fatal: true, cause: err });
    this.stateValue = 'fatal-error';
    this.host.dropUnsent(this.error, true);
    this.host.wake();
  }
}
