// quotes-ohlc against independent batch computations: every emission of every window (on time and
// each update within the allowed lateness) equals a batch OHLC over the de-duplicated records the
// window has seen; the late output holds exactly the records past the lateness (by the watermark rule,
// replayed over the input order); final results do not depend on the order within the bound; beyond it
// nothing is lost; state stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addQuotesOhlc, buildQuotesOhlcJob, DEFAULT_INTERVALS, quoteWatermarks, type LateQuote, type Ohlc } from '../../../../src/apps/quotes/jobs/index.js';
import type { Quote } from '../../../../src/sources/quote.js';
import { runInMemory, StreamJob } from '../../../../src/stream/index.js';
import { bar, byWindow, close, dedupReference, identity, jitter, quote, simulate, START, windowKey, type Arrival, type Bar } from './reference.js';
import { runOnTask } from './task-run.js';

const STEP_MS = 20;
const MAX_DELAY_MS = 3000;
/** The simulator delivers an out-of-order quote at the first step past its release: bound + one step. */
const BOUND_MS = MAX_DELAY_MS + STEP_MS;
const TTL = (latenessMs: number) => 60_000 + latenessMs;

async function runOhlc(input: readonly Quote[], boundMs: number, latenessMs: number) {
  const job = new StreamJob({ applicationId: 'ohlc-test' });
  const s = addQuotesOhlc(job.fromItems(input, { watermarks: quoteWatermarks(boundMs) }), { allowedLatenessMs: latenessMs });
  const rows: Ohlc[] = [];
  for (const r of s.results) r.stream.collect(rows);
  const late: LateQuote[] = [];
  s.late.collect(late);
  const duplicates: Quote[] = [];
  s.duplicates!.collect(duplicates);
  const summary = await runInMemory(job);
  return { rows, late, duplicates, summary };
}

const barOf = (r: Ohlc): Bar => ({ open: r.open, high: r.high, low: r.low, close: r.close, openTimeMs: r.openTimeMs, closeTimeMs: r.closeTimeMs, volume: r.volume, vwap: r.vwap, trades: r.trades });

/** Every emission per window, in order. */
function emissions(rows: readonly Ohlc[]): Map<string, Array<{ update: boolean; bar: Bar }>> {
  const m = new Map<string, Array<{ update: boolean; bar: Bar }>>();
  for (const r of rows) {
    const k = windowKey(r.symbol, r.interval, r.windowStartMs);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push({ update: r.update, bar: barOf(r) });
  }
  return m;
}

const finals = (rows: readonly Ohlc[]) => new Map([...emissions(rows)].map(([k, list]) => [k, list.at(-1)!.bar]));

/**
 * What the job must emit, from the input order and the watermark rule alone: per window, an on-time
 * result over the records that arrived before the watermark passed the window's last instant, then one
 * update per record arriving within the lateness; records at or past end - 1 + lateness are late.
 */
function expected(input: readonly Quote[], boundMs: number, latenessMs: number) {
  const { unique, duplicates } = dedupReference(input, boundMs, TTL(latenessMs));
  const windows = new Map<string, Array<{ update: boolean; bar: Bar }>>();
  const late = new Map<string, string[]>();
  for (const { name, sizeMs } of DEFAULT_INTERVALS) {
    const lateArrivals: Arrival[] = [];
    for (const [k, recs] of byWindow(unique, name, sizeMs)) {
      const last = recs[0]!.q.latestUpdate - (recs[0]!.q.latestUpdate % sizeMs) + sizeMs - 1;
      const onTime = recs.filter((r) => r.w < last);
      const list: Array<{ update: boolean; bar: Bar }> = [];
      if (onTime.length > 0) list.push({ update: false, bar: bar(onTime.map((r) => r.q)) });
      const seen = onTime.map((r) => r.q);
      for (const r of recs) {
        if (r.w < last) continue;
        if (r.w >= last + latenessMs) lateArrivals.push(r);
        else {
          seen.push(r.q);
          list.push({ update: true, bar: bar(seen) });
        }
      }
      if (list.length > 0) windows.set(k, list);
    }
    late.set(name, lateArrivals.sort((a, b) => a.i - b.i).map((a) => identity(a.q)));
  }
  return { windows, late, duplicates: duplicates.map((d) => identity(d.q)), unique };
}

const lateByInterval = (late: readonly LateQuote[], interval: string) => late.filter((l) => l.interval === interval).map((l) => identity(l.quote));

