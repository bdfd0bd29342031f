// The fluent, typed DataStream API. Each call adds a node to the job's plan and returns a stream
// over it; nothing runs until the job does.
import { ConnectedStreams, IntervalJoinBuilder, JoinedStreams, streamTableJoin } from './joins/api.js';
import { KTable } from './joins/table.js';
import type { Plan, PlanNode } from './plan.js';
import { callbackSink, filterOperator, flatMapOperator, keyByOperator, mapOperator, processOperator, type ProcessFunction } from './runtime/basic-operators.js';
import type { OperatorFactory } from './runtime/operator.js';
import { isPromise, type Serde } from './serdes.js';
import { decodeState, encodeState } from './state/state-backend.js';
import { WatermarkStrategies } from './time/watermark-strategy.js';
import type { OutputTag } from './types.js';
import type { WindowAssigner } from './windows/assigners.js';
import { collectingAggregate, reducingAggregate, windowOperator, type AggregateFunction, type WindowResultContext } from './windows/window-operator.js';

/** What the stream classes need of the job that owns them. */
export interface JobContext {
  readonly plan: Plan;
  /** Names the job's internal (repartition) topics. */
  readonly applicationId: string;
}

export interface RepartitionOptions {
  /** Names the node and its topic `<applicationId>-<name>-repartition`; default 'repartition' (then -2, -3…). */
  name?: string;
  /** Partitions of the topic when the runtime creates it; default: as many as the job's sources have. */
  partitions?: number;
  /**
   * Watermark bound of the repartition source, which interleaves records from every upstream task:
   * it must cover their disorder plus how far upstream tasks drift apart in event time. Default: the
   * largest bound among the upstream sources.
   */
  outOfOrdernessMs?: number;
  /** A repartition partition that receives nothing for this long stops holding back the watermark; default: the upstream sources'. */
  idleTimeoutMs?: number;
}

/** Keys and values cross repartition topics as JSON with state's extensions (Maps, bigints, infinities). */
const repartitionKeySerde: Serde<unknown> = {
  name: 'repartition-key',
  serialize: (k) => encodeState(k ?? null),
  deserialize: (b) => (b === null ? null : decodeState(b.toString('utf8'))),
};
const repartitionValueSerde: Serde<unknown> = {
  name: 'repartition-value',
  serialize: (v) => (v === undefined ? null : encodeState(v)),
  deserialize: (b) => (b === null ? null : decodeState(b.toString('utf8'))),
};

/** The watermark strategy a repartition inherits: the largest bound and idleness of the sources upstream. */
function upstreamWatermarks(from: PlanNode): { bound: number | null; idle: number | undefined } {
  let bound: number | null = null;
  let idle: number | undefined;
  const seen = new Set<PlanNode>();
  const walk = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.source) {
      const w = n.source.watermarks;
      if (w.outOfOrdernessMs !== null) bound = Math.max(bound ?? 0, w.outOfOrdernessMs);
      if (w.idleTimeoutMs !== undefined) idle = Math.max(idle ?? 0, w.idleTimeoutMs);
      return;
    }
    for (const e of n.inputs) walk(e.from);
  };
  walk(from);
  return { bound, idle };
}

/** `K` is the record key's type: the stream's key, or what the `key` function returns. */
export interface TopicSinkOptions<K, T> {
  /** Value codec; default JSON. */
  value?: Serde<T>;
  /** Key codec; default: strings as they are, other keys as JSON. */
  keySerde?: Serde<K>;
  /** The record key, computed from the value; default: the stream's current key. */
  key?: (value: T) => K;
  name?: string;
}

const NO_SIDE_OUTPUTS: readonly string[] = [];

const defaultKeySerde: Serde<unknown> = {
  name: 'key',
  serialize: (k) => (k === undefined || k === null ? null : typeof k === 'string' ? k : Buffer.isBuffer(k) ? k : JSON.stringify(k)),
  deserialize: (b) => (b === null ? null : b.toString('utf8')),
};

const jsonSerde: Serde<unknown> = {
  name: 'json',
  serialize: (v) => (v === null || v === undefined ? null : JSON.stringify(v)),
  deserialize: (b) => (b === null ? null : JSON.parse(b.toString('utf8'))),
};

export class DataStream<T, K = unknown> {
  constructor(protected readonly job: JobContext, readonly node: PlanNode) {}

  /** @internal The job the stream belongs to (joins add nodes over two streams). */
  get jobContext(): JobContext {
    return this.job;
  }

