// The stream library's core in memory: operators, event time and watermarks, windows of every kind
// against batch computations over the same records, lateness and the late side output, keyed state and
// timers, bounded runs that end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EventTimeSessionWindows,
  OutputTag,
  SlidingEventTimeWindows,
  StreamJob,
  TumblingEventTimeWindows,
  WatermarkStrategies,
  runInMemory,
} from '../../../src/stream/index.js';
import { decodeState, encodeState, StateBackend } from '../../../src/stream/state/state-backend.js';

interface Ev {
  k: string;
  v: number;
  t: number;
}

/** A seeded disorderly input: timestamps jitter up to `jitter` ms behind a rising clock. */
function events(n: number, keys: number, jitter: number, seed = 1): Ev[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) out.push({ k: `k${Math.floor(rnd() * keys)}`, v: Math.floor(rnd() * 100), t: 1_000_000 + i * 7 - Math.floor(rnd() * jitter) });
  return out;
}

const sumAgg = {
  createAccumulator: () => ({ n: 0, sum: 0 }),
  add: (e: Ev, a: { n: number; sum: number }) => ({ n: a.n + 1, sum: a.sum + e.v }),
  getResult: (a: { n: number; sum: number }) => a,
  merge: (a: { n: number; sum: number }, b: { n: number; sum: number }) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
};

type Row = { key: string; start: number; end: number; n: number; sum: number };
const byWindow = (rows: Row[]) => new Map(rows.map((r) => [`${r.key}|${r.start}|${r.end}`, { n: r.n, sum: r.sum }]));

function batchWindows(input: Ev[], assign: (t: number) => Array<{ start: number; end: number }>): Map<string, { n: number; sum: number }> {
  const m = new Map<string, { n: number; sum: number }>();
  for (const e of input) {
    for (const w of assign(e.t)) {
      const k = `${e.k}|${w.start}|${w.end}`;
      const a = m.get(k) ?? { n: 0, sum: 0 };
      m.set(k, { n: a.n + 1, sum: a.sum + e.v });
    }
  }
  return m;
}

test('map, filter, flatMap, union and a bounded run that ends', async () => {
  const job = new StreamJob({ applicationId: 'ops' });
  const a = job.fromItems([1, 2, 3, 4, 5]);
  const b = job.fromItems([10, 20]);
  const out: number[] = [];
  a.map((x) => x * 2).filter((x) => x !== 4).union(b).flatMap((x) => [x, -x]).collect(out);
  const summary = await runInMemory(job);
  assert.deepEqual([...out].sort((x, y) => x - y), [-20, -10, -10, -8, -6, -2, 2, 6, 8, 10, 10, 20]);
  assert.equal(summary.recordsIn, 7);
  assert.equal(summary.metrics.operators.find((o) => o.name === 'filter')!.recordsOut, 4);
});

test('tumbling event-time windows equal a batch computation, whatever the disorder within the bound', async () => {
  const input = events(20_000, 13, 200);
  for (const order of ['as generated', 'reversed in blocks of 20'] as const) {
    const ordered = order === 'as generated' ? input : input.flatMap((_, i) => (i % 20 === 0 ? input.slice(i, i + 20).reverse() : []));
    const job = new StreamJob({ applicationId: 'tumbling' });
    const rows: Row[] = [];
    job.fromItems(ordered, { watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(400).withTimestamps((e) => e.t) })
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(1000))
      .aggregate(sumAgg, (r, c) => ({ key: c.key, start: c.window.start, end: c.window.end, ...r }))
      .collect(rows);
    const summary = await runInMemory(job);
    assert.deepEqual(byWindow(rows), batchWindows(input, (t) => [{ start: t - (t % 1000), end: t - (t % 1000) + 1000 }]), order);
    assert.equal(summary.metrics.operators.find((o) => o.name === 'window')!.lateDropped, 0);
  }
});

test('sliding windows: every window containing a record counts it', async () => {
  const input = events(5000, 5, 50);
  const job = new StreamJob({ applicationId: 'sliding' });
  const rows: Row[] = [];
  job.fromItems(input, { watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(100).withTimestamps((e) => e.t) })
    .keyBy((e) => e.k)
    .window(SlidingEventTimeWindows.of(1000, 250))
    .aggregate(sumAgg, (r, c) => ({ key: c.key, start: c.window.start, end: c.window.end, ...r }))
    .collect(rows);
  await runInMemory(job);
  const assign = (t: number) => {
    const out = [];
    for (let start = t - (t % 250); start > t - 1000; start -= 250) out.push({ start, end: start + 1000 });
    return out;
  };
  assert.deepEqual(byWindow(rows), batchWindows(input, assign));
});

