// Tables (Kafka Streams' KTable): a changelog read as the latest value per key. A table is a plan node
// whose records are updates (value) and deletions (null) of its key; it keeps no state of its own. The
// operators that need the rows — a stream–table join — materialise them in their own keyed state,
// which the changelog topic restores like any other.
import { DataStream, type JobContext } from '../data-stream.js';
import type { PlanNode } from '../plan.js';
import type { Operator, OperatorContext } from '../runtime/operator.js';

const isDeletion = (v: unknown) => v === null || v === undefined;

function tableOperator(fn: (value: unknown, key: unknown) => unknown): Operator {
  let ctx: OperatorContext;
  return {
    open: (c) => (ctx = c),
    process: (v, ts, key) => ctx.output.emit(isDeletion(v) ? null : fn(v, key), ts, key),
  };
}

export class KTable<K, V> {
  constructor(private readonly job: JobContext, readonly node: PlanNode) {}

  /** @internal */
  get jobContext(): JobContext {
    return this.job;
  }

  /** The table's changelog: every update as a record of its key, a deletion as a null value. */
  toStream(): DataStream<V | null, K> {
    return new DataStream<V | null, K>(this.job, this.node);
  }

  /**
   * Rows that fail the predicate are left out. As Kafka Streams does without a store behind the
   * filter, an update that fails becomes a deletion of its key, so a row that stops matching goes away.
   */
  filter(predicate: (value: V, key: K) => boolean, name = 'tableFilter'): KTable<K, V> {
    const pred = predicate as (v: unknown, k: unknown) => boolean;
    return this.derive<V>(name, (v, k) => (pred(v, k) ? v : null));
  }

  /** Each row transformed; deletions stay deletions. */
  mapValues<V2>(fn: (value: V, key: K) => V2, name = 'tableMapValues'): KTable<K, V2> {
    return this.derive<V2>(name, fn as (v: unknown, k: unknown) => unknown);
  }

  private derive<V2>(name: string, fn: (value: unknown, key: unknown) => unknown): KTable<K, V2> {
    const node = this.job.plan.add({ name, inputs: [{ from: this.node }], create: () => tableOperator(fn) });
    return new KTable<K, V2>(this.job, node);
  }
}
