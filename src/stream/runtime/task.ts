// One task: the job's plan instantiated for one input partition (or for the whole input of an
// in-memory run). Records are pushed in by source drivers and flow synchronously through the
// operators; watermarks flow the same way, each operator seeing the minimum over its active inputs,
// and event-time timers fire as the watermark passes them. All state lives in the task's
// StateBackend, so the task can be committed, dropped and rebuilt elsewhere from its changelog.
import type { Plan, PlanNode, TopicSourceSpec } from '../plan.js';
import type { StateBackend } from '../state/state-backend.js';
import { WatermarkGenerator } from '../time/watermark-strategy.js';
import { END_OF_TIME, NO_WATERMARK, type Emitter, type KeyedStateStore, type TimeDomain, type TimerService } from '../types.js';
import type { Operator, OperatorContext, RecordWriter } from './operator.js';
import { TimerQueue } from './timers.js';

interface Downstream {
  node: NodeRuntime;
  input: number;
}

const NOWHERE: Emitter = { emit() {} };

function emitterTo(targets: Downstream[]): Emitter {
  if (targets.length === 0) return NOWHERE;
  if (targets.length === 1) {
    const { node, input } = targets[0]!;
    return { emit: (v, ts, key) => node.process(v, ts, key, input) };
  }
  return {
    emit(v, ts, key) {
      for (let i = 0; i < targets.length; i++) targets[i]!.node.process(v, ts, key, targets[i]!.input);
    },
  };
}

export interface NodeMetrics {
  recordsIn: number;
  recordsOut: number;
  lateDropped: number;
}

/** A plan node inside a task: its operator (none for sources), input watermarks and outputs. */
export class NodeRuntime {
  readonly main: Downstream[] = [];
  readonly side = new Map<string, Downstream[]>();
  readonly metrics: NodeMetrics = { recordsIn: 0, recordsOut: 0, lateDropped: 0 };
  private inputWatermarks: number[];
  private inputIdle: boolean[];
  watermark = NO_WATERMARK;
  idle = false;
  key: unknown = undefined;
  private op: Operator | undefined;
  private eventTimers!: TimerQueue;
  private processingTimers!: TimerQueue;
  output: Emitter = NOWHERE;

  constructor(readonly plan: PlanNode, private readonly task: Task) {
    this.inputWatermarks = plan.inputs.map(() => NO_WATERMARK);
    // An input that carries no event time counts as idle for good: it never holds the minimum back.
    this.inputIdle = plan.inputs.map((e) => e.ignoreWatermark === true);
  }

  /** Wires outputs and opens the operator; called once every node of the task exists. */
  open(): void {
    const counted = emitterTo(this.main);
    const metrics = this.metrics;
    this.output = { emit: (v, ts, key) => { metrics.recordsOut++; counted.emit(v, ts, key); } };
    if (!this.plan.create) return;
    const backend = this.task.backend;
    this.eventTimers = new TimerQueue(backend, `${this.plan.name}/__event_timers`);
    this.processingTimers = new TimerQueue(backend, `${this.plan.name}/__processing_timers`);
    const node = this;
    const timers: TimerService = {
      currentWatermark: () => node.watermark,
      currentProcessingTime: () => Date.now(),
      registerEventTimeTimer: (t) => node.eventTimers.register(t, node.key),
      deleteEventTimeTimer: (t) => node.eventTimers.delete(t, node.key),
      registerProcessingTimeTimer: (t) => node.processingTimers.register(t, node.key),
      deleteProcessingTimeTimer: (t) => node.processingTimers.delete(t, node.key),
    };
    const state: KeyedStateStore = backend.keyedStore(this.plan.name, () => node.key);
    const ctx: OperatorContext = {
      name: this.plan.name,
      partition: this.task.partition,
      output: this.output,
      sideOutput: (tag) => emitterTo(this.side.get(tag) ?? []),
      state,
      backend,
      timers,
      currentKey: () => node.key,
      countLate: (n = 1) => (metrics.lateDropped += n),
      writer: this.task.writer,
    };
    this.op = this.plan.create();
    this.op.open?.(ctx);
  }

  /** After a restore: timers come back from state. */
  reloadTimers(): void {
    if (!this.plan.create) return;
    this.eventTimers.reload();
    this.processingTimers.reload();
  }

  process(value: unknown, timestamp: number, key: unknown, input: number): void {
    this.metrics.recordsIn++;
    if (!this.op) {
      this.output.emit(value, timestamp, key);
      return;
    }
    this.key = key;
    this.op.process(value, timestamp, key, input);
  }

