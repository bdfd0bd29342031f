// A consumer-group member of the classic protocol (protocol type "consumer"), behaving as Kafka's
// Java consumer does, on top of the assignment-based Consumer, which does the fetching.
//
// Rebalances happen only in the consuming loop, between batches, never behind the caller's back:
// the background heartbeat merely notes that the group wants a rejoin (REBALANCE_IN_PROGRESS, a
// fenced generation), and the loop, once the batch in hand is done, runs onPartitionsRevoked, joins,
// syncs, runs onPartitionsAssigned and positions the new partitions at their committed offsets. So
// no record of a revoked partition is handed out after onPartitionsRevoked returns, and no record of
// an assigned one before onPartitionsAssigned returns. Batches fetched but not handed out when a
// rebalance starts are dropped and their partitions seeked back, so positions always mean "handed
// out up to here" - what commit() commits.
//
// Under the eager protocol (range, roundrobin) every rebalance revokes everything first; under the
// cooperative one (KIP-429, when every assignor is cooperative-sticky) only the partitions that move
// are revoked, after SyncGroup, followed by an immediate second rejoin that hands them over.
//
// The group coordinator gets a connection of its own: JoinGroup and SyncGroup are parked by the
// broker until the rebalance completes, and responses on one connection come back in order, so a
// shared connection would stall fetches (and heartbeats) behind them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { readConsumerProtocolSubscription, writeConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import {
  BUILTIN_ASSIGNORS,
  type Assignor,
  type AssignorName,
  type MemberSubscription,
  type RebalanceProtocol,
  type TopicPartition,
} from './assignors.js';
import type { Cluster } from './cluster.js';
import { Connection } from './connection.js';
import { Consumer, type ConsumerBatch, type ConsumerOptions, type ConsumerRecord } from './consumer.js';
import { KafkaClientError, KafkaProtocolError, isRetriable, kafkaError } from './errors.js';
import { GroupAdmin } from './group-admin.js';
import { ApiKeys } from './versions.js';

export interface RebalanceListener {
  /**
   * Partitions taken away while this member is still in its generation: commit what was processed
   * and hand state over here. Awaited before the member rejoins.
   */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions given to this member: restore state here (seek() works). Awaited before they are fetched. */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /**
   * Partitions this member lost without a chance to revoke them (it was fenced or expelled: another
   * member may own them already, commits fail). Defaults to onPartitionsRevoked, as in Kafka.
   */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface GroupConsumerOptions extends Omit<ConsumerOptions, 'autoOffsetReset'> {
  groupId: string;
  /** Static membership (KIP-345): a restart within the session timeout keeps the assignment. */
  groupInstanceId?: string | null;
  /** Default 45000, as Kafka 3. */
  sessionTimeoutMs?: number;
  /**
   * How long the group waits for members to rejoin, and how long a batch may stay in the caller's
   * hands before the member gives up its membership (Kafka's max.poll.interval.ms). Default 300000.
   */
  rebalanceTimeoutMs?: number;
  /** Default 3000. */
  heartbeatIntervalMs?: number;
  /** In preference order; default ['range']. */
  assignors?: Array<AssignorName | Assignor>;
  /** Commit handed-out positions every autoCommitIntervalMs, before rebalances and on close (default false). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Where partitions without a committed offset start (and where OFFSET_OUT_OF_RANGE goes); default 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** Shorthand for autoOffsetReset 'earliest'. */
  fromBeginning?: boolean;
  /** How often subscribed topics are checked for new partitions (Kafka's metadata.max.age.ms); default 300000. */
  metadataMaxAgeMs?: number;
  /** Ask the broker to create subscribed topics that do not exist (default false). */
  allowAutoTopicCreation?: boolean;
  /** Bounds close()'s network work (commits in callbacks, LeaveGroup) when the coordinator is unreachable; default 30000. */
  closeTimeoutMs?: number;
  /** Diagnostics: one line per membership event. */
  log?: (line: string) => void;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  /** The next offset to consume, as Kafka commits it. */
  offset: number;
  metadata?: string | null;
}

/** What a transactional producer's sendOffsetsToTransaction needs to be fenced with this member (KIP-447). */
export interface GroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface GroupRunHandlers {
  eachBatch?: (batch: ConsumerBatch) => void | Promise<void>;
  eachRecord?: (record: ConsumerRecord) => void | Promise<void>;
}

/**
 * A commit the group refused because this member's generation is over (the group rebalanced or
 * expelled it): the partitions may belong to another member now and the offsets were not stored.
 * `reason` is the Kafka error (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID).
 */
export class CommitFailedError extends KafkaClientError {
  override name = 'CommitFailedError';
  constructor(
    readonly reason: string,
    message: string,
    cause?: unknown,
  ) {
    super('COMMIT_FAILED', message, { cause });
  }
}

const PROTOCOL_TYPE = 'consumer';
/** The consumer protocol versions written: subscription v3 (owned partitions, generation, rack), assignment v1. */
const SUBSCRIPTION_VERSION = 3;
const ASSIGNMENT_VERSION = 1;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MAX_MS = 1000;
const MISSING_TOPIC_CHECK_MS = 3000;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const tpOf = (k: string): TopicPartition => {
  const i = k.lastIndexOf('\u0000');
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sortTps = (tps: TopicPartition[]) => tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));

/** Errors that mean the coordinator moved or is unreachable: find it again. */
function isCoordinatorError(code: number): boolean {
  return code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

function isTransportError(err: unknown): boolean {
  return err instanceof KafkaClientError && !(err instanceof KafkaProtocolError) && err.retriable;
}

export function encodeSubscription(sub: { topics: string[]; userData?: Buffer | null; ownedPartitions: TopicPartition[]; generationId: number; rackId?: string | null }): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of sub.ownedPartitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  const w = new Writer();
  w.int16(SUBSCRIPTION_VERSION);
  writeConsumerProtocolSubscription(w, SUBSCRIPTION_VERSION, {
    topics: sub.topics,
    userData: sub.userData ?? null,
    ownedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    generationId: sub.generationId,
    rackId: sub.rackId ?? null,
  });
  return w.toBuffer();
}

