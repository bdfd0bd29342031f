// What an operator instance sees of the task running it. One instance exists per task (an input
// partition, or the whole input of an in-memory run); the task calls it on one thread, in order.
import type { StateBackend } from '../state/state-backend.js';
import type { Emitter, KeyedStateStore, TimeDomain, TimerService } from '../types.js';

export interface OperatorContext {
  /** The operator's unique name in the job: state and metrics are filed under it. */
  readonly name: string;
  /** The task's partition (-1 for an in-memory run). */
  readonly partition: number;
  /** The main output. */
  readonly output: Emitter;
  /** A side output by tag id; records go nowhere when nothing consumes the tag. */
  sideOutput(tag: string): Emitter;
  /** Keyed state of the key of the record (or timer) being processed. */
  readonly state: KeyedStateStore;
  readonly backend: StateBackend;
  readonly timers: TimerService;
  /** The key of the record or timer being processed. */
  currentKey(): unknown;
  /** Counts a record dropped as late, for metrics. */
  countLate(n?: number): void;
  /** Writes to external systems (topics) go through the runtime's writer. */
  readonly writer: RecordWriter;
}

type Bytes = Buffer | string | null;

/** Where sink operators write; the Kafka runtime makes these part of its transactions. */
export interface RecordWriter {
  write(topic: string, key: Bytes, value: Bytes, timestamp: number): void;
  /** A record whose serialization is still under way (a registry lookup); order is kept. */
  writeAsync(topic: string, keyValue: Promise<[Bytes, Bytes]>, timestamp: number): void;
}

export interface Operator {
  open?(ctx: OperatorContext): void;
  /** `input` is the index of the input the record arrived on (for operators with several). */
  process(value: unknown, timestamp: number, key: unknown, input: number): void;
  /** The combined input watermark advanced; event-time timers up to it have already fired. */
  onWatermark?(watermark: number): void;
  onTimer?(time: number, key: unknown, domain: TimeDomain): void;
  /** Every input ended (bounded runs), after the final watermark. */
  endInput?(): void;
}

export type OperatorFactory = () => Operator;
