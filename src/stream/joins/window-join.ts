// The window join (Flink's `join … window … apply`): records of both inputs with the same key that fall
// in the same event-time window are paired when the window fires, at its last instant. Per key, one
// MapState cell from window to the records each side has in it; an event-time timer at the window's
// last instant emits every (left, right) pair and drops the window, so state ends with the windows.
// No allowed lateness: a record whose windows have all fired is late, dropped and counted.
import type { Operator, OperatorContext } from '../runtime/operator.js';
import type { MapState, TimeWindow } from '../types.js';
import type { WindowAssigner } from '../windows/assigners.js';

export interface WindowJoinContext<K> {
  key: K;
  window: TimeWindow;
}

export type WindowJoinFunction = (left: unknown, right: unknown, ctx: WindowJoinContext<unknown>) => unknown;

/** [left records, right records] in arrival order. */
type Sides = [unknown[], unknown[]];

const idOf = (w: TimeWindow) => `${w.start}:${w.end}`;
const parse = (s: string): TimeWindow => {
  const i = s.indexOf(':');
  return { start: Number(s.slice(0, i)), end: Number(s.slice(i + 1)) };
};

export function checkJoinAssigner(assigner: WindowAssigner): void {
  if (!assigner.eventTime) throw new Error(`a window join needs event-time windows, got ${assigner.describe()}`);
  if (assigner.merging) throw new Error(`a window join cannot use merging (session) windows, got ${assigner.describe()}: use an interval join`);
}

export function windowJoinOperator(assigner: WindowAssigner, fn: WindowJoinFunction): Operator {
  checkJoinAssigner(assigner);
  let ctx: OperatorContext;
  let windows: MapState<string, Sides>;
  return {
    open(c) {
      ctx = c;
      windows = c.state.mapState<string, Sides>('windows');
    },
    process(v, ts, _key, input) {
      const wm = ctx.timers.currentWatermark();
      let assigned = false;
      for (const w of assigner.assign(ts)) {
        if (w.end - 1 <= wm) continue; // fired already
        assigned = true;
        const id = idOf(w);
        let sides = windows.get(id);
        if (!sides) {
          sides = [[], []];
          ctx.timers.registerEventTimeTimer(w.end - 1);
        }
        sides[input === 0 ? 0 : 1].push(v);
        windows.put(id, sides);
      }
      if (!assigned) ctx.countLate();
    },
    onTimer(time, key) {
      for (const [id, [lefts, rights]] of [...windows.entries()]) {
        const w = parse(id);
        if (w.end - 1 > time) continue;
        windows.remove(id);
        for (const l of lefts) for (const r of rights) ctx.output.emit(fn(l, r, { key, window: w }), w.end - 1, key);
      }
    },
  };
}
