// The vocabulary shared by the stream API and its runtime. Time is event time in epoch milliseconds
// unless a name says otherwise; a watermark W promises that no record with timestamp <= W follows.

/** No watermark yet: nothing is known about event time. */
export const NO_WATERMARK = -Infinity;
/** The watermark of a finished bounded input: every event-time timer fires. */
export const END_OF_TIME = Infinity;

/** Names a side output; records sent to it leave through `getSideOutput(tag)`. */
export class OutputTag<T> {
  declare readonly type?: T;
  constructor(readonly id: string) {}
}

/** A time interval [start, end): end is exclusive, as in Flink. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Where a value goes next: the runtime hands operators one of these per output. */
export interface Emitter {
  emit(value: unknown, timestamp: number, key: unknown): void;
}

export type TimeDomain = 'event' | 'processing';

/** Timers of the current key; an event-time timer fires once the watermark reaches its time. */
export interface TimerService {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Keyed state of the current key, one named cell of each kind. */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  has(key: K): boolean;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  size(): number;
  clear(): void;
}

export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  update(values: T[]): void;
  clear(): void;
}

export interface KeyedStateStore {
  valueState<T>(name: string): ValueState<T>;
  mapState<K, V>(name: string): MapState<K, V>;
  listState<T>(name: string): ListState<T>;
}
