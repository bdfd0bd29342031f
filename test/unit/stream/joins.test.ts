// Joins in memory: each join against a brute-force nested loop over the same records (random keys,
// disorder within the watermark bound, and records beyond it that must count as late), the
// quote-enrichment showcase, a co-process function, state that empties when the inputs end, state that
// survives a changelog round trip mid-stream, and the co-partitioning check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SlidingEventTimeWindows,
  StreamJob,
  TumblingEventTimeWindows,
  WatermarkStrategies,
  runInMemory,
  type RunSummary,
} from '../../../src/stream/index.js';
import { checkCoPartitioning } from '../../../src/stream/joins/co-partitioning.js';
import { Task } from '../../../src/stream/runtime/task.js';
import { decodeState, encodeState, StateBackend } from '../../../src/stream/state/state-backend.js';

interface Ev {
  side: 'L' | 'R';
  k: string;
  id: number;
  t: number;
}

const BOUND = 200;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * Both sides in one arrival order: time rises 5 ms a record with up to BOUND ms of disorder (never
 * late), and a `late` share of records held back well beyond the bound (late unless the watermark has
 * not got that far yet — the reference decides).
 */
function mixed(n: number, keys: number, late: number, seed: number): Ev[] {
  const rnd = rng(seed);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const base = 1_000_000 + i * 5;
    const t = rnd() < late ? base - BOUND - 10 - Math.floor(rnd() * 400) : base - Math.floor(rnd() * BOUND);
    out.push({ side: rnd() < 0.5 ? 'L' : 'R', k: `k${Math.floor(rnd() * keys)}`, id: i, t });
  }
  return out;
}

/** The watermark each record meets at the join: W = max timestamp before it - BOUND - 1. */
function watermarksBefore(input: Ev[]): number[] {
  let max = -Infinity;
  return input.map((e) => {
    const w = max === -Infinity ? -Infinity : max - BOUND - 1;
    max = Math.max(max, e.t);
    return w;
  });
}

const sorted = (xs: string[]) => [...xs].sort();
const opMetrics = (s: RunSummary, name: string) => s.metrics.operators.find((o) => o.name === name)!;
const stateEntries = (s: RunSummary) => s.metrics.tasks.reduce((n, t) => n + t.stateEntries, 0);

function sides(job: StreamJob, input: Ev[]) {
  const src = job.fromItems(input, { watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(BOUND).withTimestamps((e) => e.t) });
  return { src, left: src.filter((e) => e.side === 'L').keyBy((e) => e.k), right: src.filter((e) => e.side === 'R').keyBy((e) => e.k) };
}

// ------------------------------------------------------------------------------ window join

function windowJoinReference(input: Ev[], assign: (t: number) => Array<{ start: number; end: number }>): { pairs: string[]; late: number } {
  const wms = watermarksBefore(input);
  const cells = new Map<string, [Ev[], Ev[]]>();
  let late = 0;
  input.forEach((e, i) => {
    const live = assign(e.t).filter((w) => w.end - 1 > wms[i]!);
    if (live.length === 0) late++;
    for (const w of live) {
      const id = `${e.k}|${w.start}|${w.end}`;
      let c = cells.get(id);
      if (!c) cells.set(id, (c = [[], []]));
      c[e.side === 'L' ? 0 : 1].push(e);
    }
  });
  const pairs: string[] = [];
  for (const [id, [ls, rs]] of cells) {
    const [, start, end] = id.split('|');
    for (const l of ls) for (const r of rs) pairs.push(`${l.id}-${r.id}@${start}-${end}:${Number(end) - 1}`);
  }
  return { pairs, late };
}

const tumbling = (size: number) => (t: number) => [{ start: t - (t % size), end: t - (t % size) + size }];
const slidingWindows = (size: number, slide: number) => (t: number) => {
  const out = [];
  for (let start = t - (t % slide); start > t - size; start -= slide) out.push({ start, end: start + size });
  return out;
};