  protected add<O, K2 = K>(name: string, create: OperatorFactory, extra: { writesTopics?: string[]; sideOutputs?: readonly string[] } = {}): DataStream<O, K2> {
    const node = this.job.plan.add({ name, inputs: [{ from: this.node }], create, ...extra });
    return new DataStream<O, K2>(this.job, node);
  }

  map<O>(fn: (value: T) => O, name = 'map'): DataStream<O, K> {
    return this.add(name, () => mapOperator(fn as (v: unknown) => unknown), { sideOutputs: NO_SIDE_OUTPUTS });
  }

  filter(fn: (value: T) => boolean, name = 'filter'): DataStream<T, K> {
    return this.add(name, () => filterOperator(fn as (v: unknown) => boolean), { sideOutputs: NO_SIDE_OUTPUTS });
  }

  flatMap<O>(fn: (value: T) => Iterable<O>, name = 'flatMap'): DataStream<O, K> {
    return this.add(name, () => flatMapOperator(fn as (v: unknown) => Iterable<unknown>), { sideOutputs: NO_SIDE_OUTPUTS });
  }

  /**
   * Partitions the stream by key: state, timers and windows downstream are per key. The input must
   * already be partitioned by the same key across tasks (records keyed by it, as the quote feed is by
   * symbol); otherwise, for multi-partition topics, follow it with `.repartition()`.
   */
  keyBy<K2>(selector: (value: T) => K2, name = 'keyBy'): KeyedStream<T, K2> {
    const node = this.job.plan.add({ name, inputs: [{ from: this.node }], create: () => keyByOperator(selector as (v: unknown) => unknown), sideOutputs: NO_SIDE_OUTPUTS });
    return new KeyedStream<T, K2>(this.job, node);
  }

  /**
   * Re-keys the stream across tasks, as Kafka Streams' repartition topics do: on a cluster the records
   * go through the internal topic `<applicationId>-<name>-repartition`, keyed by the new key (JSON
   * values, the event time as record timestamp, in the job's transactions under exactly-once), and are
   * read back — read_committed — as a new source, partition p in task p. Event time downstream then
   * comes from the repartition source's own watermark (see RepartitionOptions.outOfOrdernessMs). In
   * memory (one task) it only re-keys. Without `keyFn`, the stream's current key is kept.
   */
  repartition<K2>(keyFn: (value: T) => K2, opts?: RepartitionOptions): KeyedStream<T, K2>;
  repartition(opts?: RepartitionOptions): KeyedStream<T, K>;
  repartition<K2>(keyFnOrOpts?: ((value: T) => K2) | RepartitionOptions, maybeOpts: RepartitionOptions = {}): KeyedStream<T, K | K2> {
    if (typeof keyFnOrOpts === 'function') return this.keyBy(keyFnOrOpts).repartition(maybeOpts);
    const opts = keyFnOrOpts ?? {};
    if (opts.name !== undefined && !/^[A-Za-z0-9._-]+$/.test(opts.name)) throw new Error(`a repartition name must be letters, digits, '.', '_' or '-' (it names a topic), got '${opts.name}'`);
    if (opts.partitions !== undefined && !(Number.isInteger(opts.partitions) && opts.partitions > 0)) throw new Error(`repartition partitions must be a positive integer, got ${opts.partitions}`);
    const name = opts.name ?? this.job.plan.uniqueName('repartition');
    const up = upstreamWatermarks(this.node);
    const bound = opts.outOfOrdernessMs ?? up.bound;
    let watermarks = bound === null ? WatermarkStrategies.none<unknown>() : WatermarkStrategies.boundedOutOfOrderness<unknown>(bound);
    const idle = opts.idleTimeoutMs ?? up.idle;
    if (idle !== undefined) watermarks = watermarks.withIdleness(idle);
    const topic = `${this.job.applicationId}-${name}-repartition`;
    const node = this.job.plan.add({
      name,
      exactName: true,
      inputs: [{ from: this.node }],
      sideOutputs: NO_SIDE_OUTPUTS,
      repartition: { topic, ...(opts.partitions ? { partitions: opts.partitions } : {}) },
      source: {
        spec: { kind: 'topic', topic, keySerde: repartitionKeySerde, valueSerde: repartitionValueSerde, startFrom: 'earliest', bounded: false },
        watermarks,
      },
    });
    return new KeyedStream<T, K>(this.job, node);
  }

