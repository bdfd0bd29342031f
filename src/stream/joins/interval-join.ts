// The interval join (Flink's `intervalJoin … between(lower, upper)`): a left record at time a pairs
// with every right record of the same key at time b with a + lower <= b <= a + upper, emitted as soon
// as the second of the two arrives, at max(a, b).
//
// Each side buffers its records per key in a MapState from timestamp to records. A left record can
// still meet right records up to a + upper, so an event-time timer drops it once the watermark reaches
// that; a right record waits for left records down to b - lower. A record at or below the watermark
// when it arrives is late (its partners may be gone): it is dropped and counted. So state holds only
// the records within the interval of the watermark and empties when the inputs end.
import type { Operator, OperatorContext } from '../runtime/operator.js';
import type { MapState } from '../types.js';

export interface IntervalJoinContext<K> {
  key: K;
  leftTimestamp: number;
  rightTimestamp: number;
  /** The output record's time: the later of the two. */
  timestamp: number;
}

export type IntervalJoinFunction = (left: unknown, right: unknown, ctx: IntervalJoinContext<unknown>) => unknown;

export function checkBounds(lowerMs: number, upperMs: number): void {
  if (!Number.isFinite(lowerMs) || !Number.isFinite(upperMs)) throw new Error(`interval join bounds must be finite, got [${lowerMs}, ${upperMs}]`);
  if (lowerMs > upperMs) throw new Error(`interval join lower bound ${lowerMs} ms is above the upper bound ${upperMs} ms`);
}

export function intervalJoinOperator(lowerMs: number, upperMs: number, fn: IntervalJoinFunction): Operator {
  checkBounds(lowerMs, upperMs);
  let ctx: OperatorContext;
  let left: MapState<number, unknown[]>;
  let right: MapState<number, unknown[]>;
  // How long past its own time a record of each side may still find a partner.
  const leftKeep = Math.max(upperMs, 0);
  const rightKeep = Math.max(-lowerMs, 0);
  return {
    open(c) {
      ctx = c;
      left = c.state.mapState<number, unknown[]>('left');
      right = c.state.mapState<number, unknown[]>('right');
    },
    process(v, ts, key, input) {
      if (ts <= ctx.timers.currentWatermark()) {
        ctx.countLate();
        return;
      }
      const isLeft = input === 0;
      const own = isLeft ? left : right;
      const list = own.get(ts);
      if (list) {
        list.push(v);
        own.put(ts, list);
      } else own.put(ts, [v]);
      const [from, to] = isLeft ? [ts + lowerMs, ts + upperMs] : [ts - upperMs, ts - lowerMs];
      for (const [other, values] of (isLeft ? right : left).entries()) {
        if (other < from || other > to) continue;
        const c = isLeft ? { key, leftTimestamp: ts, rightTimestamp: other, timestamp: Math.max(ts, other) } : { key, leftTimestamp: other, rightTimestamp: ts, timestamp: Math.max(ts, other) };
        for (const o of values) ctx.output.emit(isLeft ? fn(v, o, c) : fn(o, v, c), c.timestamp, key);
      }
      ctx.timers.registerEventTimeTimer(ts + (isLeft ? leftKeep : rightKeep));
    },
    onTimer(time) {
      for (const t of [...left.keys()]) if (t + leftKeep <= time) left.remove(t);
      for (const t of [...right.keys()]) if (t + rightKeep <= time) right.remove(t);
    },
  };
}
