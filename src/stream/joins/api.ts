// The fluent join API: what KeyedStream.connect, DataStream.join and KeyedStream.intervalJoin return.
// Every join becomes one plan node with two inputs (input 0 the left/first stream, input 1 the
// right/second), marked so the cluster runtime checks that the topics behind it are co-partitioned.
import { DataStream, type JobContext } from '../data-stream.js';
import type { PlanNode } from '../plan.js';
import type { OperatorFactory } from '../runtime/operator.js';
import type { WindowAssigner } from '../windows/assigners.js';
import { coProcessOperator, type KeyedCoProcessFunction } from './co-process.js';
import { intervalJoinOperator, checkBounds, type IntervalJoinContext, type IntervalJoinFunction } from './interval-join.js';
import { streamTableJoinOperator, type Joiner } from './stream-table-join.js';
import { checkJoinAssigner, windowJoinOperator, type WindowJoinContext, type WindowJoinFunction } from './window-join.js';

/** What a join needs of a stream or table: its job and plan node. */
interface JoinInput {
  readonly jobContext: JobContext;
  readonly node: PlanNode;
}

/** Adds a two-input join node over `left` (input 0) and `right` (input 1). */
export function joinNode<O, K>(left: JoinInput, right: JoinInput, name: string, create: OperatorFactory, rightCarriesTime = true): DataStream<O, K> {
  const job = left.jobContext;
  if (right.jobContext !== job) throw new Error(`${name}: both inputs of a join must belong to the same job`);
  const node = job.plan.add({
    name,
    inputs: [{ from: left.node }, { from: right.node, ...(rightCarriesTime ? {} : { ignoreWatermark: true }) }],
    create,
    coPartitioned: true,
  });
  return new DataStream<O, K>(job, node);
}

/** stream.join(table) / leftJoin(table). The table's input carries no event time (see PlanEdge). */
export function streamTableJoin<O, K>(stream: JoinInput, table: JoinInput, joiner: Joiner, left: boolean, name: string): DataStream<O, K> {
  return joinNode<O, K>(stream, table, name, () => streamTableJoinOperator(joiner, left), false);
}

/** Two keyed streams sharing one key's state and timers: `keyedA.connect(keyedB)`. */
export class ConnectedStreams<T1, T2, K> {
  constructor(private readonly first: DataStream<T1, K>, private readonly second: DataStream<T2, K>) {}

  /** As KeyedStream.process: give a factory when the function keeps state handles from open(). */
  process<O>(fn: KeyedCoProcessFunction<K, T1, T2, O> | (() => KeyedCoProcessFunction<K, T1, T2, O>), name = 'coProcess'): DataStream<O, K> {
    return joinNode<O, K>(this.first, this.second, name, () => coProcessOperator((typeof fn === 'function' ? fn() : fn) as KeyedCoProcessFunction<unknown, unknown, unknown, unknown>));
  }
}

/**
 * `a.join(b)`: pairs records of two streams by key. Keyed streams join on their keys as they are; other
 * streams name the keys with `where(…).equalTo(…)` (each side then needs its input partitioned by its
 * key, as keyBy does).
 */
export class JoinedStreams<T1, T2, K> {
  constructor(private readonly left: DataStream<T1, unknown>, private readonly right: DataStream<T2, unknown>, private readonly keys?: [(v: T1) => K, (v: T2) => K]) {}

  where<K2>(leftKey: (value: T1) => K2): { equalTo(rightKey: (value: T2) => K2): JoinedStreams<T1, T2, K2> } {
    return { equalTo: (rightKey) => new JoinedStreams<T1, T2, K2>(this.left, this.right, [leftKey, rightKey]) };
  }

  window(assigner: WindowAssigner): WindowJoin<T1, T2, K> {
    checkJoinAssigner(assigner);
    return new WindowJoin<T1, T2, K>(() => this.inputs(), assigner);
  }

  private inputs(): [DataStream<T1, K>, DataStream<T2, K>] {
    if (!this.keys) return [this.left as DataStream<T1, K>, this.right as DataStream<T2, K>];
    return [this.left.keyBy(this.keys[0], 'joinKeyLeft'), this.right.keyBy(this.keys[1], 'joinKeyRight')];
  }
}

export class WindowJoin<T1, T2, K> {
  constructor(private readonly inputs: () => [DataStream<T1, K>, DataStream<T2, K>], private readonly assigner: WindowAssigner) {}

  /** Calls `fn` for every pair of a window when it fires; the pair's time is the window's last instant. */
  apply<O>(fn: (left: T1, right: T2, ctx: WindowJoinContext<K>) => O, name = 'windowJoin'): DataStream<O, K> {
    const [l, r] = this.inputs();
    const assigner = this.assigner;
    return joinNode<O, K>(l, r, name, () => windowJoinOperator(assigner, fn as WindowJoinFunction));
  }
}

/** `keyedA.intervalJoin(keyedB)`: then `between(lower, upper)`. */
export class IntervalJoinBuilder<T1, T2, K> {
  constructor(private readonly left: DataStream<T1, K>, private readonly right: DataStream<T2, K>) {}

  /** Pairs a left record at a with right records at b in [a + lowerMs, a + upperMs] (both inclusive). */
  between(lowerMs: number, upperMs: number): IntervalJoin<T1, T2, K> {
    checkBounds(lowerMs, upperMs);
    return new IntervalJoin<T1, T2, K>(this.left, this.right, lowerMs, upperMs);
  }
}

export class IntervalJoin<T1, T2, K> {
  constructor(private readonly left: DataStream<T1, K>, private readonly right: DataStream<T2, K>, private readonly lowerMs: number, private readonly upperMs: number) {}

  /** Calls `fn` for every pair as soon as both are there; the output's time is the later of the two. */
  process<O>(fn: (left: T1, right: T2, ctx: IntervalJoinContext<K>) => O, name = 'intervalJoin'): DataStream<O, K> {
    const { lowerMs, upperMs } = this;
    return joinNode<O, K>(this.left, this.right, name, () => intervalJoinOperator(lowerMs, upperMs, fn as IntervalJoinFunction));
  }
}