  /**
   * A process function (keyed state and timers need keyBy first). Every task gets the function's
   * open() call; a function that keeps state handles from open() in variables must be given as a
   * factory (`() => ({ open, processElement, … })`) so each task has its own. Handles taken from
   * `ctx.state` while processing are always the task's.
   */
  process<O>(fn: ProcessFunction<K, T, O> | (() => ProcessFunction<K, T, O>), name = 'process'): DataStream<O, K> {
    return this.add(name, () => processOperator((typeof fn === 'function' ? fn() : fn) as ProcessFunction<unknown, unknown, unknown>));
  }

  /** Merges streams of the same type; the watermark is the minimum of the inputs'. */
  union(...others: DataStream<T, K>[]): DataStream<T, K> {
    const node = this.job.plan.add({ name: 'union', inputs: [this.node, ...others.map((o) => o.node)].map((from) => ({ from })), sideOutputs: NO_SIDE_OUTPUTS });
    return new DataStream<T, K>(this.job, node);
  }

  /** The records the node sent to a side output. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X, K> {
    const known = this.node.sideOutputs;
    if (known && !known.includes(tag.id)) {
      const hint = this.node.windowed ? ` (give it with .sideOutputLateData(tag) before aggregating)` : '';
      throw new Error(`'${this.node.name}' emits no side output '${tag.id}'${hint}`);
    }
    const node = this.job.plan.add({ name: `${this.node.name}.${tag.id}`, inputs: [{ from: this.node, tag: tag.id }] });
    return new DataStream<X, K>(this.job, node);
  }

  /**
   * Joins with a table, by the stream's key: each record meets the row its key has when the record is
   * processed (Kafka Streams' KStream–KTable join); a record without a row is dropped.
   */
  join<V, O>(table: KTable<K, V>, joiner: (value: T, row: V, key: K) => O, name?: string): DataStream<O, K>;
  /** Pairs records of two streams by key in windows: `a.join(b).window(…).apply(…)` (or `.where(…).equalTo(…)` first). */
  join<T2>(other: DataStream<T2, unknown>): JoinedStreams<T, T2, K>;
  join<T2, O>(other: KTable<K, unknown> | DataStream<T2, unknown>, joiner?: (value: T, row: unknown, key: K) => O, name = 'join'): DataStream<O, K> | JoinedStreams<T, T2, K> {
    if (other instanceof KTable) {
      if (!joiner) throw new Error('join(table, joiner): the joiner is missing');
      return streamTableJoin<O, K>(this, other, joiner as (v: unknown, r: unknown, k: unknown) => unknown, false, name);
    }
    return new JoinedStreams<T, T2, K>(this, other);
  }

  /** As join(table, …), but a record without a row is joined with `undefined`. */
  leftJoin<V, O>(table: KTable<K, V>, joiner: (value: T, row: V | undefined, key: K) => O, name = 'leftJoin'): DataStream<O, K> {
    return streamTableJoin<O, K>(this, table, joiner as (v: unknown, r: unknown, k: unknown) => unknown, true, name);
  }

  /**
   * The stream as a table: the latest value per key (a null or undefined value deletes the key). The
   * key is the stream's current one: a keyBy's, or the topic record's key.
   */
  toTable(): KTable<K, T> {
    return new KTable<K, T>(this.job, this.node);
  }

  /** Calls `fn` for every record. */
  sink(fn: (value: T, timestamp: number, key: K) => void, name = 'sink'): void {
    this.add(name, () => callbackSink(fn as (v: unknown, ts: number, key: unknown) => void));
  }

  /** Collects every record into `into` (bounded runs, tests). */
  collect(into: T[], name = 'collect'): T[] {
    this.sink((v) => into.push(v), name);
    return into;
  }

  /**
   * Writes the stream to a topic; under exactly-once, in the job's transactions. The record key is
   * the stream's key, or `key(value)` (its type, not the stream's, is what `keySerde` must write).
   */
  toTopic<RK = K>(topic: string, opts: TopicSinkOptions<RK, T> = {}): void {
    const valueSerde = (opts.value ?? jsonSerde) as Serde<unknown>;
    const keySerde = (opts.keySerde ?? defaultKeySerde) as Serde<unknown>;
    const keyOf = opts.key as ((v: unknown) => unknown) | undefined;
    this.add(opts.name ?? `to-${topic}`, () => {
      let writer: import('./runtime/operator.js').RecordWriter;
      return {
        open: (c) => (writer = c.writer),
        process: (v, ts, key) => {
          const k = keySerde.serialize(keyOf ? keyOf(v) : key);
          const value = valueSerde.serialize(v);
          if (isPromise(k) || isPromise(value)) {
            writer.writeAsync(topic, Promise.all([k, value]) as Promise<[Buffer | string | null, Buffer | string | null]>, ts);
          } else writer.write(topic, k, value, ts);
        },
      };
    }, { writesTopics: [topic] });
  }
}

