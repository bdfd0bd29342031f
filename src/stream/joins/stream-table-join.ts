// The stream–table join, with Kafka Streams' semantics: input 0 is the stream, input 1 the table's
// changelog (a value per key, null or undefined deleting it). Each stream record looks up the row its
// key has when the record is processed; a record processed before its row arrives is not retried
// (the inner join drops it, the left join emits it without a row). Later table updates do not revise
// joined output either: the table side only ever updates state.
//
// State: one value cell per key holding the latest row, so the table costs one entry per live key.
import type { Operator, OperatorContext } from '../runtime/operator.js';
import type { ValueState } from '../types.js';

export type Joiner = (value: unknown, row: unknown, key: unknown) => unknown;

export function streamTableJoinOperator(joiner: Joiner, left: boolean): Operator {
  let ctx: OperatorContext;
  let row: ValueState<unknown>;
  return {
    open(c) {
      ctx = c;
      row = c.state.valueState('row');
    },
    process(v, ts, key, input) {
      if (input === 1) {
        // A table record without a key has no row to be: Kafka Streams ignores it too.
        if (key === null || key === undefined) return;
        if (v === null || v === undefined) row.clear();
        else row.update(v);
        return;
      }
      const r = key === null || key === undefined ? undefined : row.value();
      if (r === undefined && !left) return;
      ctx.output.emit(joiner(v, r, key), ts, key);
    },
  };
}