  /** An input's watermark (and idleness) changed. */
  inputWatermark(input: number, watermark: number, idle: boolean): void {
    if (this.plan.inputs[input]!.ignoreWatermark) return;
    if (watermark > this.inputWatermarks[input]!) this.inputWatermarks[input] = watermark;
    this.inputIdle[input] = idle;
    let min = Infinity;
    let allIdle = true;
    for (let i = 0; i < this.inputWatermarks.length; i++) {
      if (this.inputIdle[i]) continue;
      allIdle = false;
      if (this.inputWatermarks[i]! < min) min = this.inputWatermarks[i]!;
    }
    if (allIdle) {
      // Every input idle: hold the watermark where it is, and tell downstream we are idle.
      if (!this.idle) {
        this.idle = true;
        this.forwardWatermark();
      }
      return;
    }
    const wasIdle = this.idle;
    this.idle = false;
    if (min > this.watermark) this.advanceTo(min);
    else if (wasIdle) this.forwardWatermark();
  }

  /** A source node's own watermark advanced (sources have no inputs). */
  sourceWatermark(watermark: number, idle: boolean): void {
    const changed = watermark > this.watermark || idle !== this.idle;
    this.idle = idle;
    if (watermark > this.watermark) this.watermark = watermark;
    if (changed) this.forwardWatermark();
  }

  private advanceTo(watermark: number): void {
    this.watermark = watermark;
    if (this.op) {
      if (this.op.onTimer && this.eventTimers.peekTime() <= watermark) {
        // Timers that onTimer registers at or before the watermark are due too: the loop polls until
        // none is, and ends because a round fires each (key, time) once and the final round stops at
        // the latest timer it started with (see TimerQueue.beginRound).
        const limit = this.eventTimers.beginRound(watermark);
        try {
          for (let t = this.eventTimers.pollDue(limit); t; t = this.eventTimers.pollDue(limit)) {
            this.key = t.key;
            this.op.onTimer(t.time, t.key, 'event');
          }
        } finally {
          this.eventTimers.endRound();
        }
      }
      this.op.onWatermark?.(watermark);
    }
    this.forwardWatermark();
  }

  private forwardWatermark(): void {
    for (const d of this.main) d.node.inputWatermark(d.input, this.watermark, this.idle);
    for (const list of this.side.values()) for (const d of list) d.node.inputWatermark(d.input, this.watermark, this.idle);
  }

  /** Fires processing-time timers due by `now`. */
  processingTime(now: number): void {
    if (!this.op?.onTimer || this.processingTimers.peekTime() > now) return;
    const limit = this.processingTimers.beginRound(now);
    try {
      for (let t = this.processingTimers.pollDue(limit); t; t = this.processingTimers.pollDue(limit)) {
        this.key = t.key;
        this.op.onTimer(t.time, t.key, 'processing' as TimeDomain);
      }
    } finally {
      this.processingTimers.endRound();
    }
  }

  endInput(): void {
    this.op?.endInput?.();
  }

  nextProcessingTimer(): number {
    return this.op ? this.processingTimers.peekTime() : Infinity;
  }

  timerCount(): number {
    return this.op ? this.eventTimers.size + this.processingTimers.size : 0;
  }
}

/** A source inside a task: event time, watermark generation and idleness for one input. */
export class SourceInput {
  readonly generator: WatermarkGenerator;
  private lastActivity = Date.now();
  private idle = false;
  ended = false;

  constructor(readonly node: NodeRuntime, private readonly timestampOf: ((v: unknown, ts: number) => number) | undefined, outOfOrdernessMs: number | null, private readonly idleTimeoutMs: number | undefined) {
    this.generator = new WatermarkGenerator(outOfOrdernessMs);
  }

  /** One record in; returns its event time. */
  push(value: unknown, recordTimestamp: number, key: unknown): void {
    const ts = this.timestampOf ? this.timestampOf(value, recordTimestamp) : recordTimestamp;
    if (this.idle) {
      this.idle = false;
      this.node.sourceWatermark(this.generator.current, false);
    }
    this.lastActivity = Date.now();
    this.node.process(value, ts, key, 0);
    if (this.generator.onEvent(ts)) this.node.sourceWatermark(this.generator.current, false);
  }

  /** Checks idleness against the wall clock. */
  checkIdle(now: number): void {
    if (this.ended || this.idle || this.idleTimeoutMs === undefined) return;
    if (now - this.lastActivity >= this.idleTimeoutMs) {
      this.idle = true;
      this.node.sourceWatermark(this.generator.current, true);
    }
  }

