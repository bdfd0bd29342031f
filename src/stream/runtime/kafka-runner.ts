// Runs a job on a Kafka cluster (Kappa's broker or any other), as Kafka Streams does:
//
// - Instances with the same applicationId form a consumer group (range assignment, so partition p of
//   every source topic goes to the same instance). Each partition number is a task with its own state.
// - State changes go to one compacted changelog topic, `<applicationId>-changelog`, partition p for
//   task p. A task given to an instance first replays its changelog partition (read_committed), then
//   resumes from the group's committed offsets; the committed offset's metadata carries the
//   partition's largest event time, so the watermark resumes where it was.
// - exactly_once (default): one transactional producer per instance; every commit interval the
//   outputs, the changelog writes and the input offsets (sendOffsetsToTransaction with the group's
//   generation, so a zombie instance is fenced) commit as one transaction. at_least_once: outputs and
//   changelog are flushed, then offsets are committed.
//
// Everything a task does happens on one logical thread: batches, commits and wall-clock ticks run
// one after another through `serial`.
import { randomUUID } from 'node:crypto';
import { KafkaClient } from '../../client/kafka-client.js';
import type { Admin } from '../../client/admin.js';
import type { ConsumerBatch } from '../../client/consumer.js';
import type { GroupConsumer } from '../../client/group-consumer.js';
import type { Producer } from '../../client/producer.js';
import type { StreamJob } from '../job.js';
import type { PlanNode, SourceSpec, TopicSourceSpec } from '../plan.js';
import { isPromise } from '../serdes.js';
import { checkCoPartitioning } from '../joins/co-partitioning.js';
import { decodeState, encodeState, StateBackend } from '../state/state-backend.js';
import { snapshotMetrics, type JobMetrics } from './metrics.js';
import { Task } from './task.js';
import { TopicWriter } from './topic-writer.js';

export type ProcessingGuarantee = 'exactly_once' | 'at_least_once';

export interface ClusterRunOptions {
  bootstrapServers: string;
  /** Default exactly_once. */
  processingGuarantee?: ProcessingGuarantee;
  /** How often a transaction commits (exactly_once, default 100 ms) or offsets are committed (default 1000 ms). */
  commitIntervalMs?: number;
  /**
   * A stable name for this instance: it becomes the group's static member id and the transactional
   * id, so a restarted instance takes its place at once (fencing the old one). Without it the instance
   * joins as a new member under a random id.
   */
  instanceId?: string;
  /** Group session timeout (default 10 s: a dead instance's tasks move within that). */
  sessionTimeoutMs?: number;
  /** Transaction timeout (default 10 s, as Kafka Streams sets it under exactly-once). */
  transactionTimeoutMs?: number;
  /**
   * How often records of the job's repartition topics below the committed offsets are deleted
   * (DeleteRecords), as Kafka Streams purges its repartition topics; default 30 s, 0 never.
   */
  repartitionPurgeIntervalMs?: number;
  /** What to do with a record the source's codec cannot read: fail the job (default) or skip it. */
  onDeserializationError?: 'fail' | 'skip';
  signal?: AbortSignal;
  log?: (line: string) => void;
}

interface SourceRef {
  node: PlanNode;
  spec: TopicSourceSpec;
  source: SourceSpec;
}

interface TaskState {
  task: Task;
  /** Next offset to process per source topic. */
  positions: Map<string, number>;
  /** For bounded sources: the offset each topic's partition ends at. */
  ends: Map<string, number>;
  /** Whether anything changed since the last commit. */
  dirty: boolean;
  ended: boolean;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const describeTps = (tps: ReadonlyArray<{ topic: string; partition: number }>) => (tps.length === 0 ? 'nothing' : tps.map((tp) => `${tp.topic}-${tp.partition}`).join(', '));

export class ClusterJobRunner {
  private readonly client: KafkaClient;
  private readonly admin: Admin;
  private readonly guarantee: ProcessingGuarantee;
  private readonly commitIntervalMs: number;
  private readonly instanceId: string;
  private readonly changelog: string;
  private readonly sources: SourceRef[];
  private readonly sourceByTopic = new Map<string, SourceRef>();
  private readonly tasks = new Map<number, TaskState>();
  private producer!: Producer;
  private writer!: TopicWriter;
  private consumer!: GroupConsumer;
  private queue: Promise<unknown> = Promise.resolve();
  private lastCommit = Date.now();
  private stopping = false;
  private failure: Error | undefined;
  private recordsIn = 0;
  private readonly log: (line: string) => void;
  private inTransaction = false;
  private lastEndCheck = 0;
  private readonly purger: RepartitionPurger | undefined;
  private readonly lag = new Map<string, number>();
  private finalMetrics: JobMetrics | undefined;