test('window join equals a nested loop per key and window; late records are counted; state ends empty', async () => {
  const cases = [
    { name: 'tumbling 100 ms, keyed form', assigner: TumblingEventTimeWindows.of(100), assign: tumbling(100), whereForm: false, seed: 3 },
    { name: 'sliding 300/100 ms, where/equalTo form', assigner: SlidingEventTimeWindows.of(300, 100), assign: slidingWindows(300, 100), whereForm: true, seed: 4 },
  ];
  for (const c of cases) {
    const input = mixed(6000, 7, 0.03, c.seed);
    const job = new StreamJob({ applicationId: 'window-join' });
    const { src, left, right } = sides(job, input);
    const out: string[] = [];
    const joined = c.whereForm
      ? src.filter((e) => e.side === 'L').join(src.filter((e) => e.side === 'R')).where((e) => e.k).equalTo((e) => e.k).window(c.assigner)
      : left.join(right).window(c.assigner);
    joined
      .apply((l, r, ctx) => {
        assert.equal(l.k, ctx.key);
        assert.equal(r.k, ctx.key);
        return `${l.id}-${r.id}@${ctx.window.start}-${ctx.window.end}`;
      })
      .sink((v, ts) => out.push(`${v}:${ts}`));
    const summary = await runInMemory(job);
    const ref = windowJoinReference(input, c.assign);
    assert.ok(ref.pairs.length > 1000 && ref.late > 50, `${c.name}: a meaningful case (${ref.pairs.length} pairs, ${ref.late} late)`);
    assert.deepEqual(sorted(out), sorted(ref.pairs), c.name);
    assert.equal(opMetrics(summary, 'windowJoin').lateDropped, ref.late, c.name);
    assert.equal(stateEntries(summary), 0, `${c.name}: no window or timer left`);
  }
});

test('window join rejects session and processing-time windows', () => {
  const job = new StreamJob({ applicationId: 'bad' });
  const a = job.fromItems([1]).keyBy((x) => x);
  assert.throws(() => a.join(a).window({ kind: 'session', eventTime: true, merging: true, assign: () => [], describe: () => 'session' }), /interval join/);
  assert.throws(() => a.join(a).window({ kind: 'tumbling', eventTime: false, merging: false, assign: () => [], describe: () => 'tumbling (processing time)' }), /event-time/);
});

// ---------------------------------------------------------------------------- interval join

function intervalReference(input: Ev[], lower: number, upper: number): { pairs: string[]; late: number } {
  const wms = watermarksBefore(input);
  const live = input.filter((e, i) => e.t > wms[i]!);
  const pairs: string[] = [];
  for (const l of live) {
    if (l.side !== 'L') continue;
    for (const r of live) if (r.side === 'R' && r.k === l.k && r.t >= l.t + lower && r.t <= l.t + upper) pairs.push(`${l.id}-${r.id}:${Math.max(l.t, r.t)}`);
  }
  return { pairs, late: input.length - live.length };
}

test('interval join equals a nested loop over [a + lower, a + upper]; late records are counted; state ends empty', async () => {
  for (const [lower, upper, seed] of [[-50, 30, 5], [0, 120, 6], [-150, -20, 7], [40, 40, 8]] as const) {
    const input = mixed(5000, 6, 0.03, seed);
    const job = new StreamJob({ applicationId: 'interval-join' });
    const { left, right } = sides(job, input);
    const out: string[] = [];
    left
      .intervalJoin(right)
      .between(lower, upper)
      .process((l, r, ctx) => {
        assert.equal(ctx.leftTimestamp, l.t);
        assert.equal(ctx.rightTimestamp, r.t);
        return `${l.id}-${r.id}`;
      })
      .sink((v, ts) => out.push(`${v}:${ts}`));
    const summary = await runInMemory(job);
    const ref = intervalReference(input, lower, upper);
    const what = `between(${lower}, ${upper})`;
    assert.ok(ref.pairs.length > (lower === upper ? 20 : 500) && ref.late > 50, `${what}: a meaningful case (${ref.pairs.length} pairs, ${ref.late} late)`);
    assert.deepEqual(sorted(out), sorted(ref.pairs), what);
    assert.equal(opMetrics(summary, 'intervalJoin').lateDropped, ref.late, what);
    assert.equal(stateEntries(summary), 0, `${what}: every buffered record and timer cleaned up`);
  }
  const job = new StreamJob({ applicationId: 'bad' });
  const a = job.fromItems([1]).keyBy((x) => x);
  assert.throws(() => a.intervalJoin(a).between(10, -10), /lower bound/);
});