  /** A bounded input finished: its watermark jumps to the end of time. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.generator.current = END_OF_TIME;
    this.node.sourceWatermark(END_OF_TIME, false);
  }

  /** A restored task resumes its watermark from the committed maximum timestamp. */
  restoreMaxTimestamp(maxTimestamp: number): void {
    this.generator.restore(maxTimestamp);
    if (this.generator.current > this.node.watermark) this.node.sourceWatermark(this.generator.current, false);
  }
}

/**
 * Writes a repartition node's input to its topic with the codecs the node reads it back with: keyed by
 * the stream's key (so the producer's key hash picks the partition), at the record's event time.
 */
function repartitionWriter(spec: TopicSourceSpec): Operator {
  let writer: RecordWriter;
  const { topic, keySerde, valueSerde } = spec;
  return {
    open: (c) => (writer = c.writer),
    process: (v, ts, key) => writer.write(topic, keySerde.serialize(key) as Buffer | string | null, valueSerde.serialize(v) as Buffer | string | null, ts),
  };
}

export class Task {
  readonly nodes: NodeRuntime[];
  readonly inputs = new Map<number, SourceInput>();

  constructor(
    readonly plan: Plan,
    readonly partition: number,
    readonly backend: StateBackend,
    readonly writer: RecordWriter,
    /** Source nodes this task reads (a task of a multi-topic job may lack some). */
    sourceNodes: readonly PlanNode[] = plan.sources(),
  ) {
    // A job that reads topics runs on a cluster: its repartitions write their topic and read it back
    // as a source. Otherwise (in memory, one task) a repartition node passes records through.
    const viaTopics = plan.readsTopics();
    if (viaTopics && plan.nodes.some((n) => n.repartition) && plan.topicSources().some((n) => n.source.spec.bounded)) {
      throw new Error('bounded topic sources and repartition do not mix yet: a repartition source has no end to reach');
    }
    this.nodes = plan.nodes.map((n) => new NodeRuntime(n, this));
    for (const n of plan.nodes) {
      n.inputs.forEach((edge, input) => {
        const from = this.nodes[edge.from.id]!;
        let target = { node: this.nodes[n.id]!, input };
        if (n.repartition && viaTopics) {
          const write = new NodeRuntime({ id: this.nodes.length, name: `${n.name}.write`, inputs: [edge], create: () => repartitionWriter(n.source!.spec as TopicSourceSpec) }, this);
          this.nodes.push(write);
          target = { node: write, input: 0 };
        }
        if (edge.tag === undefined) from.main.push(target);
        else {
          let list = from.side.get(edge.tag);
          if (!list) from.side.set(edge.tag, (list = []));
          list.push(target);
        }
      });
    }
    for (const node of this.nodes) node.open();
    for (const s of sourceNodes) {
      if (s.repartition && !viaTopics) continue;
      const w = s.source!.watermarks;
      this.inputs.set(s.id, new SourceInput(this.nodes[s.id]!, w.timestampOf as ((v: unknown, ts: number) => number) | undefined, w.outOfOrdernessMs, w.idleTimeoutMs));
    }
    // A source of the plan this task does not read (a topic with fewer partitions) must not hold
    // back the watermark of operators that join it with the others.
    for (const s of plan.sources()) if (!this.inputs.has(s.id) && (viaTopics || !s.repartition)) this.nodes[s.id]!.sourceWatermark(NO_WATERMARK, true);
  }

  input(sourceNodeId: number): SourceInput {
    const i = this.inputs.get(sourceNodeId);
    if (!i) throw new Error(`task ${this.partition} has no input for source node ${sourceNodeId}`);
    return i;
  }

  /** Wall-clock duties: idleness and processing-time timers. Returns when the next timer is due. */
  tick(now = Date.now()): number {
    for (const i of this.inputs.values()) i.checkIdle(now);
    let next = Infinity;
    for (const n of this.nodes) {
      n.processingTime(now);
      next = Math.min(next, n.nextProcessingTimer());
    }
    return next;
  }

  /** Every input ended: operators flush what they hold. */
  endInput(): void {
    for (const n of this.nodes) n.endInput();
  }

  reloadTimers(): void {
    for (const n of this.nodes) n.reloadTimers();
  }

  /** The watermark of the slowest non-idle sink-side node: the task's progress in event time. */
  watermark(): number {
    let min = Infinity;
    for (const i of this.inputs.values()) if (!i.ended) min = Math.min(min, i.generator.current);
    return min;
  }
}