  constructor(private readonly job: StreamJob, private readonly opts: ClusterRunOptions) {
    this.client = new KafkaClient({ bootstrapServers: opts.bootstrapServers, clientId: job.applicationId });
    this.admin = this.client.admin();
    this.guarantee = opts.processingGuarantee ?? 'exactly_once';
    this.commitIntervalMs = opts.commitIntervalMs ?? (this.guarantee === 'exactly_once' ? 100 : 1000);
    this.instanceId = opts.instanceId ?? randomUUID().slice(0, 8);
    this.changelog = `${job.applicationId}-changelog`;
    this.log = opts.log ?? (() => {});
    this.sources = job.plan.topicSources().map((node) => ({ node, spec: node.source.spec, source: node.source }));
    for (const s of this.sources) {
      if (this.sourceByTopic.has(s.spec.topic)) throw new Error(`topic ${s.spec.topic} is read twice in one job: read it once and branch the stream`);
      this.sourceByTopic.set(s.spec.topic, s);
    }
    if (this.sources.length === 0) throw new Error('the job reads no topic: run it with runInMemory');
    if (job.plan.sources().length !== this.sources.length) throw new Error('a job on a cluster reads only topics (in-memory sources run with runInMemory)');
    const repartitions = new Set(job.plan.internalTopics().map((t) => t.topic));
    const purgeMs = opts.repartitionPurgeIntervalMs ?? 30_000;
    if (repartitions.size > 0 && purgeMs > 0) this.purger = new RepartitionPurger(this.admin, repartitions, purgeMs, this.log);
  }

  /** Every step of the job's single logical thread goes through here. */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async prepareTopics(): Promise<number> {
    const existing = new Set(await this.admin.listTopics({ includeInternal: false }));
    // Repartition topics: the job's own, created below with the changelog (plan.internalTopics()).
    const internal = new Map(this.job.plan.internalTopics().map((t) => [t.topic, t]));
    let partitions = 0;
    const counts = new Map<string, number>();
    for (const s of this.sources) {
      if (internal.has(s.spec.topic)) continue;
      if (!existing.has(s.spec.topic)) throw new Error(`source topic ${s.spec.topic} does not exist`);
      const [info] = await this.admin.describeTopics([s.spec.topic]);
      counts.set(s.spec.topic, info!.partitions.length);
      partitions = Math.max(partitions, info!.partitions.length);
    }
    for (const t of internal.values()) partitions = Math.max(partitions, t.partitions ?? 0);
    for (const t of internal.values()) counts.set(t.topic, t.partitions ?? partitions);
    checkCoPartitioning(this.job.plan, (topic) => counts.get(topic));
    const missing = [this.changelog, ...internal.keys(), ...this.job.writesTopics()].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await this.admin.createTopics(missing.map((name) => ({
        name,
        partitions: internal.get(name)?.partitions ?? partitions,
        ...(name === this.changelog ? { configs: { 'cleanup.policy': 'compact' } } : internal.has(name) ? { configs: internal.get(name)!.configs } : {}),
      }))).catch((err: Error) => {
        // Another instance may have created them first.
        if (!/already exists/i.test(err.message)) throw err;
      });
    }
    const [changelog] = await this.admin.describeTopics([this.changelog]);
    if (changelog!.partitions.length < partitions) {
      throw new Error(`changelog topic ${this.changelog} has ${changelog!.partitions.length} partitions, the sources ${partitions}: state of tasks beyond would have nowhere to go`);
    }
    return partitions;
  }