test('joins over two separate sources: disorder within the bound loses no pair, whatever the interleaving', async () => {
  // Two sources read alternately in chunks: each join's watermark is the minimum of the two, and no
  // record is late for its own source, so none is late for the join.
  const input = mixed(5000, 5, 0, 9);
  const job = new StreamJob({ applicationId: 'two-sources' });
  const wm = WatermarkStrategies.boundedOutOfOrderness<Ev>(BOUND).withTimestamps((e) => e.t);
  const left = job.fromItems(input.filter((e) => e.side === 'L'), { watermarks: wm }).keyBy((e) => e.k);
  // The right side shifted in time so one source runs well ahead of the other.
  const right = job.fromItems(input.filter((e) => e.side === 'R').reverse().slice(0, 1500).reverse(), { watermarks: wm }).keyBy((e) => e.k);
  const windowed: string[] = [];
  const interval: string[] = [];
  left.join(right).window(TumblingEventTimeWindows.of(100)).apply((l, r, c) => `${l.id}-${r.id}@${c.window.start}-${c.window.end}`).sink((v, ts) => windowed.push(`${v}:${ts}`));
  left.intervalJoin(right).between(-60, 60).process((l, r) => `${l.id}-${r.id}`).sink((v, ts) => interval.push(`${v}:${ts}`));
  const summary = await runInMemory(job);
  const rights = new Set(input.filter((e) => e.side === 'R').reverse().slice(0, 1500).map((e) => e.id));
  const used = input.filter((e) => e.side === 'L' || rights.has(e.id));
  // The reference over the records in time order: nothing is late there either.
  const inTimeOrder = [...used].sort((a, b) => a.t - b.t);
  assert.deepEqual(sorted(windowed), sorted(windowJoinReference(inTimeOrder, tumbling(100)).pairs));
  assert.deepEqual(sorted(interval), sorted(intervalReference(inTimeOrder, -60, 60).pairs));
  assert.equal(opMetrics(summary, 'windowJoin').lateDropped + opMetrics(summary, 'intervalJoin').lateDropped, 0);
  assert.ok(windowed.length > 100 && interval.length > 100);
});

// ------------------------------------------------------------------------- stream–table join

interface Company {
  name: string;
  sector: string;
}

interface Quote {
  symbol: string;
  price: number;
  t: number;
}

test('enrich quotes with company data: a stream–table join by symbol', async () => {
  const companies: Array<Company & { symbol: string }> = [
    { symbol: 'AAPL', name: 'Apple Inc.', sector: 'Technology' },
    { symbol: 'XOM', name: 'Exxon Mobil Corporation', sector: 'Energy' },
    { symbol: 'JPM', name: 'JPMorgan Chase & Co.', sector: 'Financial Services' },
  ];
  const quotes: Quote[] = [
    { symbol: 'AAPL', price: 191.2, t: 1000 },
    { symbol: 'XOM', price: 104.9, t: 1001 },
    { symbol: 'ZZZZ', price: 1, t: 1002 },
    { symbol: 'JPM', price: 172.5, t: 1003 },
    { symbol: 'AAPL', price: 191.4, t: 1004 },
  ];
  const job = new StreamJob({ applicationId: 'enrich' });
  // The table's source comes first, so its rows are in before the quotes (sources are read in turn).
  const table = job.fromItems(companies).keyBy((c) => c.symbol).map((c): Company => ({ name: c.name, sector: c.sector })).toTable();
  const stream = job.fromItems(quotes, { watermarks: WatermarkStrategies.monotonous<Quote>().withTimestamps((q) => q.t) }).keyBy((q) => q.symbol);
  const enriched: Array<{ symbol: string; price: number; name: string; sector: string; ts: number }> = [];
  stream.join(table, (q, c, symbol) => ({ symbol, price: q.price, name: c.name, sector: c.sector })).sink((v, ts) => enriched.push({ ...v, ts }));
  const unknown: string[] = [];
  stream.leftJoin(table, (q, c) => `${q.symbol}:${c?.sector ?? '?'}`).collect(unknown);
  await runInMemory(job);
  assert.deepEqual(enriched, [
    { symbol: 'AAPL', price: 191.2, name: 'Apple Inc.', sector: 'Technology', ts: 1000 },
    { symbol: 'XOM', price: 104.9, name: 'Exxon Mobil Corporation', sector: 'Energy', ts: 1001 },
    { symbol: 'JPM', price: 172.5, name: 'JPMorgan Chase & Co.', sector: 'Financial Services', ts: 1003 },
    { symbol: 'AAPL', price: 191.4, name: 'Apple Inc.', sector: 'Technology', ts: 1004 },
  ]);
  assert.deepEqual(unknown, ['AAPL:Technology', 'XOM:Energy', 'ZZZZ:?', 'JPM:Financial Services', 'AAPL:Technology']);
});