test('open and close follow event time, not arrival; ties: first arrival opens, last closes', async () => {
  const t0 = START;
  const input = [
    quote('AAPL', t0 + 5000, 101, 10),
    quote('AAPL', t0 + 1000, 100, 20), // earliest: the open, though it arrives second
    quote('AAPL', t0 + 9000, 99, 30),
    quote('AAPL', t0 + 1000, 105, 40), // same time as the open, later arrival: not the open
    quote('AAPL', t0 + 9000, 98, 50), // same time as the close, later arrival: the close
    quote('AAPL', t0 + 3000, 110, 0, { latestVolume: null }), // a price without volume
  ];
  const { rows, late } = await runOhlc(input, 10_000, 0);
  const tenSeconds = rows.filter((r) => r.interval === '10s');
  assert.deepEqual(tenSeconds, [{
    symbol: 'AAPL', interval: '10s', windowStart: '2026-01-05T14:30:00.000Z', windowEnd: '2026-01-05T14:30:10.000Z', windowStartMs: t0, windowEndMs: t0 + 10_000,
    open: 100, high: 110, low: 98, close: 98, openTimeMs: t0 + 1000, closeTimeMs: t0 + 9000,
    volume: 150, vwap: (101 * 10 + 100 * 20 + 99 * 30 + 105 * 40 + 98 * 50) / 150, trades: 6, update: false,
  }]);
  assert.equal(rows.filter((r) => r.interval === '1m').length, 1);
  assert.equal(late.length, 0);
});

test('disorder, late and duplicate quotes: every emission equals a batch over the de-duplicated records the window has seen; the late output is exactly the records past the lateness', async () => {
  const input = simulate({ n: 30_000, stepMs: STEP_MS, outOfOrder: 0.1, maxDelayMs: MAX_DELAY_MS, late: 0.02, lateDelayMs: 15_000, duplicate: 0.05 });
  for (const latenessMs of [0, 10_000]) {
    const { rows, late, duplicates } = await runOhlc(input, BOUND_MS, latenessMs);
    const want = expected(input, BOUND_MS, latenessMs);
    assert.deepEqual(emissions(rows), want.windows, `lateness ${latenessMs}`);
    for (const { name } of DEFAULT_INTERVALS) assert.deepEqual(lateByInterval(late, name), want.late.get(name), `late ${name}, lateness ${latenessMs}`);
    assert.deepEqual(duplicates.map(identity), want.duplicates);
    // The run exercises what it claims to: duplicates, on-time results, updates, late records.
    assert.ok(duplicates.length > 1000, `${duplicates.length} duplicates`);
    const updates = rows.filter((r) => r.update).length;
    if (latenessMs > 0) assert.ok(updates > 50, `${updates} updates`);
    else assert.equal(updates, 0);
    assert.ok(want.late.get('10s')!.length > 50, `${want.late.get('10s')!.length} late for 10 s`);
    assert.ok(want.late.get('1m')!.length > 5, `${want.late.get('1m')!.length} late for 1 min`);
    // Finals are a batch over exactly the records not past the lateness.
    const latePlaces = new Set(late.map((l) => `${l.interval}|${identity(l.quote)}`));
    for (const { name, sizeMs } of DEFAULT_INTERVALS) {
      const kept = want.unique.filter((a) => !latePlaces.has(`${name}|${identity(a.q)}`));
      for (const [k, recs] of byWindow(kept, name, sizeMs)) assert.deepEqual(finals(rows).get(k), bar(recs.map((r) => r.q)), k);
    }
  }
});

test('final results are the same whatever the order within the out-of-orderness bound', async () => {
  const input = simulate({ n: 20_000, stepMs: STEP_MS, outOfOrder: 0.2, maxDelayMs: MAX_DELAY_MS, duplicate: 0.05, seed: 3 });
  const sorted = [...input].sort((a, b) => a.latestUpdate - b.latestUpdate);
  const shuffled = jitter(sorted, BOUND_MS);
  const distinct = [...new Map(input.map((q) => [identity(q), q])).values()];
  const batch = new Map<string, Bar>();
  for (const { name, sizeMs } of DEFAULT_INTERVALS) {
    for (const [k, recs] of byWindow(distinct.map((q) => ({ q })), name, sizeMs)) batch.set(k, bar(recs.map((r) => r.q)));
  }
  for (const [order, records] of [['as simulated', input], ['sorted by event time', sorted], ['shuffled within the bound', shuffled]] as const) {
    const { rows, late, summary } = await runOhlc(records, BOUND_MS, 10_000);
    assert.equal(late.length, 0, order);
    assert.equal(rows.filter((r) => r.update).length, 0, order);
    const got = finals(rows);
    assert.deepEqual([...got.keys()].sort(), [...batch.keys()].sort(), order);
    for (const [k, b] of batch) {
      const g = got.get(k)!;
      // VWAP sums in another order may differ in the last bits; everything else is exact.
      assert.ok(close(g.vwap, b.vwap), `${order} ${k}: vwap ${g.vwap} vs ${b.vwap}`);
      assert.deepEqual({ ...g, vwap: 0 }, { ...b, vwap: 0 }, `${order} ${k}`);
    }
    assert.equal(summary.metrics.operators.find((o) => o.name === 'ohlc-10s')!.lateDropped, 0);
  }
});

