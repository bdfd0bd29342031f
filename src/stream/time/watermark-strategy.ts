// How a source derives event time and watermarks. A bounded-out-of-orderness watermark trails the
// largest timestamp seen by the bound (W = max - bound - 1, as Flink computes it) and is advanced
// after every record, so whether a record is late depends only on the records before it in its
// partition — never on fetch sizes or timing — and a restarted task decides exactly as before.
import { NO_WATERMARK } from '../types.js';

export interface WatermarkStrategy<T> {
  /** Event time of a value; default: the record's own timestamp (the Kafka record timestamp). */
  readonly timestampOf?: (value: T, recordTimestamp: number) => number;
  /** null: no event-time watermarks from this source (processing-time jobs). */
  readonly outOfOrdernessMs: number | null;
  /** An input that has sent nothing for this long stops holding back the watermark. */
  readonly idleTimeoutMs?: number;
  withTimestamps(fn: (value: T, recordTimestamp: number) => number): WatermarkStrategy<T>;
  withIdleness(ms: number): WatermarkStrategy<T>;
}

function strategy<T>(outOfOrdernessMs: number | null, timestampOf?: (value: T, ts: number) => number, idleTimeoutMs?: number): WatermarkStrategy<T> {
  return {
    outOfOrdernessMs,
    ...(timestampOf ? { timestampOf } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    withTimestamps: (fn) => strategy(outOfOrdernessMs, fn, idleTimeoutMs),
    withIdleness: (ms) => strategy(outOfOrdernessMs, timestampOf, ms),
  };
}

export const WatermarkStrategies = {
  /** Records may arrive up to `ms` behind the largest timestamp seen. */
  boundedOutOfOrderness<T>(ms: number): WatermarkStrategy<T> {
    if (!(ms >= 0)) throw new Error(`out-of-orderness must be >= 0 ms, got ${ms}`);
    return strategy<T>(ms);
  },
  /** Timestamps never decrease. */
  monotonous<T>(): WatermarkStrategy<T> {
    return strategy<T>(0);
  },
  none<T>(): WatermarkStrategy<T> {
    return strategy<T>(null);
  },
};

/** Per-input watermark generation: call onEvent per record; `current` only grows. */
export class WatermarkGenerator {
  private maxTimestamp = -Infinity;
  current = NO_WATERMARK;

  constructor(private readonly outOfOrdernessMs: number | null) {}

  /** Returns true when the watermark advanced. */
  onEvent(timestamp: number): boolean {
    if (this.outOfOrdernessMs === null || timestamp <= this.maxTimestamp) return false;
    this.maxTimestamp = timestamp;
    const w = timestamp - this.outOfOrdernessMs - 1;
    if (w <= this.current) return false;
    this.current = w;
    return true;
  }

  /** Restores the generator of a task resumed from a commit. */
  restore(maxTimestamp: number): void {
    if (this.outOfOrdernessMs === null || !(maxTimestamp > this.maxTimestamp)) return;
    this.maxTimestamp = maxTimestamp;
    this.current = Math.max(this.current, maxTimestamp - this.outOfOrdernessMs - 1);
  }

  get maxSeen(): number {
    return this.maxTimestamp;
  }
}
