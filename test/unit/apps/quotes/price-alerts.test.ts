// price-alerts: hand-made price paths raise exactly the expected alerts (a move inside the window, none
// once the reference price expired, re-arming instead of storms, event-time order over arrival order,
// late and duplicate quotes set aside); a simulator run with disorder equals a brute-force computation
// of the documented rule; state stays bounded and is empty at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPriceAlerts, buildPriceAlertsJob, quoteWatermarks, type PriceAlert, type PriceAlertOptions } from '../../../../src/apps/quotes/jobs/index.js';
import type { Quote } from '../../../../src/sources/quote.js';
import { runInMemory, StreamJob } from '../../../../src/stream/index.js';
import { identity, quote, simulate, START, watermarksBefore } from './reference.js';
import { runOnTask } from './task-run.js';

async function runAlerts(input: readonly Quote[], boundMs: number, opts: PriceAlertOptions) {
  const job = new StreamJob({ applicationId: 'alerts-test' });
  const s = addPriceAlerts(job.fromItems(input, { watermarks: quoteWatermarks(boundMs) }), opts);
  const alerts: PriceAlert[] = [];
  const late: Quote[] = [];
  const duplicates: Quote[] = [];
  s.alerts.collect(alerts);
  s.late.collect(late);
  s.duplicates.collect(duplicates);
  await runInMemory(job);
  return { alerts, late, duplicates };
}

/** An alert as [symbol, direction, from time s, from price, to time s, to price]. */
const brief = (a: PriceAlert) => [a.symbol, a.direction, (a.fromTimeMs - START) / 1000, a.fromPrice, (a.toTimeMs - START) / 1000, a.toPrice] as const;
const at = (s: number) => START + s * 1000;

test('hand-made paths: exactly the expected alerts, none past the window, re-armed not repeated, in event-time order', async () => {
  const input = [
    quote('AAPL', at(0), 100),
    quote('MSFT', at(0), 100),
    quote('NVDA', at(0), 100),
    quote('AAPL', at(10), 101), // +1 %
    quote('AAPL', at(20), 102.5), // +2.5 % on 100 @ 0: alert; re-armed at 102.5
    quote('AAPL', at(20), 102.5), // a copy: set aside
    quote('AAPL', at(25), 103), // +0.49 % on 102.5: quiet
    quote('NVDA', at(30), 97), // -3 % on 100 @ 0, exactly 30 s back (the bound is inclusive): alert
    quote('MSFT', at(31), 103), // +3 %, but 100 @ 0 is 31 s back: expired, no alert
    quote('AMD', at(36), 103), // arrives first ...
    quote('AMD', at(33), 100), // ... but is earlier (within the 5 s bound): 100 → 103 is up
    quote('AAPL', at(40), 104), // +1.46 % on 102.5: quiet
    quote('AAPL', at(45), 104.6), // +2.05 % on 102.5 @ 20: a further threshold crossed, alert
    quote('AAPL', at(50), 104.6), // stays up: no storm
    quote('AAPL', at(55), 104.5),
    quote('MSFT', at(61), 100.9), // -2.04 % on 103 @ 31: alert
    quote('INTC', at(50), 110), // the watermark is at 61 - 5 - 0.001 s: late, set aside
    quote('MSFT', at(70), 101),
  ];
  const { alerts, late, duplicates } = await runAlerts(input, 5000, { thresholdPercent: 2, windowMs: 30_000 });
  assert.deepEqual(alerts.map(brief).sort((a, b) => a[4] - b[4] || a[0].localeCompare(b[0])), [
    ['AAPL', 'up', 0, 100, 20, 102.5],
    ['NVDA', 'down', 0, 100, 30, 97],
    ['AMD', 'up', 33, 100, 36, 103],
    ['AAPL', 'up', 20, 102.5, 45, 104.6],
    ['MSFT', 'down', 31, 103, 61, 100.9],
  ]);
  const first = alerts.find((a) => a.symbol === 'AAPL')!;
  assert.deepEqual(first, {
    symbol: 'AAPL', direction: 'up', changePercent: 2.5, thresholdPercent: 2, windowMs: 30_000,
    fromPrice: 100, fromTime: '2026-01-05T14:30:00.000Z', fromTimeMs: at(0), toPrice: 102.5, toTime: '2026-01-05T14:30:20.000Z', toTimeMs: at(20),
  });
  assert.deepEqual(late.map((q) => [q.symbol, q.latestPrice]), [['INTC', 110]]);
  assert.deepEqual(duplicates.map((q) => [q.symbol, q.latestPrice]), [['AAPL', 102.5]]);
});

test('a quiet symbol forgets its prices: a move after the window raises nothing', async () => {
  // Each step is a large move on the previous price, but always 10.001 s after it.
  const input = [100, 110, 120, 90, 130].map((p, i) => quote('TSLA', START + i * 10_001, p));
  assert.deepEqual((await runAlerts(input, 0, { thresholdPercent: 1, windowMs: 10_000 })).alerts, []);
  assert.equal((await runAlerts(input, 0, { thresholdPercent: 1, windowMs: 10_001 })).alerts.length, 4);
});