export class KeyedStream<T, K> extends DataStream<T, K> {
  /** A process function with keyed state and timers (see DataStream.process about factories). */
  override process<O>(fn: ProcessFunction<K, T, O> | (() => ProcessFunction<K, T, O>), name = 'process'): DataStream<O, K> {
    return super.process(fn, name);
  }

  /** Two keyed streams processed together with shared keyed state and timers (a KeyedCoProcessFunction). */
  connect<T2>(other: KeyedStream<T2, K>): ConnectedStreams<T, T2, K> {
    return new ConnectedStreams<T, T2, K>(this, other);
  }

  /** Pairs each record with the other stream's records of its key within a time interval of it. */
  intervalJoin<T2>(other: KeyedStream<T2, K>): IntervalJoinBuilder<T, T2, K> {
    return new IntervalJoinBuilder<T, T2, K>(this, other);
  }

  /** A rolling reduce: emits the running result per key after every record. */
  reduce(fn: (a: T, b: T) => T, name = 'reduce'): DataStream<T, K> {
    return this.process<T>({
      processElement(v, ctx) {
        const s = ctx.state.valueState<T>('reduced');
        const prev = s.value();
        const next = prev === undefined ? v : fn(prev, v);
        s.update(next);
        ctx.collect(next);
      },
    }, name);
  }

  window(assigner: WindowAssigner): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this, assigner, undefined);
  }

  /** Tumbling count windows: fire and start over every `size` records of a key. */
  countWindow(size: number): WindowedStream<T, K> {
    if (!Number.isInteger(size) || size < 1) throw new Error(`count window size must be a positive integer, got ${size}`);
    return new WindowedStream<T, K>(this, undefined, size);
  }

  /** @internal A window operator node; its only side output is the late-data tag, when given. */
  addWindow<O>(name: string, create: OperatorFactory, lateTag?: string): DataStream<O, K> {
    const node = this.job.plan.add({ name, inputs: [{ from: this.node }], create, sideOutputs: lateTag ? [lateTag] : [], windowed: true });
    return new DataStream<O, K>(this.job, node);
  }
}

export class WindowedStream<T, K> {
  private latenessMs = 0;
  private lateTag: string | undefined;

  constructor(private readonly keyed: KeyedStream<T, K>, private readonly assigner: WindowAssigner | undefined, private readonly count: number | undefined) {}

  /** Keeps windows this long after they fire; late records within it update the result. */
  allowedLateness(ms: number): this {
    if (!(ms >= 0)) throw new Error(`allowed lateness must be >= 0 ms, got ${ms}`);
    this.latenessMs = ms;
    return this;
  }

  /** Records too late for every window go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag.id;
    return this;
  }

  aggregate<A, R, O = R>(fn: AggregateFunction<T, A, R>, result?: (result: R, ctx: WindowResultContext<K>) => O, name = 'window'): DataStream<O, K> {
    const assigner = this.assigner ?? { kind: 'tumbling', eventTime: true, merging: false, assign: () => [], describe: () => `count ${this.count}` };
    const spec = {
      assigner,
      aggregate: fn as AggregateFunction<unknown, unknown, unknown>,
      ...(result ? { result: result as (r: unknown, c: WindowResultContext<unknown>) => unknown } : {}),
      allowedLatenessMs: this.latenessMs,
      ...(this.lateTag ? { lateTag: this.lateTag } : {}),
      ...(this.count !== undefined ? { count: this.count } : {}),
    };
    return this.keyed.addWindow<O>(name, () => windowOperator(spec), this.lateTag);
  }

  reduce<O = T>(fn: (a: T, b: T) => T, result?: (result: T, ctx: WindowResultContext<K>) => O, name = 'window'): DataStream<O, K> {
    return this.aggregate(reducingAggregate(fn) as AggregateFunction<T, T | undefined, T>, result, name);
  }

  /** A full-window function: sees every record of the window at once. */
  process<O>(fn: (elements: T[], ctx: WindowResultContext<K>) => O, name = 'window'): DataStream<O, K> {
    return this.aggregate(collectingAggregate<T, T[]>((all) => all), (all, ctx) => fn(all, ctx), name);
  }
}