/** A member's JoinGroup metadata; newer versions than ours are read as ours (the format only grows). */
export function decodeSubscription(memberId: string, groupInstanceId: string | null, metadata: Buffer): MemberSubscription | null {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const s = readConsumerProtocolSubscription(r, Math.min(version, SUBSCRIPTION_VERSION));
    return {
      memberId,
      groupInstanceId,
      topics: s.topics,
      userData: s.userData,
      ownedPartitions: s.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
      generationId: s.generationId,
      rackId: s.rackId,
    };
  } catch {
    return null;
  }
}

export function encodeAssignment(partitions: TopicPartition[], userData: Buffer | null = null): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  const w = new Writer();
  w.int16(ASSIGNMENT_VERSION);
  writeConsumerProtocolAssignment(w, ASSIGNMENT_VERSION, { assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), userData });
  return w.toBuffer();
}

export function decodeAssignment(bytes: Buffer): TopicPartition[] {
  // An empty assignment may come as no bytes at all (a member the leader did not know about).
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  const version = r.int16();
  const a = readConsumerProtocolAssignment(r, Math.max(0, version));
  return a.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}

type Mode = 'run' | 'iterator';

export class GroupConsumer {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly groupAdmin: GroupAdmin;
  private readonly assignors: Assignor[];
  private readonly protocol: RebalanceProtocol;
  private readonly opts: {
    groupInstanceId: string | null;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    heartbeatIntervalMs: number;
    autoCommit: boolean;
    autoCommitIntervalMs: number;
    autoOffsetReset: 'earliest' | 'latest' | 'none';
    metadataMaxAgeMs: number;
    allowAutoTopicCreation: boolean;
    closeTimeoutMs: number;
  };
  private readonly log: (line: string) => void;

  private topics: string[] = [];
  private listener: RebalanceListener = {};

  // Membership.
  private memberId = '';
  private generationId = -1;
  private protocolName: string | null = null;
  private isLeader = false;
  /** Non-null when the loop must rejoin before the next fetch. */
  private rejoinReason: string | null = null;
  /** Between sending JoinGroup and SyncGroup's answer: commits cannot be made now. */
  private joining = false;
  /** A fatal error (fenced static member, inconsistent protocol); the loop throws it. */
  private fatal: Error | null = null;

  // Partitions.
  private readonly owned = new Map<string, TopicPartition>();
  /** Per owned partition: the offset after the last record handed out (what commit() commits). */
  private readonly consumed = new Map<string, number>();
  /** Owned partitions still waiting for their committed offset. */
  private readonly unpositioned = new Set<string>();
  /** Partitions the caller seeked since the current round was fetched: the round's data is stale. */
  private readonly seekedThisRound = new Set<string>();
  private readonly pausedSet = new Set<string>();

  // Coordinator connection and heartbeats.
  private coordinator: Connection | null = null;
  private coordinatorLookup: Promise<Connection> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatToken: object | null = null;

  // Housekeeping of the loop.
  private lastAutoCommitAt = Date.now();
  private lastMetadataCheckAt = Date.now();
  /** Partition counts the current assignment was made from (all group topics when leader). */
  private metadataSnapshot: Map<string, number> | null = null;
  private watchedTopics: string[] = [];

  // The consuming loop and closing.
  private closed = false;
  private loopRunning = false;
  private mode: Mode = 'iterator';
  private loopExited: Promise<void> = Promise.resolve();
  private resolveLoopExited: () => void = () => {};
  /** Since when a batch has been in the caller's hands (null: none). */
  private inHandSince: number | null = null;
  private shutdownPromise: Promise<void> | null = null;
  /** Set when closing starts: coordinator requests give up after it. */
  private closeDeadline = Infinity;
  private shutdownDone = false;
  /** Set while a handler or rebalance callback runs, so close() from inside it does not wait for itself. */
  private readonly insideCallback = new AsyncLocalStorage<boolean>();
  private callbacksRunning = 0;

  constructor(
    private readonly cluster: Cluster,
    options: GroupConsumerOptions,
  ) {
    if (!options.groupId) throw new KafkaClientError('INVALID_GROUP_ID', 'groupId is required');
    this.groupId = options.groupId;
    const autoOffsetReset = options.autoOffsetReset ?? (options.fromBeginning ? 'earliest' : 'latest');
    this.opts = {
      groupInstanceId: options.groupInstanceId ?? null,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
      autoCommit: options.autoCommit ?? false,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
      autoOffsetReset,
      metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000,
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
      closeTimeoutMs: options.closeTimeoutMs ?? 30_000,
    };
    this.assignors = (options.assignors ?? ['range']).map((a) => {
      if (typeof a !== 'string') return a;
      const found = BUILTIN_ASSIGNORS[a];
      if (!found) throw new KafkaClientError('INVALID_CONFIG', `unknown assignor "${a}" (known: ${Object.keys(BUILTIN_ASSIGNORS).join(', ')})`);
      return found;
    });
    if (this.assignors.length === 0) throw new KafkaClientError('INVALID_CONFIG', 'at least one assignor is required');
    // Kafka's rule: cooperative only when every assignor supports it, so a group can move from eager
    // to cooperative with a rolling restart that lists both.
    this.protocol = this.assignors.every((a) => a.supportedProtocols.includes('cooperative')) ? 'cooperative' : 'eager';
    this.log = options.log ?? (() => {});
    const { groupInstanceId: _g, sessionTimeoutMs: _s, rebalanceTimeoutMs: _r, heartbeatIntervalMs: _h, assignors: _a, autoCommit: _c, autoCommitIntervalMs: _ci,
      fromBeginning: _f, metadataMaxAgeMs: _m, allowAutoTopicCreation: _t, closeTimeoutMs: _ct, log: _l, groupId: _id, ...consumerOptions } = options;
    this.consumer = new Consumer(cluster, { ...consumerOptions, autoOffsetReset });
    this.groupAdmin = new GroupAdmin(cluster);
  }

