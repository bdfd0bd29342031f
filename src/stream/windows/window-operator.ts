// The keyed window operator: assigns each record to windows, folds it into the window's
// accumulator (incremental aggregation; a full-window function keeps the records instead), and fires
// when the watermark passes the window's last instant. With allowed lateness the window's state is
// kept that much longer and each late record fires it again with the updated result (Flink's
// behaviour); records later than that go to the late-data side output, or are counted and dropped.
//
// State per key: a MapState from the window's start to its accumulator (windows of one assigner all
// have its size, so the start names a window; a number key spares building and hashing a string per
// record and window). Event-time timers at end - 1 fire the window, at end - 1 + lateness clean it up;
// both live in keyed state, so a restored task fires exactly the windows the original would have.
// Changelogs written before kept "start:end" strings; open() converts them.
import type { Operator, OperatorContext } from '../runtime/operator.js';
import type { MapState, TimeWindow } from '../types.js';
import type { WindowAssigner } from './assigners.js';

/** Incremental aggregation, as Flink's AggregateFunction; `merge` is needed by session windows. */
export interface AggregateFunction<I, A, R> {
  createAccumulator(): A;
  add(value: I, accumulator: A): A;
  getResult(accumulator: A): R;
  merge?(a: A, b: A): A;
}

/** What a window emits: the aggregate result and where it came from. */
export interface WindowResultContext<K> {
  key: K;
  window: TimeWindow;
  /** True for a firing caused by a late record (an update of an earlier result). */
  late: boolean;
}

export interface WindowSpec {
  assigner: WindowAssigner;
  aggregate: AggregateFunction<unknown, unknown, unknown>;
  /** Turns a result into the emitted value; default: the result itself. */
  result?: (result: unknown, ctx: WindowResultContext<unknown>) => unknown;
  allowedLatenessMs: number;
  lateTag?: string;
  /** Count windows: fire and purge every `count` records per key (no time involved). */
  count?: number;
}

interface SessionWindow {
  start: number;
  end: number;
  acc: unknown;
}

/** A restored cell of the earlier format, keyed "start:end", rekeyed by start. */
function migrateWindowCell(cell: Map<unknown, unknown>): Map<number, unknown> | undefined {
  let old = false;
  for (const k of cell.keys()) if (typeof k === 'string') old = true;
  if (!old) return undefined;
  const out = new Map<number, unknown>();
  for (const [k, acc] of cell) out.set(typeof k === 'string' ? Number(k.slice(0, k.indexOf(':'))) : (k as number), acc);
  return out;
}

