// Regression tests for reviewed bugs in the stream library: each failed before its fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamJob, TumblingEventTimeWindows, WatermarkStrategies } from '../../../src/stream/index.js';
import { Task } from '../../../src/stream/runtime/task.js';
import { StateBackend } from '../../../src/stream/state/state-backend.js';

interface Ev {
  k: string;
  v: number;
  t: number;
}
const e = (t: number, v = 1, k = 'a'): Ev => ({ k, v, t });

const countAgg = {
  createAccumulator: () => 0,
  add: (_e: Ev, n: number) => n + 1,
  getResult: (n: number) => n,
};

/** A task over the job's only source, records pushed by hand so state can be looked at in between. */
function manualTask(job: StreamJob): { task: Task; push: (v: unknown, key?: unknown) => void; end: () => void } {
  const writer = { write: () => assert.fail('no topics'), writeAsync: () => assert.fail('no topics') };
  const task = new Task(job.plan, -1, new StateBackend(false), writer);
  const input = task.input(job.plan.sources()[0]!.id);
  return { task, push: (v, key) => input.push(v, 0, key), end: () => { input.end(); task.endInput(); } };
}

const windowCells = (task: Task, op = 'window') => [...task.backend.keys(`${op}/windows`)].length;

test('a window whose first record is late (within the allowed lateness) is cleaned up', () => {
  const job = new StreamJob({ applicationId: 'late-first' });
  const out: Array<[string, number, number, boolean]> = [];
  job.fromItems<Ev>([], { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) })
    .keyBy((x) => x.k)
    .window(TumblingEventTimeWindows.of(1000))
    .allowedLateness(1000)
    .aggregate(countAgg, (n, c) => [c.key, c.window.start, n, c.late] as [string, number, number, boolean])
    .collect(out);
  const { task, push } = manualTask(job);
  push(e(1500)); // W = 1499: [0,1000) is past its end, within its lateness (cleanup at 1999)
  push(e(500, 1, 'b')); // b's first record of [0,1000): fires at once as a late update
  assert.deepEqual(out, [['b', 0, 1, true]]);
  assert.equal(windowCells(task), 2);
  push(e(2600)); // W = 2599: past [0,1000)'s cleanup time; b never comes back
  assert.deepEqual([...task.backend.keys('window/windows')], ['a'], "b's window is gone");
});
