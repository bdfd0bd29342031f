// quotes-filter: exact outputs for each condition and their combination, in input order, records
// unchanged; over a simulator run it equals Array.filter with the same conditions written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addQuotesFilter, buildQuotesFilterJob, quotePredicate, quoteWatermarks, type QuoteFilterOptions } from '../../../../src/apps/quotes/jobs/index.js';
import type { Quote } from '../../../../src/sources/quote.js';
import { runInMemory, StreamJob } from '../../../../src/stream/index.js';
import { quote, simulate, START } from './reference.js';

async function runFilter(input: readonly Quote[], opts: QuoteFilterOptions): Promise<Array<{ q: Quote; key: unknown }>> {
  const job = new StreamJob({ applicationId: 'filter-test' });
  const out: Array<{ q: Quote; key: unknown }> = [];
  addQuotesFilter(job.fromItems(input, { watermarks: quoteWatermarks(), key: (q) => q.symbol }), opts).sink((q, _ts, key) => out.push({ q, key }));
  await runInMemory(job);
  return out;
}

// changePercent is previousClose-relative: 100 → price p moves (p - 100) %.
const input = [
  quote('AAPL', START + 1, 100.5), // +0.5 %
  quote('MSFT', START + 2, 103), // +3 %
  quote('aapl', START + 3, 97.9), // -2.1 %, lower-case symbol
  quote('NVDA', START + 4, 250, 10, { changePercent: null }),
  quote('TSLA', START + 5, 4.99), // -95 %, cheap
  quote('AAPL', START + 6, 102), // +2 %, exactly the threshold below
  quote('MSFT', START + 7, 99),
];
const times = (out: Array<{ q: Quote }>) => out.map((o) => o.q.latestUpdate - START);

test('symbol allow-list (case-insensitive), minimum move, minimum price: exact outputs', async () => {
  assert.deepEqual(times(await runFilter(input, { symbols: ['AAPL', 'nvda'] })), [1, 3, 4, 6]);
  assert.deepEqual(times(await runFilter(input, { minAbsChangePercent: 2 })), [2, 3, 5, 6]);
  assert.deepEqual(times(await runFilter(input, { minPrice: 100 })), [1, 2, 4, 6]);
  assert.deepEqual(times(await runFilter(input, { symbols: ['AAPL', 'MSFT'], minAbsChangePercent: 1, minPrice: 98 })), [2, 6, 7]);
  assert.deepEqual(times(await runFilter(input, {})), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(times(await runFilter(input, { symbols: [] })), []);
  // Records pass unchanged, with their key.
  const [first] = await runFilter(input, { minPrice: 100 });
  assert.equal(first!.q, input[0]);
  assert.equal(first!.key, 'AAPL');
  assert.throws(() => quotePredicate({ minAbsChangePercent: -1 }), /minAbsChangePercent/);
});

test('over a simulator run: the same records as Array.filter with the conditions written out', async () => {
  const quotes = simulate({ n: 20_000, stepMs: 100, top: 20, outOfOrder: 0.1, maxDelayMs: 2000, duplicate: 0.05, seed: 4, sessionMs: 600_000 });
  const opts = { symbols: ['NVDA', 'AAPL', 'MSFT', 'INTC', 'AMD'], minAbsChangePercent: 0.5, minPrice: 100 };
  const want = quotes.filter((q) => opts.symbols.includes(q.symbol) && q.changePercent !== null && Math.abs(q.changePercent) >= 0.005 && q.latestPrice >= 100);
  const got = await runFilter(quotes, opts);
  assert.ok(want.length > 500 && want.length < quotes.length / 2, `${want.length} of ${quotes.length} kept`);
  assert.deepEqual(got.map((o) => o.q), want);
});

test('buildQuotesFilterJob reads iextrading and writes iextrading_filtered', () => {
  const job = buildQuotesFilterJob({ registryUrl: 'http://registry.invalid:8081', symbols: ['AAPL'] });
  assert.equal(job.applicationId, 'quotes-filter');
  assert.deepEqual(job.plan.topicSources().map((n) => n.source.spec.topic), ['iextrading']);
  assert.deepEqual(job.writesTopics(), ['iextrading_filtered']);
  assert.deepEqual(buildQuotesFilterJob({ registryUrl: null, outputTopic: 'big-movers', minAbsChangePercent: 3 }).writesTopics(), ['big-movers']);
});