  // ------------------------------------------------------------------------------------ public API

  /** Sets the topics to consume (replacing earlier ones) and the rebalance callbacks; takes effect at the next rebalance. */
  subscribe(topics: string[], listener: RebalanceListener = {}): void {
    this.throwIfClosed();
    const next = [...new Set(topics)].sort();
    if (next.length === 0) throw new KafkaClientError('INVALID_CONFIG', 'subscribe needs at least one topic');
    const changed = next.join('\u0000') !== this.topics.join('\u0000');
    this.topics = next;
    this.listener = listener;
    if (changed && this.memberId !== '') this.requestRejoin('subscription changed');
  }

  /** The partitions this member owns now. */
  assignment(): TopicPartition[] {
    return sortTps([...this.owned.values()].map((tp) => ({ ...tp })));
  }

  groupMetadata(): GroupMetadata {
    return { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.opts.groupInstanceId };
  }

  /** The next offset to hand out for an owned partition (undefined while it is not known yet). */
  position(topic: string, partition: number): number | undefined {
    return this.consumed.get(key(topic, partition));
  }

  /** Moves an owned partition; takes effect for the next records handed out (also from onPartitionsAssigned). */
  seek(topic: string, partition: number, offset: number | 'earliest' | 'latest'): void {
    const k = key(topic, partition);
    if (!this.owned.has(k)) throw new KafkaClientError('NOT_ASSIGNED', `topic ${topic} partition ${partition} is not assigned to this member`);
    this.consumer.seek(topic, partition, offset);
    // Positioned by the caller: no committed offset needed, and no longer held back waiting for one.
    if (this.unpositioned.delete(k) && !this.pausedSet.has(k)) this.consumer.resume([{ topic, partition }]);
    this.seekedThisRound.add(k);
    if (typeof offset === 'number') this.consumed.set(k, offset);
    else this.consumed.delete(k);
  }