  async run(): Promise<{ recordsIn: number; metrics: JobMetrics }> {
    await this.prepareTopics();
    const eos = this.guarantee === 'exactly_once';
    const transactionalId = `${this.job.applicationId}-${this.instanceId}`;
    this.producer = this.client.producer({
      acks: -1,
      idempotent: true,
      lingerMs: 1,
      ...(eos ? { transactionalId, transactionTimeoutMs: this.opts.transactionTimeoutMs ?? 10_000 } : {}),
    });
    if (eos) await this.producer.initTransactions();
    this.writer = new TopicWriter(this.producer);
    this.consumer = this.client.groupConsumer({
      groupId: this.job.applicationId,
      ...(this.opts.instanceId ? { groupInstanceId: this.opts.instanceId } : {}),
      sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: 30_000,
      heartbeatIntervalMs: 1000,
      assignors: ['range'],
      autoCommit: false,
      isolationLevel: eos ? 1 : 0,
      autoOffsetReset: 'earliest',
      maxWaitMs: 100,
      // The broker reads and sends the next round while this process works through the last one.
      prefetch: true,
      ...(process.env['KAPPA_DEBUG_GROUP'] ? { log: (l: string) => this.log(`[group] ${l}`) } : {}),
    });
    this.consumer.subscribe(this.sources.map((s) => s.spec.topic), {
      onPartitionsAssigned: (tps) => {
        this.log(`assigned ${describeTps(tps)}`);
        return this.serial(() => this.assign(tps));
      },
      onPartitionsRevoked: (tps) => {
        this.log(`revoked ${describeTps(tps)}`);
        return this.serial(() => this.revoke(tps));
      },
      onPartitionsLost: (tps) => {
        this.log(`lost ${describeTps(tps)}`);
        return this.serial(() => this.lose(tps));
      },
    });
    const onAbort = () => void this.stop();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.opts.signal?.aborted) this.stopping = true;
    const ticker = setInterval(() => {
      void this.serial(() => this.tick()).catch((err: Error) => this.fail(err));
    }, Math.min(50, this.commitIntervalMs));
    try {
      for await (const batch of this.consumer.batches()) {
        await this.serial(() => this.processBatch(batch));
        if (this.failure) throw this.failure;
        if (this.stopping) break;
      }
      if (this.failure) throw this.failure;
      await this.serial(() => this.commit());
    } catch (err) {
      if (eos && this.inTransaction) await this.producer.abortTransaction().catch(() => {});
      throw err;
    } finally {
      clearInterval(ticker);
      this.opts.signal?.removeEventListener('abort', onAbort);
      await this.consumer.close().catch(() => {});
      await this.client.close().catch(() => {});
    }
    return { recordsIn: this.recordsIn, metrics: this.finalMetrics ?? this.metrics() };
  }

  /** Ends the run: closing the consumer revokes the tasks, which commits their work, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.close().catch(() => {});
  }

  /** Every bounded input ended: stop once the current step is over (close() must not run inside it). */
  private finish(): void {
    if (this.stopping) return;
    this.stopping = true;
    // Closing revokes the tasks (their metrics go with them): what run() reports is taken now.
    this.finalMetrics = this.metrics();
    setImmediate(() => void this.consumer.close().catch(() => {}));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.stopping = true;
    void this.consumer?.close().catch(() => {});
  }

  /** Per-operator counters only (no state walk): what a rate sampler needs. */
  operatorMetrics(): JobMetrics {
    return snapshotMetrics(this.job.applicationId, [...this.tasks.values()].map((t) => t.task), undefined, true);
  }

  metrics(): JobMetrics {
    return snapshotMetrics(this.job.applicationId, [...this.tasks.values()].map((t) => t.task), (task) => {
      let lag = 0;
      for (const s of this.sources) lag += this.lag.get(tpKey(s.spec.topic, task.partition)) ?? 0;
      return lag;
    });
  }

  // --------------------------------------------------------------------------------------- tasks

  private async assign(tps: Array<{ topic: string; partition: number }>): Promise<void> {
    const partitions = [...new Set(tps.map((tp) => tp.partition))].filter((p) => !this.tasks.has(p)).sort((a, b) => a - b);
    if (partitions.length === 0) return;
    const started = Date.now();
    const committed = await this.consumer.committed(tps);
    for (const p of partitions) {
      const backend = new StateBackend(true);
      const restored = await this.restore(backend, p);
      const ownSources = this.sources.filter((s) => tps.some((tp) => tp.topic === s.spec.topic && tp.partition === p));
      const task = new Task(this.job.plan, p, backend, this.writer, ownSources.map((s) => s.node));
      task.reloadTimers();
      const state: TaskState = { task, positions: new Map(), ends: new Map(), dirty: false, ended: false };
      for (const s of ownSources) {
        const c = committed.find((x) => x.topic === s.spec.topic && x.partition === p);
        if (c && c.offset >= 0) state.positions.set(s.spec.topic, c.offset);
        const maxTs = c?.metadata ? (JSON.parse(c.metadata) as { t?: number }).t : undefined;
        if (typeof maxTs === 'number') task.input(s.node.id).restoreMaxTimestamp(maxTs);
        if (s.spec.bounded) {
          const [end] = await this.admin.listOffsets(s.spec.topic, 'latest', [p], { isolationLevel: this.guarantee === 'exactly_once' ? 1 : 0 });
          state.ends.set(s.spec.topic, end!.offset);
        }
      }
      this.tasks.set(p, state);
      this.checkEnded(state);
      this.log(`task ${p}: restored ${restored} changelog record(s) in ${Date.now() - started} ms`);
    }
  }

  /** Replays changelog partition p into the backend: every record up to the last stable offset. */
  private async restore(backend: StateBackend, p: number): Promise<number> {
    const [end] = await this.admin.listOffsets(this.changelog, 'latest', [p], { isolationLevel: 1 });
    if (end!.offset === 0) return 0;
    const reader = this.client.consumer({ isolationLevel: 1, maxWaitMs: 100 });
    reader.assign([{ topic: this.changelog, partition: p, offset: 'earliest' }]);
    let n = 0;
    try {
      // Round by round rather than batches(): a stretch of aborted records or markers yields no
      // batch, yet moves the position towards the end.
      while ((reader.position(this.changelog, p) ?? -1) < end!.offset) {
        for (const b of await reader.poll()) {
          for (const r of b.records) {
            if (r.key === null) continue;
            const [store, key] = decodeState(r.key.toString('utf8')) as [string, unknown];
            backend.restore(store, key, r.value === null ? undefined : decodeState(r.value.toString('utf8')));
            n++;
          }
        }
      }
    } finally {
      await reader.close();
    }
    return n;
  }

  private async revoke(tps: Array<{ topic: string; partition: number }>): Promise<void> {
    await this.commit();
    for (const p of new Set(tps.map((tp) => tp.partition))) this.tasks.delete(p);
  }

  /**
   * Partitions lost without a chance to commit: under exactly-once the open transaction (shared by
   * every task) is aborted, so every task goes back to its committed state.
   */
  private async lose(tps: Array<{ topic: string; partition: number }>): Promise<void> {
    const lost = new Set(tps.map((tp) => tp.partition));
    if (this.guarantee === 'exactly_once') await this.abortAndReset(lost);
    else for (const p of lost) this.tasks.delete(p);
  }

  /** Aborts the open transaction and rebuilds the tasks still owned from their changelog and committed offsets. */
  private async abortAndReset(drop: ReadonlySet<number> = new Set()): Promise<void> {
    if (this.inTransaction) await this.producer.abortTransaction().catch(() => {});
    this.inTransaction = false;
    this.writer.discard();
    this.tasks.clear();
    const still = this.consumer.assignment().filter((tp) => !drop.has(tp.partition));
    await this.assign(still);
    for (const tp of still) this.consumer.seek(tp.topic, tp.partition, this.tasks.get(tp.partition)?.positions.get(tp.topic) ?? 'earliest');
  }

  // ------------------------------------------------------------------------------------ records

  private async processBatch(b: ConsumerBatch): Promise<void> {
    const state = this.tasks.get(b.partition);
    const source = this.sourceByTopic.get(b.topic);
    if (!state || !source) return;
    if (b.records.length > 0 && this.guarantee === 'exactly_once' && !this.inTransaction) {
      this.producer.beginTransaction();
      this.inTransaction = true;
    }
    const input = state.task.input(source.node.id);
    const { keySerde, valueSerde } = source.spec;
    const end = state.ends.get(b.topic);
    let position = state.positions.get(b.topic) ?? -1;
    let stoppedAtEnd = false;
    for (const r of b.records) {
      if (r.offset < position) continue;
      if (end !== undefined && r.offset >= end) {
        stoppedAtEnd = true;
        break;
      }
      let key: unknown;
      let value: unknown;
      try {
        key = keySerde.deserialize(r.key);
        if (isPromise(key)) key = await key;
        value = valueSerde.deserialize(r.value);
        if (isPromise(value)) value = await value;
      } catch (err) {
        if (this.opts.onDeserializationError === 'skip') {
          this.log(`skipped ${b.topic}-${b.partition}@${r.offset}: ${(err as Error).message}`);
          position = r.offset + 1;
          continue;
        }
        throw new Error(`cannot read ${b.topic} partition ${b.partition} offset ${r.offset} with the ${valueSerde.name} codec: ${(err as Error).message}`);
      }
      input.push(value, r.timestamp, key);
      position = r.offset + 1;
      this.recordsIn++;
    }
    // Past the transaction markers and aborted records that follow the last record: without this a
    // bounded read of a transactionally written topic never reaches its end offset.
    if (!stoppedAtEnd && b.nextOffset > position) position = b.nextOffset;
    if (position === (state.positions.get(b.topic) ?? -1)) return;
    state.positions.set(b.topic, position);
    state.dirty = true;
    this.lag.set(tpKey(b.topic, b.partition), Math.max(0, b.highWatermark - position));
    this.checkEnded(state);
    if (Date.now() - this.lastCommit >= this.commitIntervalMs) await this.commit();
    // Keep memory bounded when output outruns the producer.
    if (this.writer.pending > 50_000) await this.writer.flush();
  }

  private checkEnded(state: TaskState): void {
    if (state.ended || state.ends.size === 0) return;
    for (const s of this.sources) {
      const end = state.ends.get(s.spec.topic);
      if (end === undefined || !state.task.inputs.has(s.node.id)) continue;
      if ((state.positions.get(s.spec.topic) ?? 0) >= end) state.task.input(s.node.id).end();
    }
    if ([...state.task.inputs.values()].every((i) => i.ended)) {
      state.ended = true;
      state.task.endInput();
      state.dirty = true;
    }
  }

  private async tick(): Promise<void> {
    if (this.stopping && !this.inTransaction) return;
    const now = Date.now();
    for (const t of this.tasks.values()) t.task.tick(now);
    if (now - this.lastCommit >= this.commitIntervalMs) await this.commit();
    if (now - this.lastEndCheck >= 500 && !this.stopping && this.sources.every((s) => s.spec.bounded) && [...this.tasks.values()].every((t) => t.ended)) {
      this.lastEndCheck = now;
      await this.commit();
      if (await this.everyPartitionDone()) this.finish();
    }
  }

  /**
   * A bounded job is done when the group has committed every partition of its inputs up to the end —
   * not when this instance's own tasks have ended: partitions may still sit with a member that died
   * (until its session times out they are nobody's) or with another instance still working, and an
   * instance that left early would leave them unprocessed.
   */
  private async everyPartitionDone(): Promise<boolean> {
    const isolationLevel = this.guarantee === 'exactly_once' ? 1 : 0;
    const ends: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const s of this.sources) {
      for (const e of await this.admin.listOffsets(s.spec.topic, 'latest', undefined, { isolationLevel })) ends.push({ topic: s.spec.topic, partition: e.partition, offset: e.offset });
    }
    const committed = await this.consumer.committed(ends.map(({ topic, partition }) => ({ topic, partition })));
    return ends.every((e) => e.offset === 0 || (committed.find((c) => c.topic === e.topic && c.partition === e.partition)?.offset ?? -1) >= e.offset);
  }

  // ------------------------------------------------------------------------------------ commits

  /** Makes outputs, state and offsets durable together (see the file comment). */
  private async commit(): Promise<void> {
    this.lastCommit = Date.now();
    const dirty = [...this.tasks.values()].filter((t) => t.dirty);
    const eos = this.guarantee === 'exactly_once';
    if (dirty.length === 0 && !(eos && this.inTransaction)) return;
    if (eos && !this.inTransaction) {
      this.producer.beginTransaction();
      this.inTransaction = true;
    }
    for (const t of this.tasks.values()) {
      for (const c of t.task.backend.takeChanges()) {
        this.writer.write(this.changelog, encodeState([c.store, c.key]), c.value === undefined ? null : encodeState(c.value), Date.now(), t.task.partition);
      }
    }
    await this.writer.flush();
    const offsets = [];
    for (const t of dirty) {
      for (const s of this.sources) {
        const pos = t.positions.get(s.spec.topic);
        if (pos === undefined || pos < 0 || !t.task.inputs.has(s.node.id)) continue;
        const maxTs = t.task.input(s.node.id).generator.maxSeen;
        offsets.push({ topic: s.spec.topic, partition: t.task.partition, offset: pos, metadata: JSON.stringify(Number.isFinite(maxTs) ? { t: maxTs } : {}) });
      }
      t.dirty = false;
    }
    if (!eos) {
      if (offsets.length > 0) await this.consumer.commit(offsets);
      this.purger?.note(offsets);
      return;
    }
    try {
      if (offsets.length > 0) await this.producer.sendOffsetsToTransaction(offsets, this.consumer.groupMetadata());
      await this.producer.commitTransaction();
      this.inTransaction = false;
      this.purger?.note(offsets);
    } catch (err) {
      // Fenced (another instance owns our transactional id or our partitions now): stop. Anything
      // else aborts, and the tasks start over from what was committed.
      if ((err as { fatal?: boolean }).fatal) throw err;
      this.log(`commit failed, aborting and restoring: ${(err as Error).message}`);
      await this.abortAndReset();
    }
  }
}