type Change = { kind: 'row'; k: string; row: Company | null } | { kind: 'quote'; k: string; id: number; price: number };

test('stream–table join equals a lookup in the latest rows: updates, tombstones, rows arriving after their quotes, filter and mapValues', async () => {
  const rnd = rng(21);
  const input: Change[] = [];
  for (let i = 0; i < 8000; i++) {
    const k = `S${Math.floor(rnd() * 40)}`;
    const x = rnd();
    if (x < 0.1) input.push({ kind: 'row', k, row: { name: `${k} v${i}`, sector: rnd() < 0.5 ? 'Tech' : 'Energy' } });
    else if (x < 0.13) input.push({ kind: 'row', k, row: null });
    else input.push({ kind: 'quote', k, id: i, price: Math.floor(rnd() * 1000) });
  }
  const job = new StreamJob({ applicationId: 'stream-table' });
  const src = job.fromItems(input);
  const table = src.filter((c) => c.kind === 'row').keyBy((c) => c.k).map((c) => (c.kind === 'row' ? c.row : null)).toTable();
  const quotes = src.filter((c) => c.kind === 'quote').keyBy((c) => c.k).map((c) => (c.kind === 'quote' ? c : undefined)!);
  const inner: string[] = [];
  const left: string[] = [];
  const derived: string[] = [];
  const changelog: Array<[string, string | null]> = [];
  quotes.join(table, (q, row, k) => `${q.id}:${k}:${row!.name}`).collect(inner);
  quotes.leftJoin(table, (q, row) => `${q.id}:${row?.name ?? '-'}`).collect(left);
  const techNames = table.filter((row) => row!.sector === 'Tech').mapValues((row, k) => `${k}/${row!.name.toUpperCase()}`);
  quotes.join(techNames, (q, name) => `${q.id}:${name}`).collect(derived);
  techNames.toStream().sink((v, _ts, k) => changelog.push([k, v]));
  const summary = await runInMemory(job);

  const rows = new Map<string, Company>();
  const expected = { inner: [] as string[], left: [] as string[], derived: [] as string[], changelog: [] as Array<[string, string | null]> };
  for (const c of input) {
    if (c.kind === 'row') {
      if (c.row) rows.set(c.k, c.row);
      else rows.delete(c.k);
      expected.changelog.push([c.k, c.row && c.row.sector === 'Tech' ? `${c.k}/${c.row.name.toUpperCase()}` : null]);
      continue;
    }
    const row = rows.get(c.k);
    if (row) expected.inner.push(`${c.id}:${c.k}:${row.name}`);
    expected.left.push(`${c.id}:${row?.name ?? '-'}`);
    if (row?.sector === 'Tech') expected.derived.push(`${c.id}:${c.k}/${row.name.toUpperCase()}`);
  }
  assert.ok(expected.inner.length > 3000 && expected.left.length > expected.inner.length + 100);
  // One task processes in arrival order, so the outputs match in order, not just as sets.
  assert.deepEqual(inner, expected.inner);
  assert.deepEqual(left, expected.left);
  assert.deepEqual(derived, expected.derived);
  assert.deepEqual(changelog, expected.changelog);
  // The table costs one cell per live row in each join that materialises it.
  const liveTech = [...rows.values()].filter((r) => r.sector === 'Tech').length;
  assert.equal(stateEntries(summary), 2 * rows.size + liveTech);
});

