// The stateless operators and the process-function operator. They pass the record's key along
// (as Kafka Streams' mapValues does); keyBy replaces it.
import type { OutputTag } from '../types.js';
import type { KeyedStateStore, TimerService } from '../types.js';
import type { Operator, OperatorContext } from './operator.js';

export function mapOperator(fn: (v: unknown) => unknown): Operator {
  let ctx: OperatorContext;
  return {
    open: (c) => (ctx = c),
    process: (v, ts, key) => ctx.output.emit(fn(v), ts, key),
  };
}

export function filterOperator(fn: (v: unknown) => boolean): Operator {
  let ctx: OperatorContext;
  return {
    open: (c) => (ctx = c),
    process: (v, ts, key) => {
      if (fn(v)) ctx.output.emit(v, ts, key);
    },
  };
}

export function flatMapOperator(fn: (v: unknown) => Iterable<unknown>): Operator {
  let ctx: OperatorContext;
  return {
    open: (c) => (ctx = c),
    process: (v, ts, key) => {
      for (const out of fn(v)) ctx.output.emit(out, ts, key);
    },
  };
}

export function keyByOperator(selector: (v: unknown) => unknown): Operator {
  let ctx: OperatorContext;
  return {
    open: (c) => (ctx = c),
    process: (v, ts) => ctx.output.emit(v, ts, selector(v)),
  };
}

/** What a process function sees for each record and timer. */
export interface ProcessContext<K, O> {
  /** Event time of the record, or the time of the firing timer. */
  readonly timestamp: number;
  readonly key: K;
  readonly timers: TimerService;
  readonly state: KeyedStateStore;
  /** Emits to the main output, at the record's (or timer's) time unless told otherwise. */
  collect(value: O, timestamp?: number): void;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X, timestamp?: number): void;
}

export interface ProcessFunction<K, I, O> {
  open?(ctx: { state: KeyedStateStore; name: string; partition: number }): void;
  processElement(value: I, ctx: ProcessContext<K, O>): void;
  onTimer?(time: number, ctx: ProcessContext<K, O> & { domain: 'event' | 'processing' }): void;
}

export function processOperator(fn: ProcessFunction<unknown, unknown, unknown>): Operator {
  let op: OperatorContext;
  const pc = {
    timestamp: 0,
    key: undefined as unknown,
    domain: 'event' as 'event' | 'processing',
    timers: undefined as unknown as TimerService,
    state: undefined as unknown as KeyedStateStore,
    collect(value: unknown, timestamp?: number) {
      op.output.emit(value, timestamp ?? pc.timestamp, pc.key);
    },
    output(tag: OutputTag<unknown>, value: unknown, timestamp?: number) {
      op.sideOutput(tag.id).emit(value, timestamp ?? pc.timestamp, pc.key);
    },
  };
  return {
    open(c) {
      op = c;
      pc.timers = c.timers;
      pc.state = c.state;
      fn.open?.({ state: c.state, name: c.name, partition: c.partition });
    },
    process(v, ts, key) {
      pc.timestamp = ts;
      pc.key = key;
      fn.processElement(v, pc);
    },
    onTimer(time, key, domain) {
      pc.timestamp = time;
      pc.key = key;
      pc.domain = domain;
      fn.onTimer?.(time, pc);
    },
  };
}

/** Calls `fn` for every record: tests, in-memory runs, custom sinks. */
export function callbackSink(fn: (value: unknown, timestamp: number, key: unknown) => void): Operator {
  return { process: (v, ts, key) => fn(v, ts, key) };
}
