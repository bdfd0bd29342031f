// Regression tests for reviewed bugs in the stream library: each failed before its fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputTag, SlidingEventTimeWindows, StreamJob, TumblingEventTimeWindows, WatermarkStrategies, runInMemory } from '../../../src/stream/index.js';
import { Task } from '../../../src/stream/runtime/task.js';
import { snapshotMetrics } from '../../../src/stream/runtime/metrics.js';
import { TimerQueue } from '../../../src/stream/runtime/timers.js';
import { decodeState, encodeState, StateBackend } from '../../../src/stream/state/state-backend.js';

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

test('TimerQueue: O(1) per key however many timers it holds, ties fire in key order, deletes leave at once', () => {
  const backend = new StateBackend(true);
  const q = new TimerQueue(backend, 'op/__event_timers');
  const n = 200_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) q.register(i, 'hot');
  for (let i = 0; i < n; i += 2) q.delete(i, 'hot');
  for (let i = 0; i < n; i++) q.register(i, 'hot'); // odd ones already there: no-ops
  const ms = performance.now() - started;
  // Per-key arrays searched linearly took minutes here (O(n²)); the index takes milliseconds.
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms for ${n * 2.5} operations on one key`);
  assert.equal(q.size, n);
  for (let i = 0; i < n; i++) q.delete(i, 'hot');
  assert.equal(q.size, 0);
  assert.equal(q.peekTime(), Infinity);
  assert.deepEqual([...backend.keys('op/__event_timers')], []);

  for (const k of ['c', 'a', { id: 2 }, 'b']) q.register(10, k);
  q.register(5, 'z');
  q.register(10, 'a'); // already registered
  q.delete(10, 'b');
  assert.equal(q.size, 4);
  const fired = [];
  for (let t = q.pollDue(10); t; t = q.pollDue(10)) fired.push([t.time, t.key]);
  assert.deepEqual(fired, [[5, 'z'], [10, 'a'], [10, 'c'], [10, { id: 2 }]]);
});

test('TimerQueue: the changelog keeps its format (one cell per key: the array of its times) and restores', () => {
  const backend = new StateBackend(true);
  const q = new TimerQueue(backend, 'op/__event_timers');
  q.register(30, 'a');
  q.register(10, 'a');
  q.register(20, 'a');
  q.register(15, { k: 1 });
  q.delete(30, 'a');
  const changes = backend.takeChanges().map((c) => ({ ...c, value: c.value === undefined ? undefined : decodeState(encodeState(c.value)) }));
  assert.deepEqual(changes.map((c) => [c.store, c.key, [...(c.value as number[])].sort((x, y) => x - y)]), [['op/__event_timers', 'a', [10, 20]], ['op/__event_timers', { k: 1 }, [15]]]);

  // A changelog written by the previous TimerQueue (same format, arrays in registration order).
  const restored = new StateBackend(true);
  for (const c of changes) restored.restore(c.store, c.key, c.value);
  restored.restore('op/__event_timers', 'b', [40, 5]);
  const r = new TimerQueue(restored, 'op/__event_timers');
  r.reload();
  assert.equal(r.size, 5);
  assert.deepEqual(restored.takeChanges(), [], 'reloading logs nothing');
  r.delete(20, 'a');
  r.register(25, 'b');
  const due = [];
  for (let t = r.pollDue(Infinity); t; t = r.pollDue(Infinity)) due.push([t.time, t.key]);
  assert.deepEqual(due, [[5, 'b'], [10, 'a'], [15, { k: 1 }], [25, 'b'], [40, 'b']]);
  assert.deepEqual(restored.takeChanges().map((c) => [c.key, c.value]), [['a', undefined], ['b', undefined], [{ k: 1 }, undefined]]);
  // A key whose only timer moves, again and again (its index entry is reused).
  for (let i = 0; i < 3000; i++) {
    r.register(100 + i, `k${i % 2000}`);
    if (i > 0) r.delete(100 + i - 1, `k${(i - 1) % 2000}`);
  }
  assert.equal(r.size, 1);
  assert.deepEqual([...restored.keys('op/__event_timers')], ['k999']);
  assert.deepEqual(restored.get('op/__event_timers', 'k999'), [3099]);
  assert.deepEqual(r.pollDue(Infinity), { time: 3099, key: 'k999' });
  assert.deepEqual([...restored.keys('op/__event_timers')], []);
});

test('timers registered in onTimer at or before the watermark fire in the same advance; re-registering the firing timer does not loop', () => {
  const job = new StreamJob({ applicationId: 'timer-chain' });
  const out: string[] = [];
  job.fromItems<Ev>([], { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) })
    .keyBy((x) => x.k)
    .process<string>({
      processElement(v, ctx) {
        out.push(`record ${v.k}@${v.t}`);
        if (v.k === 'chain') ctx.timers.registerEventTimeTimer(v.t + 10);
        if (v.k === 'again') ctx.timers.registerEventTimeTimer(v.t + 1);
      },
      onTimer(time, ctx) {
        out.push(`timer ${ctx.key}@${time} (W=${ctx.timers.currentWatermark()})`);
        if (ctx.key === 'chain' && time < 140) ctx.timers.registerEventTimeTimer(time + 10);
        if (ctx.key === 'again') ctx.timers.registerEventTimeTimer(time); // the timer firing now
      },
    })
    .collect([]);
  const { task, push } = manualTask(job);
  push(e(100, 1, 'chain'));
  push(e(100, 1, 'again'));
  push(e(1000, 1, 'x')); // W = 999: 110 fires and registers 120, 130, 140 in turn; all are due
  push(e(2000, 1, 'y')); // W = 1999: 'again' fires once more
  assert.deepEqual(out, [
    'record chain@100', 'record again@100', 'record x@1000',
    'timer again@101 (W=999)', 'timer chain@110 (W=999)', 'timer chain@120 (W=999)', 'timer chain@130 (W=999)', 'timer chain@140 (W=999)',
    'record y@2000', 'timer again@101 (W=1999)',
  ]);
  assert.equal(task.nodes.reduce((n, x) => n + x.timerCount(), 0), 1, "'again' stays registered");
});

test('late data: sideOutputLateData(tag) wires the window node to getSideOutput(tag); a tag nobody emits is refused', async () => {
  const late = new OutputTag<Ev>('too-late');
  const build = (withTag: boolean) => {
    const job = new StreamJob({ applicationId: 'late-tag' });
    let w = job.fromItems([e(100), e(900), e(1600), e(1100, 5) /* late for [500,1500) only: kept */, e(3000), e(400, 7) /* late for both of its windows */], {
      watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t),
    })
      .keyBy((x) => x.k)
      .window(SlidingEventTimeWindows.of(1000, 500));
    if (withTag) w = w.sideOutputLateData(late);
    return { job, windowed: w.aggregate(countAgg) };
  };
  const { job, windowed } = build(true);
  const lateRows: Array<[Ev, number, unknown]> = [];
  windowed.getSideOutput(late).sink((v, ts, key) => lateRows.push([v, ts, key]));
  const summary = await runInMemory(job);
  assert.deepEqual(lateRows, [[e(400, 7), 400, 'a']]);
  assert.equal(summary.metrics.operators.find((o) => o.name === 'window')!.lateDropped, 1);

  assert.throws(() => build(false).windowed.getSideOutput(late), /'window' emits no side output 'too-late' \(give it with \.sideOutputLateData/);
  assert.throws(() => build(true).windowed.map((x) => x).getSideOutput(late), /'map' emits no side output/);
  // A process function may emit any tag.
  const j = new StreamJob({ applicationId: 'any-tag' });
  j.fromItems([1]).keyBy((x) => x).process({ processElement: () => {} }).getSideOutput(late);
});

test('toTopic: the key option is typed from the stream value, its result need not be the stream key', () => {
  const job = new StreamJob({ applicationId: 'sink-key' });
  const keyed = job.fromItems<Ev>([e(1, 3, 'x'), e(2, 4, 'y')], { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) }).keyBy((x) => x.v);
  // The stream's key is a number; the record key a string from the value (the parameter is an Ev).
  keyed.toTopic('by-name', { key: (v) => `${v.k}-${v.t}`, keySerde: { name: 'upper', serialize: (k: string) => k.toUpperCase(), deserialize: () => '' } });
  keyed.toTopic('by-stream-key', { keySerde: { name: 'num', serialize: (k: number) => String(k * 10), deserialize: () => 0 } });
  // @ts-expect-error the value has no field 'nope'
  keyed.toTopic('bad', { key: (v) => v.nope });
  // @ts-expect-error a string key written with a serde of numbers
  keyed.toTopic('bad2', { key: (v) => v.k, keySerde: { name: 'num', serialize: (k: number) => String(k), deserialize: () => 0 } });
  const written: Array<[string, unknown]> = [];
  const writer = { write: (topic: string, key: unknown) => written.push([topic, key]), writeAsync: () => assert.fail('sync serdes') };
  const task = new Task(job.plan, -1, new StateBackend(false), writer);
  const input = task.input(job.plan.sources()[0]!.id);
  input.push(e(1, 3, 'x'), 0, undefined);
  input.push(e(2, 4, 'y'), 0, undefined);
  assert.deepEqual(written.filter(([t]) => !t.startsWith('bad')), [['by-name', 'X-1'], ['by-stream-key', '30'], ['by-name', 'Y-2'], ['by-stream-key', '40']]);
});

test('metrics: stateEntries counts keyed entries (map keys, list elements, value cells) per store, timers apart', async () => {
  const job = new StreamJob({ applicationId: 'state-metrics' });
  job.fromItems([e(1, 1, 'a'), e(2, 2, 'a'), e(3, 3, 'b')], { watermarks: WatermarkStrategies.none<Ev>() })
    .keyBy((x) => x.k)
    .process({
      processElement(v, ctx) {
        ctx.state.valueState<number>('last').update(v.v);
        ctx.state.mapState<number, number>('seen').put(v.t, v.v);
        ctx.state.mapState<number, number>('seen').put(v.t + 100, v.v);
        ctx.state.listState<number>('all').add(v.v);
        ctx.timers.registerEventTimeTimer(1_000 + v.t);
      },
    }, 'p')
    .collect([]);
  const { metrics } = await runInMemory(job);
  const [task] = metrics.tasks;
  // The run ended: END_OF_TIME fired the timers; the state stays.
  assert.equal(task!.timers, 0);
  assert.deepEqual(task!.stores, [
    { store: 'p/seen', keys: 2, entries: 6 },
    { store: 'p/all', keys: 2, entries: 3 },
    { store: 'p/last', keys: 2, entries: 2 },
  ]);
  assert.equal(task!.stateEntries, 11);

  // Timers are counted once, in `timers`, not as state.
  const t2 = manualTask(job);
  t2.push(e(5, 1, 'a'));
  t2.push(e(6, 1, 'a'));
  const m = snapshotMetrics('x', [t2.task]).tasks[0]!;
  assert.equal(m.timers, 2);
  assert.equal(m.stateEntries, 1 + 4 + 2);
});

test('window state keyed by window start; a changelog of the earlier "start:end" format is converted on open', () => {
  const job = new StreamJob({ applicationId: 'window-keys' });
  const out: Array<[string, number, number]> = [];
  job.fromItems<Ev>([], { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) })
    .keyBy((x) => x.k)
    .window(TumblingEventTimeWindows.of(1000))
    .allowedLateness(500)
    .aggregate(countAgg, (n, c) => [c.key, c.window.start, n] as [string, number, number])
    .collect(out);
  // State and timers as an earlier version logged them: window [1000,2000) of 'a' holds 2 records.
  const backend = new StateBackend(true);
  backend.restore('window/windows', 'a', decodeState(encodeState(new Map([['1000:2000', 2]]))));
  backend.restore('window/__event_timers', 'a', [1999, 2499]);
  const writer = { write: () => assert.fail('no topics'), writeAsync: () => assert.fail('no topics') };
  const task = new Task(job.plan, 0, backend, writer);
  task.reloadTimers();
  assert.deepEqual(backend.get('window/windows', 'a'), new Map([[1000, 2]]));
  assert.deepEqual(backend.takeChanges().map((c) => c.store), ['window/windows'], 'the converted cell is logged in the new format');
  const input = task.input(job.plan.sources()[0]!.id);
  input.push(e(1500), 0, undefined);
  input.push(e(2100), 0, undefined); // W = 2099: [1000,2000) fires with 3
  input.push(e(1800), 0, undefined); // late, within lateness: fires again with 4
  input.push(e(3000), 0, undefined); // W = 2999: [1000,2000) cleaned up at 2499, [2000,3000) fires
  assert.deepEqual(out, [['a', 1000, 3], ['a', 1000, 4], ['a', 2000, 1]]);
  assert.deepEqual([...(backend.get('window/windows', 'a') as Map<number, unknown>).keys()].sort(), [2000, 3000]);
});

test('the final watermark ends even when a timer re-arms itself for later; many timers on one key stay fast', async () => {
  const job = new StreamJob({ applicationId: 'periodic' });
  const out: Array<[string, number]> = [];
  job.fromItems([e(0, 1, 'a'), e(100, 1, 'b'), e(12_000, 1, 'a')], { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) })
    .keyBy((x) => x.k)
    .process<[string, number]>({
      processElement(v, ctx) {
        ctx.timers.registerEventTimeTimer(v.t - (v.t % 5000) + 4999);
        // Thousands of timers of one key (a key the slow per-key lists made quadratic).
        if (v.k === 'b') for (let i = 0; i < 20_000; i++) ctx.timers.registerEventTimeTimer(1_000_000 + i);
      },
      onTimer(time, ctx) {
        if (time < 1_000_000) out.push([ctx.key, time]);
        ctx.timers.registerEventTimeTimer(time + 5000); // every 5 s of event time, forever
      },
    })
    .collect([]);
  const { metrics } = await runInMemory(job);
  // W = 11999 fires a@4999, b@4999 and their successors at 9999; the end of input fires everything
  // up to the latest timer there was (b's 1_019_999), a's and b's 5-second chains included.
  assert.deepEqual(out.slice(0, 4), [['a', 4999], ['b', 4999], ['a', 9999], ['b', 9999]]);
  assert.equal(out.filter(([k]) => k === 'a').at(-1)![1], 999_999);
  assert.ok(metrics.tasks[0]!.timers >= 2, 'the chains stay registered past the last round');
});