  /**
   * Stops fetching owned partitions until resume(); positions and ownership stay. A pause lasts while
   * the partition stays assigned: one revoked and assigned again comes back unpaused, as in Kafka.
   */
  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const k = key(tp.topic, tp.partition);
      if (!this.owned.has(k)) throw new KafkaClientError('NOT_ASSIGNED', `topic ${tp.topic} partition ${tp.partition} is not assigned to this member`);
      this.pausedSet.add(k);
    }
    this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.pausedSet.delete(key(tp.topic, tp.partition));
    this.consumer.resume(partitions);
  }

  paused(): TopicPartition[] {
    return sortTps([...this.pausedSet].map(tpOf));
  }

  /**
   * Commits offsets with this member's generation: by default the positions of everything handed out
   * from the owned partitions. Throws CommitFailedError when the group has moved on (the offsets were
   * not stored; the partitions may belong to someone else now).
   */
  async commit(offsets?: OffsetToCommit[]): Promise<void> {
    if (this.fatal) throw this.fatal;
    const list = offsets ?? [...this.consumed].filter(([k]) => this.owned.has(k)).map(([k, offset]) => ({ ...tpOf(k), offset }));
    if (list.length === 0) return;
    if (this.joining) {
      throw new CommitFailedError('REBALANCE_IN_PROGRESS', `commit of group ${this.groupId} refused: the member is rejoining the group; commit again after the rebalance (offsets already handed over in onPartitionsRevoked are safe)`);
    }
    if (this.generationId < 0 || this.memberId === '') {
      throw new CommitFailedError('UNKNOWN_MEMBER_ID', `commit of group ${this.groupId} refused: this consumer is not a member of an active generation of the group`);
    }
    await this.commitOffsets(list);
  }

  /** The group's committed offsets for the partitions (-1 where none), waiting for pending transactional commits. */
  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string | null }>> {
    const found = await this.fetchCommitted(partitions);
    return partitions.map((tp) => {
      const c = found.get(key(tp.topic, tp.partition));
      return { topic: tp.topic, partition: tp.partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? null };
    });
  }

  /**
   * Consumes until close(), calling the handlers for every batch (then every record). A handler that
   * throws stops the loop and rejects run(); the partition's position goes back to the first record
   * not processed, so a later commit does not skip it.
   */
  async run(handlers: GroupRunHandlers): Promise<void> {
    this.mode = 'run';
    const it = this.batches();
    try {
      for await (const b of it) {
        await this.insideCallback.run(true, () => this.handleBatch(b, handlers));
      }
    } finally {
      this.mode = 'iterator';
    }
  }

  private async handleBatch(b: ConsumerBatch, handlers: GroupRunHandlers): Promise<void> {
    const k = key(b.topic, b.partition);
    const after = this.consumed.get(k);
    try {
      if (handlers.eachBatch) await handlers.eachBatch(b);
    } catch (err) {
      this.rewind(k, b.records[0]!.offset);
      throw err;
    }
    if (!handlers.eachRecord) return;
    for (let i = 0; i < b.records.length; i++) {
      const r = b.records[i]!;
      this.consumed.set(k, r.offset + 1);
      try {
        await handlers.eachRecord(r);
      } catch (err) {
        this.rewind(k, r.offset);
        throw err;
      }
      // The handler moved this partition: the rest of the batch is stale.
      if (this.seekedThisRound.has(k)) return;
      const next = b.records[i + 1];
      if (next && (this.closed || this.rejoinReason !== null || this.fatal) && this.owned.has(k)) {
        this.rewind(k, next.offset);
        return;
      }
    }
    if (after !== undefined && this.owned.has(k)) this.consumed.set(k, after);
  }

  /** Puts a partition's position back to an offset not processed yet. */
  private rewind(k: string, offset: number): void {
    if (!this.owned.has(k) || this.seekedThisRound.has(k)) return;
    const { topic, partition } = tpOf(k);
    this.consumer.seek(topic, partition, offset);
    this.consumed.set(k, offset);
  }

  /** Batches of the owned partitions until close() (or a fatal group error, which it throws). */
  async *batches(): AsyncGenerator<ConsumerBatch, void, undefined> {
    if (this.loopRunning) throw new KafkaClientError('ALREADY_RUNNING', `group consumer ${this.groupId} is already consuming`);
    if (this.topics.length === 0) throw new KafkaClientError('NOT_SUBSCRIBED', 'subscribe() before consuming');
    this.throwIfClosed();
    this.loopRunning = true;
    this.loopExited = new Promise((resolve) => (this.resolveLoopExited = resolve));
    try {
      while (!this.closed) {
        const round = await this.nextRound();
        this.seekedThisRound.clear();
        // Positions after the round, for the partitions that returned data.
        const after = new Map<string, number | undefined>();
        for (const b of round) after.set(key(b.topic, b.partition), this.consumer.position(b.topic, b.partition));
        // Partitions that returned nothing may still have moved (past control batches): nothing to hand out there.
        for (const [k, tp] of this.owned) {
          if (after.has(k) || this.unpositioned.has(k)) continue;
          const p = this.consumer.position(tp.topic, tp.partition);
          if (p !== undefined) this.consumed.set(k, p);
        }
        for (const b of round) {
          const k = key(b.topic, b.partition);
          if (!this.owned.has(k) || this.seekedThisRound.has(k)) continue;
          if (this.closed || this.rejoinReason !== null || this.fatal || this.pausedSet.has(k)) {
            // Not handed out: fetch it again when (and if) the partition is consumed again.
            this.consumer.seek(b.topic, b.partition, b.records[0]!.offset);
            continue;
          }
          const position = after.get(k);
          if (position !== undefined) this.consumed.set(k, position);
          this.inHandSince = Date.now();
          try {
            yield b;
          } finally {
            this.inHandSince = null;
          }
        }
      }
    } finally {
      this.loopRunning = false;
      try {
        if (this.closed) await this.shutdown();
      } finally {
        this.resolveLoopExited();
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    for await (const b of this.batches()) {
      for (const r of b.records) yield r;
    }
  }

  /**
   * Leaves the group: stops the loop (waiting for the handler running in run(), unless called from
   * inside one), commits if autoCommit, runs onPartitionsRevoked, sends LeaveGroup (not for a static
   * member, whose partitions wait for it until its session times out).
   */
  async close(): Promise<void> {
    if (this.closed) return this.insideCallback.getStore() ? undefined : (this.shutdownPromise ?? this.loopExited);
    this.closed = true;
    // A join parked at the coordinator would hold the loop for up to the rebalance timeout.
    if (this.joining) this.coordinator?.destroy();
    if (this.insideCallback.getStore()) return; // the loop finishes the close once the callback returns
    if (this.loopRunning && !(this.mode === 'iterator' && this.inHandSince !== null)) {
      if (this.inHandSince !== null || this.callbacksRunning > 0) {
        // The caller's code is running in the loop: the loop closes once it returns.
        await this.loopExited;
        return;
      }
      // The loop is in network work (a retry against an unreachable broker may take long): it hands
      // nothing out any more and starts no callback once closed, so the close need not wait for it.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        this.loopExited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.min(this.opts.closeTimeoutMs, 1000)))),
      ]);
      clearTimeout(timer);
      if (!gaveUp) return;
    }
    await this.shutdown();
  }

  // ---------------------------------------------------------------------------------- the loop's work

  /** Housekeeping, rebalances, then one fetch round. */
  private async nextRound(): Promise<ConsumerBatch[]> {
    let backoff = RETRY_BACKOFF_MS;
    for (;;) {
      if (this.fatal) throw this.fatal;
      if (this.closed) return [];
      try {
        if (this.rejoinReason !== null || this.generationId < 0) {
          await this.rebalance();
          continue;
        }
        if (this.unpositioned.size > 0) await this.positionFromCommitted();
        await this.maybeAutoCommit();
        await this.maybeCheckMetadata();
        if (this.rejoinReason !== null) continue;
        const round = await this.consumer.poll();
        return round;
      } catch (err) {
        if (this.closed) return [];
        if (this.fatal) throw this.fatal;
        if (!isRetriable(err)) throw err;
        this.log(`group ${this.groupId}: ${(err as Error).message}; retrying`);
        this.cluster.invalidate();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX_MS);
      }
    }
  }

  private requestRejoin(reason: string): void {
    if (this.rejoinReason === null) {
      this.rejoinReason = reason;
      this.log(`group ${this.groupId}: rejoin requested (${reason})`);
    }
  }

  /** Forgets the generation (the member id stays, so the coordinator knows the rejoining member). */
  private resetGeneration(): void {
    this.generationId = -1;
  }

  /** Forgets the membership altogether: the next join is a new member's. */
  private resetMember(): void {
    this.memberId = '';
    this.generationId = -1;
  }

  private get generationValid(): boolean {
    return this.generationId >= 0 && this.memberId !== '';
  }

  /** Runs a rebalance callback; close() inside it must not wait for the loop that awaits it. */
  private async callback(name: 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost', partitions: TopicPartition[]): Promise<void> {
    const fn = name === 'onPartitionsLost' ? (this.listener.onPartitionsLost ?? this.listener.onPartitionsRevoked) : this.listener[name];
    this.log(`group ${this.groupId}: ${name} ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '(none)'}`);
    if (!fn) return;
    this.callbacksRunning++;
    try {
      await this.insideCallback.run(true, () => fn.call(this.listener, sortTps(partitions.map((tp) => ({ ...tp })))));
    } finally {
      this.callbacksRunning--;
    }
  }

  /** Drops partitions from the assignment (after their callback ran). */
  private disown(keys: string[]): void {
    for (const k of keys) {
      this.owned.delete(k);
      this.consumed.delete(k);
      this.unpositioned.delete(k);
      this.pausedSet.delete(k);
    }
    this.assignConsumer();
  }

  /** Hands the owned partitions to the fetcher, keeping the positions of those it already has. */
  private assignConsumer(): void {
    const list = [...this.owned].map(([k, tp]) => {
      const position = this.consumer.position(tp.topic, tp.partition) ?? this.consumed.get(k);
      // Unpositioned partitions get a placeholder; they stay paused until their committed offset is known.
      return { topic: tp.topic, partition: tp.partition, offset: position ?? (this.unpositioned.has(k) ? 0 : this.opts.autoOffsetReset === 'earliest' ? 'earliest' as const : 'latest' as const) };
    });
    this.consumer.assign(list);
    const paused = [...this.owned].filter(([k]) => this.pausedSet.has(k) || this.unpositioned.has(k)).map(([, tp]) => tp);
    this.consumer.pause(paused);
  }

  /** Kafka's onJoinPrepare, the join and sync, then onJoinComplete. */
  private async rebalance(): Promise<void> {
    let backoff = RETRY_BACKOFF_MS;
    for (;;) {
      if (this.closed) return;
      await this.prepareJoin();
      if (this.closed) return;
      const result = await this.joinAndSync();
      if (this.fatal) throw this.fatal;
      if (this.closed) return;
      if (Array.isArray(result)) {
        await this.completeJoin(result);
        return;
      }
      if (result === 'now') continue;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX_MS);
    }
  }

  private async prepareJoin(): Promise<void> {
    if (this.owned.size === 0) return;
    if (!this.generationValid) {
      // Fenced or expelled: someone else may own these already; nothing can be committed for them.
      const lost = [...this.owned.keys()];
      this.disown(lost);
      await this.callback('onPartitionsLost', lost.map(tpOf));
      return;
    }
    if (this.opts.autoCommit) await this.commitQuietly();
    // Closed during the commit: close() revokes them itself.
    if (this.closed) return;
    if (this.protocol === 'eager') {
      const all = [...this.owned.keys()];
      // Revoked first, dropped after: the callback may still commit their positions.
      await this.callback('onPartitionsRevoked', all.map(tpOf));
      this.disown(all);
    } else {
      const subscribed = new Set(this.topics);
      const gone = [...this.owned].filter(([, tp]) => !subscribed.has(tp.topic)).map(([k]) => k);
      if (gone.length > 0) {
        await this.callback('onPartitionsRevoked', gone.map(tpOf));
        this.disown(gone);
      }
    }
  }

  /** One JoinGroup + SyncGroup: the assignment, or when to try again ('now' or after a backoff). */
  private async joinAndSync(): Promise<TopicPartition[] | 'now' | 'later'> {
    this.stopHeartbeat();
    let conn: Connection;
    try {
      conn = await this.coordinatorConnection();
    } catch (err) {
      if (!isRetriable(err)) throw err;
      return 'later';
    }
    const reason = this.rejoinReason;
    this.rejoinReason = null;
    this.joining = true;
    try {
      const timeoutMs = Math.max(this.cluster.requestTimeoutMs, this.opts.rebalanceTimeoutMs + 5000);
      // Owned partitions and their generation matter to cooperative assignors only; eager members own
      // nothing when they join, and a constant generation keeps a restarted static member's metadata
      // identical to its predecessor's (coordinators may rebalance when it differs).
      const cooperative = this.protocol === 'cooperative';
      const metadata = encodeSubscription({ topics: this.topics, ownedPartitions: cooperative ? [...this.owned.values()] : [], generationId: cooperative ? this.generationId : -1 });
      const join = await conn.send(
        ApiKeys.JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: this.opts.sessionTimeoutMs,
          rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.opts.groupInstanceId,
          protocolType: PROTOCOL_TYPE,
          protocols: this.assignors.map((a) => ({ name: a.name, metadata })),
          reason,
        },
        { timeoutMs },
      );
      if (join.errorCode !== 0) return this.onJoinError('JoinGroup', join.errorCode, join.memberId);
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      this.protocolName = join.protocolName;
      this.isLeader = join.leader === join.memberId;
      this.log(`group ${this.groupId}: joined generation ${join.generationId} as ${join.memberId}${this.isLeader ? ' (leader)' : ''}, protocol ${join.protocolName}`);
      let assignments: { memberId: string; assignment: Buffer }[] = [];
      if (this.isLeader && !join.skipAssignment) assignments = await this.performAssignment(join.protocolName, join.members);
      const sync = await conn.send(
        ApiKeys.SyncGroup,
        {
          groupId: this.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: this.opts.groupInstanceId,
          protocolType: PROTOCOL_TYPE,
          protocolName: this.protocolName,
          assignments,
        },
        { timeoutMs },
      );
      if (sync.errorCode !== 0) return this.onJoinError('SyncGroup', sync.errorCode, this.memberId);
      const assigned = decodeAssignment(sync.assignment);
      const subscribed = new Set(this.topics);
      // A leader of another client could hand out topics we did not ask for: take only ours.
      return assigned.filter((tp) => subscribed.has(tp.topic));
    } catch (err) {
      if (this.closed) return 'later';
      if (isTransportError(err)) {
        this.log(`group ${this.groupId}: ${(err as Error).message}; finding the coordinator again`);
        this.dropCoordinator();
        this.requestRejoin(reason ?? 'coordinator connection lost');
        return 'later';
      }
      throw err;
    } finally {
      this.joining = false;
    }
  }

  /** Sets up the retry a JoinGroup / SyncGroup error calls for (Kafka's handling); fatal ones end the consumer. */
  private onJoinError(api: string, code: number, memberId: string): 'now' | 'later' {
    const name = errorName(code);
    this.log(`group ${this.groupId}: ${api} answered ${name}`);
    this.requestRejoin(`${api} answered ${name}`);
    switch (code) {
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.memberId = memberId;
        return 'now';
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return 'now';
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetMember();
        return 'now';
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration();
        return 'now';
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return 'later';
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.dropCoordinator();
        return 'later';
      default:
        // FENCED_INSTANCE_ID (another process runs with our group.instance.id), INCONSISTENT_GROUP_PROTOCOL,
        // INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED, authorization: retrying cannot help.
        this.fatal = kafkaError(code, `${api} of group ${this.groupId}`);
        return 'later';
    }
  }

  /** The leader's part: decode the members' subscriptions and run the chosen assignor. */
  private async performAssignment(protocolName: string, members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (!assignor) throw new KafkaClientError('INCONSISTENT_GROUP_PROTOCOL', `the coordinator chose assignor "${protocolName}", which this member does not have`);
    const subscriptions: MemberSubscription[] = [];
    for (const m of members) {
      const s = decodeSubscription(m.memberId, m.groupInstanceId, m.metadata);
      if (s) subscriptions.push(s);
      else this.log(`group ${this.groupId}: member ${m.memberId} sent unreadable consumer-protocol metadata; it gets nothing`);
    }
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))].sort();
    const counts = await this.partitionCounts(topics);
    this.metadataSnapshot = counts;
    this.watchedTopics = topics;
    const result = assignor.assign(subscriptions, counts);
    this.log(`group ${this.groupId}: ${assignor.name} assignment: ${[...result].map(([id, tps]) => `${id}=[${tps.map((tp) => `${tp.topic}-${tp.partition}`).join(',')}]`).join(' ')}`);
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? []) }));
  }

  private async completeJoin(assigned: TopicPartition[]): Promise<void> {
    this.startHeartbeat();
    if (!this.isLeader) {
      this.watchedTopics = [...this.topics];
      this.metadataSnapshot = await this.partitionCounts(this.watchedTopics).catch(() => null);
    }
    // Closed meanwhile: close() may be revoking already; the assignment is not taken up.
    if (this.closed) return;
    this.lastMetadataCheckAt = Date.now();
    const assignedKeys = new Set(assigned.map((tp) => key(tp.topic, tp.partition)));
    if (this.protocol === 'cooperative') {
      const revoked = [...this.owned.keys()].filter((k) => !assignedKeys.has(k));
      if (revoked.length > 0) {
        if (this.opts.autoCommit) await this.commitQuietly();
        await this.callback('onPartitionsRevoked', revoked.map(tpOf));
        this.disown(revoked);
        // The partitions go to their new owner in the next round, which this rejoin starts.
        this.requestRejoin('partitions revoked in a cooperative rebalance');
      }
    }
    const added = assigned.filter((tp) => !this.owned.has(key(tp.topic, tp.partition)));
    for (const tp of added) {
      const k = key(tp.topic, tp.partition);
      this.owned.set(k, { topic: tp.topic, partition: tp.partition });
      this.unpositioned.add(k);
    }
    this.assignConsumer();
    this.log(`group ${this.groupId}: generation ${this.generationId} owns ${this.assignment().map((tp) => `${tp.topic}-${tp.partition}`).join(',') || 'nothing'}`);
    await this.callback('onPartitionsAssigned', added);
    if (this.closed || this.fatal) return;
    await this.positionFromCommitted();
  }

  /** Positions the partitions assigned without a position at their committed offsets, else autoOffsetReset. */
  private async positionFromCommitted(): Promise<void> {
    const keys = [...this.unpositioned];
    if (keys.length === 0) return;
    const committed = await this.fetchCommitted(keys.map(tpOf), true);
    for (const k of keys) {
      if (!this.unpositioned.has(k)) continue; // seeked meanwhile
      const { topic, partition } = tpOf(k);
      const c = committed.get(k);
      if (c && c.offset >= 0) {
        this.consumer.seek(topic, partition, c.offset);
        this.consumed.set(k, c.offset);
      } else if (this.opts.autoOffsetReset === 'none') {
        throw new KafkaClientError('NO_OFFSET', `group ${this.groupId} has no committed offset for ${topic}-${partition} and autoOffsetReset is 'none'`);
      } else {
        this.consumer.seek(topic, partition, this.opts.autoOffsetReset);
        this.consumed.delete(k);
      }
      this.unpositioned.delete(k);
      if (!this.pausedSet.has(k)) this.consumer.resume([{ topic, partition }]);
    }
  }

  /** OffsetFetch with requireStable: an offset pending in an open transaction is waited for, not skipped. */
  private async fetchCommitted(partitions: TopicPartition[], yieldToRebalance = false): Promise<Map<string, { offset: number; metadata: string | null }>> {
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    let backoff = RETRY_BACKOFF_MS;
    for (;;) {
      if (this.closed) throw new KafkaClientError('CLOSED', `group consumer ${this.groupId} is closed`);
      let retry: string | null = null;
      try {
        const conn = await this.coordinatorConnection();
        const res = await conn.send(ApiKeys.OffsetFetch, {
          groupId: this.groupId,
          topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          requireStable: true,
        });
        if (res.errorCode) {
          if (isCoordinatorError(res.errorCode)) this.dropCoordinator();
          const err = kafkaError(res.errorCode, `OffsetFetch of group ${this.groupId}`);
          if (!err.retriable) throw err;
          retry = err.message;
        } else {
          const out = new Map<string, { offset: number; metadata: string | null }>();
          for (const t of res.topics) {
            for (const p of t.partitions) {
              if (p.errorCode === 0) {
                out.set(key(t.name, p.partitionIndex), { offset: p.committedOffset, metadata: p.metadata });
                continue;
              }
              if (isCoordinatorError(p.errorCode)) this.dropCoordinator();
              const err = kafkaError(p.errorCode, `OffsetFetch of group ${this.groupId} for ${t.name}-${p.partitionIndex}`);
              // UNSTABLE_OFFSET_COMMIT: a transaction holds an offset for it; wait for its outcome.
              if (!err.retriable) throw err;
              retry = err.message;
            }
          }
          if (retry === null) return out;
        }
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (isTransportError(err)) this.dropCoordinator();
        retry = (err as Error).message;
      }
      this.log(`group ${this.groupId}: ${retry}; retrying`);
      // A transaction may hold an offset for long: a rebalance meanwhile goes first (the loop comes back here).
      if (yieldToRebalance && this.rejoinReason !== null) throw new KafkaClientError('REBALANCE_IN_PROGRESS', `group ${this.groupId} rebalances before the committed offsets are known`, { retriable: true });
      await sleep(backoff);
      backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX_MS);
    }
  }

  private async commitOffsets(list: OffsetToCommit[]): Promise<void> {
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[]>();
    for (const o of list) {
      let parts = byTopic.get(o.topic);
      if (!parts) byTopic.set(o.topic, (parts = []));
      parts.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' });
    }
    const generationId = this.generationId;
    const memberId = this.memberId;
    let backoff = RETRY_BACKOFF_MS;
    for (let attempt = 0; ; attempt++) {
      let retry: Error | null = null;
      try {
        const conn = await this.coordinatorConnection();
        const res = await this.beforeCloseDeadline(conn.send(ApiKeys.OffsetCommit, {
          groupId: this.groupId,
          generationIdOrMemberEpoch: generationId,
          memberId,
          groupInstanceId: this.opts.groupInstanceId,
          retentionTimeMs: -1,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        }));
        for (const t of res.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === 0) continue;
            const err = kafkaError(p.errorCode, `OffsetCommit of group ${this.groupId} for ${t.name}-${p.partitionIndex}`);
            this.onCommitError(p.errorCode, generationId, memberId, err);
            retry = err;
          }
        }
        if (retry === null) return;
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (isTransportError(err)) this.dropCoordinator();
        retry = err as Error;
      }
      if (attempt >= 8 || Date.now() >= this.closeDeadline) throw retry;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX_MS);
    }
  }

  /** Throws for errors not worth retrying; returns for retriable ones. */
  private onCommitError(code: number, generationId: number, memberId: string, err: KafkaProtocolError): void {
    const unchanged = this.generationId === generationId && this.memberId === memberId;
    const failed = (reason: string, what: string) =>
      new CommitFailedError(reason, `commit of group ${this.groupId} failed: ${what} (${reason}); the offsets were not stored and the partitions may belong to another member now`, err);
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('a commit met a rebalance');
        throw failed('REBALANCE_IN_PROGRESS', 'the group is rebalancing; commit the offsets of partitions being given up in onPartitionsRevoked');
      case ErrorCode.ILLEGAL_GENERATION:
        if (unchanged) {
          this.resetGeneration();
          this.requestRejoin('a commit met ILLEGAL_GENERATION');
        }
        throw failed('ILLEGAL_GENERATION', `generation ${generationId} is over`);
      case ErrorCode.UNKNOWN_MEMBER_ID:
        if (unchanged) {
          this.resetMember();
          this.requestRejoin('a commit met UNKNOWN_MEMBER_ID');
        }
        throw failed('UNKNOWN_MEMBER_ID', 'the coordinator no longer knows this member (its session expired)');
      case ErrorCode.FENCED_INSTANCE_ID:
        this.fatal = err;
        throw err;
      default:
        if (isCoordinatorError(code)) this.dropCoordinator();
        if (!err.retriable) throw err;
    }
  }

  private async commitQuietly(): Promise<void> {
    try {
      await this.commit();
    } catch (err) {
      this.log(`group ${this.groupId}: auto-commit failed: ${(err as Error).message}`);
    }
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.opts.autoCommit || Date.now() - this.lastAutoCommitAt < this.opts.autoCommitIntervalMs) return;
    this.lastAutoCommitAt = Date.now();
    await this.commitQuietly();
  }

  /** New partitions of a watched topic (or a watched topic appearing) need a new assignment. */
  private async maybeCheckMetadata(): Promise<void> {
    // A subscribed topic that does not exist yet is looked for more often, so a job started before
    // its input topic picks it up within seconds.
    const missing = this.metadataSnapshot !== null && this.watchedTopics.some((t) => !this.metadataSnapshot!.has(t));
    const maxAge = missing ? Math.min(this.opts.metadataMaxAgeMs, MISSING_TOPIC_CHECK_MS) : this.opts.metadataMaxAgeMs;
    if (Date.now() - this.lastMetadataCheckAt < maxAge) return;
    this.lastMetadataCheckAt = Date.now();
    const counts = await this.partitionCounts(this.watchedTopics);
    const before = this.metadataSnapshot;
    if (!before) {
      this.metadataSnapshot = counts;
      return;
    }
    for (const t of new Set([...counts.keys(), ...before.keys()])) {
      if (counts.get(t) !== before.get(t)) {
        this.requestRejoin(`topic ${t} now has ${counts.get(t) ?? 'no'} partitions (had ${before.get(t) ?? 'none'})`);
        return;
      }
    }
  }

  private async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const res = await this.cluster.refreshMetadata(topics, this.opts.allowAutoTopicCreation);
    for (const t of res.topics) {
      if (t.name !== null && t.errorCode === 0 && t.partitions.length > 0) counts.set(t.name, t.partitions.length);
    }
    return counts;
  }

  // ------------------------------------------------------------------------- coordinator, heartbeats

  private coordinatorConnection(): Promise<Connection> {
    if (this.coordinator && !this.coordinator.closed) return Promise.resolve(this.coordinator);
    if (!this.coordinatorLookup) {
      this.coordinatorLookup = (async () => {
        // GroupAdmin finds it (FindCoordinator, retried while offsets load); the connection is our own.
        const pooled = await this.groupAdmin.coordinator(this.groupId);
        const conn = await Connection.connect({ host: pooled.host, port: pooled.port, clientId: this.cluster.clientId, requestTimeoutMs: this.cluster.requestTimeoutMs });
        if (this.shutdownDone) {
          // Found after close() gave up waiting for it.
          conn.destroy();
          throw new KafkaClientError('CLOSED', `group consumer ${this.groupId} is closed`);
        }
        this.coordinator = conn;
        this.log(`group ${this.groupId}: coordinator is ${conn.address}`);
        return conn;
      })().finally(() => {
        this.coordinatorLookup = null;
      });
    }
    return this.beforeCloseDeadline(this.coordinatorLookup);
  }

  /** While closing, a request to an unreachable coordinator is abandoned at the close deadline. */
  private beforeCloseDeadline<T>(p: Promise<T>): Promise<T> {
    if (this.closeDeadline === Infinity) return p;
    const left = this.closeDeadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaClientError('CLOSE_TIMEOUT', `group consumer ${this.groupId}: close timed out reaching the coordinator`)), Math.max(0, left));
    });
    return Promise.race([p, expired]).finally(() => clearTimeout(timer));
  }

  private dropCoordinator(): void {
    const c = this.coordinator;
    this.coordinator = null;
    c?.destroy();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const token = {};
    this.heartbeatToken = token;
    const tick = async () => {
      if (this.heartbeatToken !== token) return;
      await this.heartbeatOnce();
      if (this.heartbeatToken !== token) return;
      this.heartbeatTimer = setTimeout(tick, this.opts.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    };
    this.heartbeatTimer = setTimeout(tick, this.opts.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    this.heartbeatToken = null;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeatOnce(): Promise<void> {
    if (!this.generationValid || this.joining || this.closed) return;
    // Kafka's max.poll.interval.ms: a caller stuck on one batch longer than the rebalance timeout
    // gives its partitions up, so the group is not held by it.
    if (this.inHandSince !== null && Date.now() - this.inHandSince > this.opts.rebalanceTimeoutMs) {
      this.log(`group ${this.groupId}: a batch has been in hand for over ${this.opts.rebalanceTimeoutMs} ms; leaving the group`);
      await this.leaveGroup('the consumer did not come back for more records within the rebalance timeout');
      this.resetMember();
      this.requestRejoin('poll timeout');
      return;
    }
    const generationId = this.generationId;
    const memberId = this.memberId;
    let code: number;
    try {
      const conn = await this.coordinatorConnection();
      const res = await conn.send(ApiKeys.Heartbeat, { groupId: this.groupId, generationId, memberId, groupInstanceId: this.opts.groupInstanceId });
      code = res.errorCode;
    } catch (err) {
      this.log(`group ${this.groupId}: heartbeat failed: ${(err as Error).message}`);
      if (isTransportError(err)) this.dropCoordinator();
      return;
    }
    if (code === 0) return;
    // The answer is about the generation it was sent with; a rebalance since then makes it moot.
    if (this.generationId !== generationId || this.memberId !== memberId || this.joining) return;
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('the group is rebalancing');
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration();
        this.requestRejoin('heartbeat answered ILLEGAL_GENERATION');
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetMember();
        this.requestRejoin('heartbeat answered UNKNOWN_MEMBER_ID');
        return;
      case ErrorCode.FENCED_INSTANCE_ID:
        this.fatal = kafkaError(code, `heartbeat of group ${this.groupId} (group.instance.id ${this.opts.groupInstanceId})`);
        this.stopHeartbeat();
        return;
      default:
        if (isCoordinatorError(code)) this.dropCoordinator();
        this.log(`group ${this.groupId}: heartbeat answered ${errorName(code)}`);
    }
  }

  private async leaveGroup(reason: string): Promise<void> {
    if (this.memberId === '' || this.opts.groupInstanceId !== null) return;
    try {
      const conn = await this.coordinatorConnection();
      const res = await this.beforeCloseDeadline(conn.send(ApiKeys.LeaveGroup, {
        groupId: this.groupId,
        memberId: this.memberId,
        members: [{ memberId: this.memberId, groupInstanceId: null, reason }],
      }));
      const code = res.errorCode || (res.members?.[0]?.errorCode ?? 0);
      this.log(`group ${this.groupId}: left the group${code ? ` (${errorName(code)})` : ''}`);
    } catch (err) {
      this.log(`group ${this.groupId}: LeaveGroup failed: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------------------------------ closing

  private shutdown(): Promise<void> {
    if (!this.shutdownPromise) this.shutdownPromise = this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.closed = true;
    this.closeDeadline = Date.now() + this.opts.closeTimeoutMs;
    this.stopHeartbeat();
    let failure: unknown;
    try {
      if (this.owned.size > 0) {
        const all = [...this.owned.keys()];
        if (this.generationValid && !this.fatal) {
          if (this.opts.autoCommit) await this.commitQuietly();
          await this.callback('onPartitionsRevoked', all.map(tpOf));
        } else {
          await this.callback('onPartitionsLost', all.map(tpOf));
        }
        this.disown(all);
      }
    } catch (err) {
      failure = err;
    }
    if (!(this.fatal instanceof KafkaProtocolError && this.fatal.errorCode === ErrorCode.FENCED_INSTANCE_ID)) await this.leaveGroup('the consumer is closing');
    this.resetMember();
    this.shutdownDone = true;
    this.dropCoordinator();
    await this.consumer.close();
    if (failure !== undefined) throw failure;
  }

  private throwIfClosed(): void {
    if (this.closed) throw new KafkaClientError('CLOSED', `group consumer ${this.groupId} is closed`);
  }
}