/**
 * Records of the job's repartition topics below its committed offsets have been read for good:
 * they are deleted every interval so those topics hold only what is in flight (they keep records
 * forever otherwise: `retention.ms` -1). Failures are logged; the next round tries again.
 */
class RepartitionPurger {
  private readonly committed = new Map<string, Map<number, number>>();
  private lastPurge = Date.now();
  private running = false;

  constructor(private readonly admin: Admin, private readonly topics: ReadonlySet<string>, private readonly intervalMs: number, private readonly log: (line: string) => void) {}

  note(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>): void {
    for (const o of offsets) {
      if (!this.topics.has(o.topic)) continue;
      let m = this.committed.get(o.topic);
      if (!m) this.committed.set(o.topic, (m = new Map()));
      m.set(o.partition, o.offset);
    }
    if (this.committed.size === 0 || this.running || Date.now() - this.lastPurge < this.intervalMs) return;
    this.lastPurge = Date.now();
    const work = [...this.committed].map(([topic, m]) => ({ topic, offsets: [...m].map(([partition, offset]) => ({ partition, offset })) }));
    this.committed.clear();
    this.running = true;
    void Promise.all(work.map((w) => this.admin.deleteRecords(w.topic, w.offsets).catch((err: Error) => this.log(`purging ${w.topic}: ${err.message}`)))).finally(() => {
      this.running = false;
    });
  }
}

/** Runs a job on a cluster until its bounded inputs end, the signal aborts, or it fails. */
export function runOnCluster(job: StreamJob, opts: ClusterRunOptions): Promise<{ recordsIn: number; metrics: JobMetrics }> {
  return new ClusterJobRunner(job, opts).run();
}