export function windowOperator(spec: WindowSpec): Operator {
  let ctx: OperatorContext;
  let windows: MapState<number, unknown>;
  let sessions: MapState<'s', SessionWindow[]>;
  let counts: MapState<'c', { n: number; acc: unknown }>;
  const lateness = spec.allowedLatenessMs;
  const agg = spec.aggregate;
  const resultOf = spec.result;
  const assigner = spec.assigner;
  const eventTime = assigner.eventTime;
  const size = assigner.sizeMs!;
  if (spec.count === undefined && !assigner.merging && !(size > 0)) throw new Error(`window assigner '${assigner.describe()}' gives no fixed window size (sizeMs)`);

  const fire = (key: unknown, w: TimeWindow, acc: unknown, late: boolean) => {
    const r = agg.getResult(acc);
    ctx.output.emit(resultOf ? resultOf(r, { key, window: w, late }) : r, w.end - 1, key);
  };
  const watermark = () => (eventTime ? ctx.timers.currentWatermark() : ctx.timers.currentProcessingTime());
  const registerFire = (t: number) => (eventTime ? ctx.timers.registerEventTimeTimer(t) : ctx.timers.registerProcessingTimeTimer(t));
  const deleteFire = (t: number) => (eventTime ? ctx.timers.deleteEventTimeTimer(t) : ctx.timers.deleteProcessingTimeTimer(t));
  const dropLate = (v: unknown, ts: number, key: unknown) => {
    if (spec.lateTag) ctx.sideOutput(spec.lateTag).emit(v, ts, key);
    ctx.countLate();
  };

  function processCount(v: unknown, key: unknown): void {
    const cell = counts.get('c') ?? { n: 0, acc: agg.createAccumulator() };
    cell.acc = agg.add(v, cell.acc);
    cell.n++;
    if (cell.n >= spec.count!) {
      const r = agg.getResult(cell.acc);
      counts.remove('c');
      ctx.output.emit(resultOf ? resultOf(r, { key, window: { start: -Infinity, end: Infinity }, late: false }) : r, ctx.timers.currentWatermark(), key);
    } else counts.put('c', cell);
  }

  function processSession(v: unknown, ts: number, key: unknown): void {
    const [w] = assigner.assign(ts);
    const wm = watermark();
    if (w!.end - 1 + lateness <= wm) return dropLate(v, ts, key);
    const list = sessions.get('s') ?? [];
    let merged: SessionWindow = { start: w!.start, end: w!.end, acc: agg.add(v, agg.createAccumulator()) };
    const keep: SessionWindow[] = [];
    for (const s of list) {
      if (s.start < merged.end && merged.start < s.end) {
        if (!agg.merge) throw new Error('session windows need an aggregate function with merge()');
        deleteFire(s.end - 1);
        if (lateness > 0) ctx.timers.deleteEventTimeTimer(s.end - 1 + lateness);
        merged = { start: Math.min(s.start, merged.start), end: Math.max(s.end, merged.end), acc: agg.merge(s.acc, merged.acc) };
      } else keep.push(s);
    }
    keep.push(merged);
    keep.sort((a, b) => a.start - b.start);
    sessions.put('s', keep);
    if (merged.end - 1 <= wm) fire(key, merged, merged.acc, true);
    else registerFire(merged.end - 1);
    if (lateness > 0) ctx.timers.registerEventTimeTimer(merged.end - 1 + lateness);
  }

  return {
    open(c) {
      ctx = c;
      windows = c.state.mapState<number, unknown>('windows');
      const store = `${c.name}/windows`;
      for (const key of [...c.backend.keys(store)]) {
        const migrated = migrateWindowCell(c.backend.get(store, key) as Map<unknown, unknown>);
        if (migrated) c.backend.put(store, key, migrated);
      }
      sessions = c.state.mapState<'s', SessionWindow[]>('sessions');
      counts = c.state.mapState<'c', { n: number; acc: unknown }>('count');
    },

    process(v, ts0, key) {
      if (spec.count !== undefined) return processCount(v, key);
      const ts = eventTime ? ts0 : ctx.timers.currentProcessingTime();
      if (assigner.merging) return processSession(v, ts, key);
      const wm = watermark();
      let assigned = false;
      for (const w of assigner.assign(ts)) {
        const last = w.end - 1;
        // A window past its lateness is gone; the record is late for it.
        if (eventTime && last + lateness <= wm) continue;
        assigned = true;
        const had = windows.get(w.start);
        const acc = agg.add(v, had === undefined ? agg.createAccumulator() : had);
        windows.put(w.start, acc);
        const isLate = eventTime && last <= wm;
        // Late but within the allowed lateness: the window already fired; fire the update.
        if (isLate) fire(key, w, acc, true);
        if (had === undefined) {
          if (!isLate) registerFire(last);
          // Even when the window's first record is late: without its cleanup timer the state of a key
          // that never comes back would stay forever.
          if (lateness > 0) ctx.timers.registerEventTimeTimer(last + lateness);
        }
      }
      if (!assigned) dropLate(v, ts, key);
    },

    onTimer(time, key) {
      if (spec.count !== undefined) return;
      if (assigner.merging) {
        const list = sessions.get('s');
        if (!list) return;
        const rest: SessionWindow[] = [];
        for (const s of list) {
          if (s.end - 1 === time) fire(key, s, s.acc, false);
          // Purged once past its lateness (at once when there is none).
          if (!(s.end - 1 + lateness <= time)) rest.push(s);
        }
        if (rest.length > 0) sessions.put('s', rest);
        else sessions.clear();
        return;
      }
      for (const [start, acc] of [...windows.entries()]) {
        const last = start + size - 1;
        if (last === time) fire(key, { start, end: start + size }, acc, false);
        if (last + lateness <= time) windows.remove(start);
      }
    },
  };
}

/** Full-window functions keep every record: an aggregate whose accumulator is the list. */
export function collectingAggregate<I, R>(fn: (elements: I[]) => R): AggregateFunction<I, I[], R> {
  return {
    createAccumulator: () => [],
    add: (v, acc) => {
      acc.push(v);
      return acc;
    },
    getResult: (acc) => fn(acc),
    merge: (a, b) => a.concat(b),
  };
}

/** reduce(fn) as an aggregate: the accumulator is the reduced value. */
export function reducingAggregate<T>(fn: (a: T, b: T) => T): AggregateFunction<T, T | undefined, T> {
  return {
    createAccumulator: () => undefined,
    add: (v, acc) => (acc === undefined ? v : fn(acc, v)),
    getResult: (acc) => acc as T,
    merge: (a, b) => (a === undefined ? b : b === undefined ? a : fn(a, b)),
  };
}