test('a table does not hold back the stream\'s watermark', () => {
  const job = new StreamJob({ applicationId: 'table-watermark' });
  const table = job.fromItems<[string, string]>([]).keyBy((r) => r[0]).map((r) => r[1]).toTable();
  const quotes = job.fromItems<Quote>([], { watermarks: WatermarkStrategies.monotonous<Quote>().withTimestamps((q) => q.t) }).keyBy((q) => q.symbol);
  const out: string[] = [];
  quotes.join(table, (q, name) => `${name}@${q.t}`).keyBy(() => 'all').window(TumblingEventTimeWindows.of(10)).process((all) => all.join(',')).collect(out);
  const task = new Task(job.plan, -1, new StateBackend(false), { write() {}, writeAsync() {} });
  const [tableSource, quoteSource] = job.plan.sources();
  task.input(tableSource!.id).push(['A', 'Apple'], 0, undefined);
  for (const t of [1, 5, 12, 25]) task.input(quoteSource!.id).push({ symbol: 'A', price: 1, t }, 0, undefined);
  // The table source has no event time at all; windows downstream of the join still fire.
  assert.deepEqual(out, ['Apple@1,Apple@5', 'Apple@12']);
});

// ------------------------------------------------------------------------------- co-process

test('connect + process: keyed state and timers shared by two streams', async () => {
  // Thresholds per symbol (first stream) arm an alert on quotes above it (second stream); a threshold
  // expires 100 ms of event time after it was set.
  type In = { kind: 'limit'; s: string; limit: number; t: number } | { kind: 'quote'; s: string; price: number; t: number };
  const input: In[] = [
    { kind: 'quote', s: 'A', price: 10, t: 0 },
    { kind: 'limit', s: 'A', limit: 5, t: 10 },
    { kind: 'quote', s: 'A', price: 6, t: 20 },
    { kind: 'quote', s: 'B', price: 99, t: 30 },
    { kind: 'quote', s: 'A', price: 4, t: 40 },
    // The watermark passes 110 after this record, so A's limit has expired when the next one comes.
    { kind: 'quote', s: 'B', price: 1, t: 150 },
    { kind: 'quote', s: 'A', price: 7, t: 200 },
  ];
  const job = new StreamJob({ applicationId: 'co-process' });
  const src = job.fromItems(input, { watermarks: WatermarkStrategies.monotonous<In>().withTimestamps((x) => x.t) });
  const limits = src.filter((x) => x.kind === 'limit').keyBy((x) => x.s);
  const quotes = src.filter((x) => x.kind === 'quote').keyBy((x) => x.s);
  const out: string[] = [];
  limits
    .connect(quotes)
    .process<string>({
      processElement1(l, ctx) {
        if (l.kind !== 'limit') return;
        ctx.state.valueState<number>('limit').update(l.limit);
        ctx.timers.registerEventTimeTimer(ctx.timestamp + 100);
      },
      processElement2(q, ctx) {
        const limit = ctx.state.valueState<number>('limit').value();
        if (q.kind === 'quote' && limit !== undefined && q.price > limit) ctx.collect(`${ctx.key} ${q.price} > ${limit}`);
      },
      onTimer(time, ctx) {
        ctx.state.valueState('limit').clear();
        ctx.collect(`${ctx.key} limit expired at ${time}`);
      },
    })
    .collect(out);
  const summary = await runInMemory(job);
  assert.deepEqual(out, ['A 6 > 5', 'A limit expired at 110']);
  assert.equal(stateEntries(summary), 0);
});

