// Job metrics as JSON: per operator records in/out (summed over the instance's tasks), late drops,
// watermark; per task input lag and state size. Rates are computed by whoever samples twice.
import type { Task } from './task.js';
import { isTimerStore } from './timers.js';

export interface OperatorMetrics {
  name: string;
  recordsIn: number;
  recordsOut: number;
  lateDropped: number;
  /** The lowest watermark over the tasks (null before any). */
  watermark: number | null;
}

export interface StoreMetrics {
  /** `<operator>/<state name>`. */
  store: string;
  /** Keys holding a cell in the store. */
  keys: number;
  /** Entries: 1 per value cell, the size of a MapState, the length of a ListState. */
  entries: number;
}

export interface TaskMetrics {
  partition: number;
  watermark: number | null;
  /** Keyed state entries over the task's stores (see StoreMetrics), timers left out: they are `timers`. */
  stateEntries: number;
  /** Per store (timer stores left out), largest first. */
  stores: StoreMetrics[];
  /** Registered event-time and processing-time timers. */
  timers: number;
  /** Records between the task's position and the end of its input partitions (topics only). */
  lag?: number;
}

export interface JobMetrics {
  applicationId: string;
  at: number;
  operators: OperatorMetrics[];
  tasks: TaskMetrics[];
}

const finite = (n: number) => (Number.isFinite(n) ? n : null);

/** `operatorsOnly`: the counters without the per-task part, which walks the state (cheap enough to sample every second). */
export function snapshotMetrics(applicationId: string, tasks: readonly Task[], lagOf?: (t: Task) => number | undefined, operatorsOnly = false): JobMetrics {
  const operators = new Map<string, OperatorMetrics>();
  for (const t of tasks) {
    for (const n of t.nodes) {
      let m = operators.get(n.plan.name);
      if (!m) operators.set(n.plan.name, (m = { name: n.plan.name, recordsIn: 0, recordsOut: 0, lateDropped: 0, watermark: null }));
      m.recordsIn += n.metrics.recordsIn;
      m.recordsOut += n.metrics.recordsOut;
      m.lateDropped += n.metrics.lateDropped;
      const wm = finite(n.watermark);
      if (wm !== null && (m.watermark === null || wm < m.watermark)) m.watermark = wm;
    }
  }
  return {
    applicationId,
    at: Date.now(),
    operators: [...operators.values()],
    tasks: operatorsOnly ? [] : tasks.map((t) => {
      const lag = lagOf?.(t);
      const stores = t.backend.storeStats().filter((s) => !isTimerStore(s.store) && s.keys > 0).sort((a, b) => b.entries - a.entries || (a.store < b.store ? -1 : 1));
      return {
        partition: t.partition,
        watermark: finite(t.watermark()),
        stateEntries: stores.reduce((n, s) => n + s.entries, 0),
        stores,
        timers: t.nodes.reduce((s, n) => s + n.timerCount(), 0),
        ...(lag !== undefined ? { lag } : {}),
      };
    }),
  };
}