test('shuffled beyond the bound: every quote is in a result or in the late output, nothing silently lost', async () => {
  const input = simulate({ n: 20_000, stepMs: STEP_MS, duplicate: 0.05, seed: 5 });
  for (const latenessMs of [0, 10_000]) {
    const shuffled = jitter(input, 6 * BOUND_MS, 11 + latenessMs);
    const { rows, late } = await runOhlc(shuffled, BOUND_MS, latenessMs);
    const want = expected(shuffled, BOUND_MS, latenessMs);
    const got = finals(rows);
    for (const { name, sizeMs } of DEFAULT_INTERVALS) {
      const lateHere = late.filter((l) => l.interval === name);
      assert.deepEqual(lateHere.map((l) => identity(l.quote)), want.late.get(name), `late ${name}, lateness ${latenessMs}`);
      assert.ok(lateHere.length > 0, `some quotes are late for ${name}`);
      const lateCount = new Map<string, number>();
      for (const l of lateHere) {
        assert.equal(l.windowStartMs, l.eventTimeMs - (l.eventTimeMs % sizeMs));
        const k = windowKey(l.symbol, name, l.windowStartMs);
        lateCount.set(k, (lateCount.get(k) ?? 0) + 1);
      }
      // Per window: counted in its final result + sent to the late output = every de-duplicated quote.
      for (const [k, recs] of byWindow(want.unique, name, sizeMs)) {
        assert.equal((got.get(k)?.trades ?? 0) + (lateCount.get(k) ?? 0), recs.length, `${k}, lateness ${latenessMs}`);
      }
    }
    // And every distinct trade got through de-duplication at least once.
    assert.equal(new Set(want.unique.map((a) => identity(a.q))).size, new Set(input.map(identity)).size);
  }
});

test('state stays bounded on a long run and is empty once the input ends', () => {
  const input = simulate({ n: 120_000, stepMs: 50, top: 5, outOfOrder: 0.1, maxDelayMs: MAX_DELAY_MS, late: 0.01, lateDelayMs: 15_000, duplicate: 0.05, seed: 9 });
  const job = new StreamJob({ applicationId: 'ohlc-state' });
  const s = addQuotesOhlc(job.fromItems<Quote>([], { watermarks: quoteWatermarks(MAX_DELAY_MS + 50) }), { allowedLatenessMs: 10_000 });
  let emitted = 0;
  for (const r of s.results) r.stream.sink(() => emitted++);
  const { samples: sizes, task } = runOnTask(job, input);
  // Two hours of event time: state in the second hour is no larger than in the first.
  const half = Math.floor(sizes.length / 2);
  const firstHour = Math.max(...sizes.slice(5, half));
  const secondHour = Math.max(...sizes.slice(half));
  assert.ok(secondHour <= firstHour * 1.25, `first hour at most ${firstHour} entries, second ${secondHour}`);
  // About ttl (70 s) of trades (one quote per 50 ms, 3 numbers each), plus windows and timers.
  assert.ok(secondHour < 6000, `${secondHour} entries`);
  assert.ok(emitted > 0);
  assert.equal(task.backend.size(), 0, `left in state: ${task.backend.storeNames().filter((n) => [...task.backend.keys(n)].length > 0).join(', ')}`);
});

test('buildQuotesOhlcJob reads iextrading and writes the OHLC and late topics', () => {
  const job = buildQuotesOhlcJob({ registryUrl: 'http://registry.invalid:8081' });
  assert.equal(job.applicationId, 'quotes-ohlc');
  assert.deepEqual(job.plan.topicSources().map((n) => n.source.spec.topic), ['iextrading']);
  assert.deepEqual(job.writesTopics().sort(), ['quotes_late', 'quotes_ohlc_10s', 'quotes_ohlc_1m']);
  const quiet = buildQuotesOhlcJob({ registryUrl: null, lateTopic: null, applicationId: 'ohlc-2', inputTopic: 'quotes-json' });
  assert.deepEqual(quiet.writesTopics().sort(), ['quotes_ohlc_10s', 'quotes_ohlc_1m']);
  assert.equal(quiet.plan.topicSources()[0]!.source.spec.valueSerde.name, 'json');
  assert.equal(job.plan.topicSources()[0]!.source.spec.valueSerde.name, 'registry');
  assert.throws(() => buildQuotesOhlcJob({ registryUrl: null, dedup: { ttlMs: 30_000 } }), /ttlMs must cover the largest interval plus the allowed lateness \(70000 ms\)/);
});
