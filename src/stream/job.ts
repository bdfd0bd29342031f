// A stream job: the entry point of the API. Sources come from here; `run` executes the plan, in
// memory when no topic is read (one task), or on a Kafka cluster (one task per input partition, with
// exactly-once or at-least-once processing) when topics are read.
import { basename } from 'node:path';
import { readRecords, type ReplayFormat, type ReplayOptions } from '../sources/file-replay.js';
import { DataStream, type JobContext } from './data-stream.js';
import { KTable } from './joins/table.js';
import { Plan } from './plan.js';
import { Serdes, type Serde } from './serdes.js';
import { WatermarkStrategies, type WatermarkStrategy } from './time/watermark-strategy.js';

export interface TopicSourceOptions<T> {
  /** Value codec; default JSON. */
  value?: Serde<T>;
  /** Key codec; default UTF-8 strings. */
  keySerde?: Serde<unknown>;
  /** Default: the record timestamp as event time, no out-of-orderness allowed. */
  watermarks?: WatermarkStrategy<T>;
  /** Partitions without a committed offset start here (default earliest). */
  startFrom?: 'earliest' | 'latest';
  /** Read up to the end offsets seen at start, then finish: the topic as a bounded input. */
  bounded?: boolean;
  name?: string;
}

export interface ItemsSourceOptions<T> {
  watermarks?: WatermarkStrategy<T>;
  /** The record key (what keyBy would compute is usually better). */
  key?: (value: T) => unknown;
  name?: string;
}

export interface FileSourceOptions<T> extends ItemsSourceOptions<T> {
  /** Default: from the extension (`.csv`, else JSON lines). */
  format?: ReplayFormat;
  /** target=source renames; only mapped fields are kept when any mapping is given. */
  mapping?: Array<[string, string]>;
  /** The field (epoch ms or ISO 8601) that is each record's timestamp; default: the time it is read. */
  timeField?: string;
  /** CSV: numeric-looking values become numbers (default true). */
  numbers?: boolean;
}

export interface StreamJobOptions {
  /** Names the job's consumer group, transactional ids, changelog topic and metrics. */
  applicationId: string;
}

export class StreamJob implements JobContext {
  readonly plan = new Plan();

  constructor(readonly options: StreamJobOptions) {
    if (!/^[A-Za-z0-9._-]+$/.test(options.applicationId)) throw new Error(`applicationId must be letters, digits, '.', '_' or '-', got '${options.applicationId}'`);
  }

  get applicationId(): string {
    return this.options.applicationId;
  }

  /** Records of a topic; every partition is a task of its own. */
  fromTopic<T>(topic: string, opts: TopicSourceOptions<T> = {}): DataStream<T, string | null> {
    const node = this.plan.add({
      name: opts.name ?? `from-${topic}`,
      exactName: opts.name !== undefined,
      inputs: [],
      source: {
        spec: {
          kind: 'topic',
          topic,
          keySerde: opts.keySerde ?? (Serdes.string() as Serde<unknown>),
          valueSerde: (opts.value ?? Serdes.json()) as Serde<unknown>,
          startFrom: opts.startFrom ?? 'earliest',
          bounded: opts.bounded ?? false,
        },
        watermarks: (opts.watermarks ?? WatermarkStrategies.monotonous<T>()) as WatermarkStrategy<unknown>,
      },
    });
    return new DataStream<T, string | null>(this, node);
  }

  /**
   * A topic read as a table (Kafka Streams' KTable): the latest value per record key, a null value (a
   * tombstone) deleting the key; a compacted topic is the usual source. Join a stream with it by key
   * (`stream.join(table, …)`); the topic must be co-partitioned with the stream's. Records without a
   * key are no rows: joins ignore them.
   */
  table<V>(topic: string, opts: TopicSourceOptions<V> = {}): KTable<string, V> {
    return new KTable<string, V>(this, this.fromTopic<V>(topic, { ...opts, name: opts.name ?? `table-${topic}` }).node);
  }

  /**
   * Records from memory: an array or iterable (bounded), or a function returning a fresh (async)
   * iterable per run — a generator can be unbounded. Without a timestamp assigner, records are
   * stamped with the time they are read.
   */
  fromItems<T>(items: Iterable<T> | AsyncIterable<T> | (() => Iterable<T> | AsyncIterable<T>), opts: ItemsSourceOptions<T> = {}): DataStream<T> {
    const make = typeof items === 'function' ? items : () => items;
    const node = this.plan.add({
      name: opts.name ?? 'items',
      inputs: [],
      source: {
        spec: { kind: 'items', items: make as () => Iterable<unknown>, ...(opts.key ? { key: opts.key as (v: unknown) => unknown } : {}) },
        watermarks: (opts.watermarks ?? WatermarkStrategies.none<T>()) as WatermarkStrategy<unknown>,
      },
    });
    return new DataStream<T>(this, node);
  }

  /**
   * Records of a CSV (header row) or JSON-lines file, read as a bounded input: the job ends after the
   * last line. With `timeField`, the field's time is the record timestamp the default watermark
   * strategy and `withTimestamps`' second argument see. The file is streamed, never held whole.
   */
  fromFile<T = Record<string, unknown>>(path: string, opts: FileSourceOptions<T> = {}): DataStream<T> {
    const read: ReplayOptions = {
      ...(opts.format ? { format: opts.format } : {}),
      ...(opts.mapping ? { mapping: opts.mapping } : {}),
      ...(opts.timeField ? { timeField: opts.timeField } : {}),
      ...(opts.numbers !== undefined ? { numbers: opts.numbers } : {}),
    };
    const node = this.plan.add({
      name: opts.name ?? `file-${basename(path)}`,
      inputs: [],
      source: {
        spec: { kind: 'items', items: () => readRecords(path, read), timestamped: true, ...(opts.key ? { key: opts.key as (v: unknown) => unknown } : {}) },
        watermarks: (opts.watermarks ?? (opts.timeField ? WatermarkStrategies.monotonous<T>() : WatermarkStrategies.none<T>())) as WatermarkStrategy<unknown>,
      },
    });
    return new DataStream<T>(this, node);
  }

  /** Whether the job reads topics (and so runs on a cluster). */
  readsTopics(): boolean {
    return this.plan.readsTopics();
  }

  writesTopics(): string[] {
    return [...new Set(this.plan.nodes.flatMap((n) => n.writesTopics ?? []))];
  }
}