test('session windows merge records closer than the gap', async () => {
  const t = (ms: number) => ({ k: 'a', v: 1, t: ms });
  const input = [t(0), t(50), t(120), t(400), t(430), t(1000), t(90)];
  const job = new StreamJob({ applicationId: 'sessions' });
  const rows: Row[] = [];
  job.fromItems(input, { watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(100).withTimestamps((e) => e.t) })
    .keyBy((e) => e.k)
    .window(EventTimeSessionWindows.withGap(100))
    .aggregate(sumAgg, (r, c) => ({ key: c.key, start: c.window.start, end: c.window.end, ...r }))
    .collect(rows);
  await runInMemory(job);
  // 90 arrives after the watermark passed 1000-100-1=899 > 90+100-1: it is late for its session.
  assert.deepEqual(rows.map((r) => [r.start, r.end, r.n]), [[0, 220, 3], [400, 530, 2], [1000, 1100, 1]]);
});

test('allowed lateness re-fires a window with the updated result; later records go to the side output', async () => {
  const e = (t: number, v = 1) => ({ k: 'a', v, t });
  // Window [0,1000). The watermark trails by 0 ms: W = max - 1.
  const input = [e(100), e(900), e(1500) /* W=1499: fires [0,1000) */, e(950, 10) /* late, within 1000 ms lateness */, e(2600) /* W=2599: [0,1000) cleaned at 999+1000 */, e(990, 100) /* too late */];
  const late = new OutputTag<Ev>('late');
  const job = new StreamJob({ applicationId: 'lateness' });
  const rows: Array<Row & { late: boolean }> = [];
  const lateRows: Ev[] = [];
  const windowed = job.fromItems(input, { watermarks: WatermarkStrategies.monotonous<Ev>().withTimestamps((x) => x.t) })
    .keyBy((x) => x.k)
    .window(TumblingEventTimeWindows.of(1000))
    .allowedLateness(1000)
    .sideOutputLateData(late)
    .aggregate(sumAgg, (r, c) => ({ key: c.key, start: c.window.start, end: c.window.end, late: c.late, ...r }));
  windowed.collect(rows);
  windowed.getSideOutput(late).collect(lateRows);
  const summary = await runInMemory(job);
  assert.deepEqual(rows.filter((r) => r.start === 0).map((r) => [r.n, r.sum, r.late]), [[2, 2, false], [3, 12, true]]);
  assert.deepEqual(lateRows, [e(990, 100)]);
  assert.equal(summary.metrics.operators.find((o) => o.name === 'window')!.lateDropped, 1);
});

test('count windows fire every n records per key', async () => {
  const job = new StreamJob({ applicationId: 'count' });
  const out: number[][] = [];
  job.fromItems([1, 2, 3, 4, 5, 6, 7], { key: (x) => x % 2 })
    .keyBy((x) => x % 2)
    .countWindow(2)
    .process((all) => all)
    .collect(out);
  await runInMemory(job);
  assert.deepEqual(out, [[1, 3], [2, 4], [5, 7]]);
});

test('keyed state and event-time timers in a process function', async () => {
  // Emits each key's running count 100 ms (event time) after its last record: a session-end signal.
  const job = new StreamJob({ applicationId: 'timers' });
  const out: Array<[string, number, number]> = [];
  job.fromItems([{ k: 'a', t: 0 }, { k: 'b', t: 10 }, { k: 'a', t: 50 }, { k: 'c', t: 400 }, { k: 'a', t: 420 }], {
    watermarks: WatermarkStrategies.monotonous<{ k: string; t: number }>().withTimestamps((x) => x.t),
  })
    .keyBy((x) => x.k)
    .process<[string, number, number]>({
      processElement(_v, ctx) {
        const count = ctx.state.valueState<number>('count');
        count.update((count.value() ?? 0) + 1);
        const due = ctx.state.valueState<number>('due');
        if (due.value() !== undefined) ctx.timers.deleteEventTimeTimer(due.value()!);
        due.update(ctx.timestamp + 100);
        ctx.timers.registerEventTimeTimer(ctx.timestamp + 100);
      },
      onTimer(time, ctx) {
        ctx.collect([ctx.key, ctx.state.valueState<number>('count').value()!, time]);
        ctx.state.valueState('count').clear();
        ctx.state.valueState('due').clear();
      },
    })
    .collect(out);
  await runInMemory(job);
  // b fires at 110 and a (last at 50) at 150 once the watermark passes them (record 400); c and a's
  // second run fire at the end of input, in time order.
  assert.deepEqual(out, [['b', 1, 110], ['a', 2, 150], ['c', 1, 500], ['a', 1, 520]]);
});

test('state survives the changelog encoding: Maps, bigints and infinities', () => {
  const backend = new StateBackend(true);
  let key: unknown = 'AAPL';
  const store = backend.keyedStore('op', () => key);
  store.mapState<string, unknown>('m').put('x', { a: 1n, b: -Infinity });
  key = { composite: 1 };
  store.valueState<number>('v').update(7);
  const changes = backend.takeChanges();
  assert.equal(changes.length, 2);
  const restored = new StateBackend(true);
  for (const c of changes) restored.restore(c.store, c.key, decodeState(encodeState(c.value)));
  const view = restored.keyedStore('op', () => key);
  assert.equal(view.valueState<number>('v').value(), 7);
  key = 'AAPL';
  assert.deepEqual(view.mapState<string, unknown>('m').get('x'), { a: 1n, b: -Infinity });
  assert.deepEqual(backend.takeChanges(), [], 'changes are handed out once');
});
