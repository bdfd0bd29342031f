// A keyed two-input process function (Flink's KeyedCoProcessFunction): two streams keyed alike share
// one key's state and timers, so a function can hold what one side said until the other side comes.
import { processOperator, type ProcessContext, type ProcessFunction } from '../runtime/basic-operators.js';
import type { Operator } from '../runtime/operator.js';
import type { KeyedStateStore } from '../types.js';

export interface KeyedCoProcessFunction<K, I1, I2, O> {
  open?(ctx: { state: KeyedStateStore; name: string; partition: number }): void;
  /** A record of the first (connecting) stream. */
  processElement1(value: I1, ctx: ProcessContext<K, O>): void;
  /** A record of the second (connected) stream. */
  processElement2(value: I2, ctx: ProcessContext<K, O>): void;
  onTimer?(time: number, ctx: ProcessContext<K, O> & { domain: 'event' | 'processing' }): void;
}

export function coProcessOperator(fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown>): Operator {
  // Which input the record in hand came on; only meaningful during one process() call, so it is not state.
  let input = 0;
  const single: ProcessFunction<unknown, unknown, unknown> = {
    open: (c) => fn.open?.(c),
    processElement: (v, ctx) => (input === 0 ? fn.processElement1(v, ctx) : fn.processElement2(v, ctx)),
    ...(fn.onTimer ? { onTimer: (t: number, ctx: ProcessContext<unknown, unknown> & { domain: 'event' | 'processing' }) => fn.onTimer!(t, ctx) } : {}),
  };
  const op = processOperator(single);
  return {
    open: (c) => op.open!(c),
    process(v, ts, key, i) {
      input = i;
      op.process(v, ts, key, i);
    },
    onTimer: (time, key, domain) => op.onTimer!(time, key, domain),
  };
}