// -------------------------------------------------------------------------- restore mid-stream

test('join state lives in the state backend: a task rebuilt from its changelog mid-stream goes on exactly as before', () => {
  const input = mixed(4000, 5, 0.02, 33);
  const build = (out: string[]) => {
    const job = new StreamJob({ applicationId: 'restore' });
    const { left, right } = sides(job, input);
    left.join(right).window(TumblingEventTimeWindows.of(100)).apply((l, r, c) => `w ${l.id}-${r.id}@${c.window.start}`).collect(out);
    left.intervalJoin(right).between(-40, 80).process((l, r) => `i ${l.id}-${r.id}`).collect(out);
    left.connect(right).process<string>({
      processElement1: (e, ctx) => ctx.state.valueState<number>('last').update(e.id),
      processElement2: (e, ctx) => ctx.collect(`c ${ctx.state.valueState<number>('last').value() ?? '-'}-${e.id}`),
    }).collect(out);
    const table = right.map((e) => e.id).toTable();
    left.leftJoin(table, (e, row) => `t ${e.id}-${row ?? '-'}`).collect(out);
    return job;
  };
  const writer = { write() {}, writeAsync() {} };
  const runTask = (task: Task, job: StreamJob, items: Ev[], end: boolean) => {
    const input0 = task.input(job.plan.sources()[0]!.id);
    for (const e of items) input0.push(e, 0, undefined);
    if (end) {
      input0.end();
      task.endInput();
    }
  };

  const whole: string[] = [];
  const jobA = build(whole);
  runTask(new Task(jobA.plan, 0, new StateBackend(true), writer), jobA, input, true);

  const pieces: string[] = [];
  const jobB = build(pieces);
  const first = new Task(jobB.plan, 0, new StateBackend(true), writer);
  runTask(first, jobB, input.slice(0, 2000), false);
  // What the cluster runtime does on a handover: the changelog replayed into a fresh backend and the
  // watermark resumed from the largest timestamp committed.
  const restored = new StateBackend(true);
  for (const c of first.backend.takeChanges()) restored.restore(c.store, c.key, c.value === undefined ? undefined : decodeState(encodeState(c.value)));
  const second = new Task(jobB.plan, 0, restored, writer);
  second.reloadTimers();
  second.input(jobB.plan.sources()[0]!.id).restoreMaxTimestamp(Math.max(...input.slice(0, 2000).map((e) => e.t)));
  runTask(second, jobB, input.slice(2000), true);
  assert.ok(whole.length > 3000);
  assert.deepEqual(pieces, whole);
});

// ---------------------------------------------------------------------------- co-partitioning

test('joins over topics with different partition counts are refused before any record is read', () => {
  const job = new StreamJob({ applicationId: 'co-part' });
  const quotes = job.fromTopic<Quote>('quotes').keyBy((q) => q.symbol);
  const companies = job.table<Company>('companies');
  const trades = job.fromTopic<Quote>('trades').keyBy((q) => q.symbol);
  quotes.join(companies, (q, c) => ({ ...q, ...c })).collect([]);
  job.fromTopic<Quote>('other').union(job.fromTopic<Quote>('trades')).collect([]);
  trades.intervalJoin(quotes).between(0, 10).process((a, b) => [a, b]).collect([]);
  const counts = new Map([['quotes', 4], ['companies', 4], ['trades', 4], ['other', 1]]);
  checkCoPartitioning(job.plan, (t) => counts.get(t));
  counts.set('companies', 2);
  assert.throws(() => checkCoPartitioning(job.plan, (t) => counts.get(t)), /join joins topics that are not co-partitioned: quotes \(4 partitions\), companies \(2 partitions\)/);
  counts.set('companies', 4);
  counts.set('trades', 3);
  assert.throws(() => checkCoPartitioning(job.plan, (t) => counts.get(t)), /intervalJoin joins topics that are not co-partitioned: trades \(3 partitions\), quotes \(4 partitions\)/);
});