/** The documented rule, by brute force over every earlier point. */
function bruteForce(input: readonly Quote[], boundMs: number, { thresholdPercent, windowMs }: PriceAlertOptions) {
  const ws = watermarksBefore(input, boundMs);
  const late: Quote[] = [];
  const duplicates: Quote[] = [];
  const kept: Array<{ q: Quote; i: number }> = [];
  const waiting = new Set<string>();
  input.forEach((q, i) => {
    if (q.latestUpdate <= ws[i]!) late.push(q);
    else if (waiting.has(identity(q))) duplicates.push(q);
    else {
      waiting.add(identity(q));
      kept.push({ q, i });
    }
  });
  kept.sort((a, b) => a.q.latestUpdate - b.q.latestUpdate || a.i - b.i);
  const alerts: Array<readonly [string, string, number, number, number, number]> = [];
  const points = new Map<string, Quote[]>();
  for (const { q } of kept) {
    const t = q.latestUpdate;
    const p = q.latestPrice;
    const history = (points.get(q.symbol) ?? []).filter((h) => h.latestUpdate >= t - windowMs);
    let ref: Quote | undefined;
    let move = 0;
    for (const h of history) {
      const m = ((p - h.latestPrice) / h.latestPrice) * 100;
      if (ref === undefined || Math.abs(m) > Math.abs(move)) {
        ref = h;
        move = m;
      }
    }
    if (ref && Math.abs(move) > thresholdPercent) {
      alerts.push([q.symbol, move > 0 ? 'up' : 'down', (ref.latestUpdate - START) / 1000, ref.latestPrice, (t - START) / 1000, p]);
      points.set(q.symbol, [q]);
    } else points.set(q.symbol, [...history, q]);
  }
  return { alerts, late, duplicates };
}

test('a simulator run with disorder, late quotes and duplicates equals the brute-force rule', async () => {
  const boundMs = 2050;
  const input = simulate({ n: 60_000, stepMs: 50, top: 8, outOfOrder: 0.15, maxDelayMs: 2000, late: 0.02, lateDelayMs: 6000, duplicate: 0.05, seed: 21 });
  for (const opts of [{ thresholdPercent: 0.25, windowMs: 30_000 }, { thresholdPercent: 0.1, windowMs: 5000 }]) {
    const want = bruteForce(input, boundMs, opts);
    const got = await runAlerts(input, boundMs, opts);
    const order = (a: readonly [string, string, number, number, number, number], b: readonly [string, string, number, number, number, number]) => a[4] - b[4] || a[0].localeCompare(b[0]);
    assert.deepEqual(got.alerts.map(brief).sort(order), [...want.alerts].sort(order), JSON.stringify(opts));
    assert.deepEqual(got.late.map(identity), want.late.map(identity));
    assert.deepEqual(got.duplicates.map(identity), want.duplicates.map(identity));
    assert.ok(want.alerts.length > 30, `${want.alerts.length} alerts`);
    assert.ok(want.late.length > 100 && want.duplicates.length > 1000, `${want.late.length} late, ${want.duplicates.length} duplicates`);
    // Alerts per symbol come out in event-time order (each is emitted when its quote is evaluated).
    for (const symbol of new Set(got.alerts.map((a) => a.symbol))) {
      const times = got.alerts.filter((a) => a.symbol === symbol).map((a) => a.toTimeMs);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    }
  }
});

test('alert state stays bounded on a long run and is empty once the input ends', () => {
  const input = simulate({ n: 120_000, stepMs: 50, top: 5, outOfOrder: 0.1, maxDelayMs: 2000, duplicate: 0.05, seed: 2 });
  const job = new StreamJob({ applicationId: 'alerts-state' });
  let alerts = 0;
  addPriceAlerts(job.fromItems<Quote>([], { watermarks: quoteWatermarks(2050) }), { thresholdPercent: 0.2, windowMs: 60_000 }).alerts.sink(() => alerts++);
  const { samples, task } = runOnTask(job, input);
  const half = Math.floor(samples.length / 2);
  const firstHour = Math.max(...samples.slice(5, half));
  const secondHour = Math.max(...samples.slice(half));
  assert.ok(secondHour <= firstHour * 1.25, `first hour at most ${firstHour} entries, second ${secondHour}`);
  assert.ok(alerts > 0);
  assert.equal(task.backend.size(), 0);
});

test('buildPriceAlertsJob reads iextrading and writes price_alerts', () => {
  const job = buildPriceAlertsJob({ registryUrl: 'http://registry.invalid:8081', thresholdPercent: 1, windowMs: 60_000 });
  assert.equal(job.applicationId, 'price-alerts');
  assert.deepEqual(job.plan.topicSources().map((n) => n.source.spec.topic), ['iextrading']);
  assert.deepEqual(job.writesTopics(), ['price_alerts']);
  assert.throws(() => buildPriceAlertsJob({ registryUrl: null, thresholdPercent: -1, windowMs: 1000 }), /thresholdPercent/);
});
