// The simulator's output statistics: reproducible from the seed; per-symbol log returns with the
// volatility and drift of geometric Brownian motion; bid < ask around the price; busier trading at the
// open and close; sessions with opening and closing auctions; and the disorder knobs delivering exactly
// what they promise (every quote once, plus the duplicates; late ones after their delay).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MarketSimulator } from '../../../src/sources/market-simulator.js';
import { loadSymbols, pickSymbols } from '../../../src/sources/symbols.js';
import type { Quote } from '../../../src/sources/quote.js';

const SESSION_MS = 6.5 * 3600 * 1000;

function run(sim: MarketSimulator, n: number, stepMs: number): Quote[] {
  const out: Quote[] = [];
  for (let i = 0; i < n; i++) out.push(...sim.next(i * stepMs));
  out.push(...sim.flush());
  return out;
}

test('ships NASDAQ symbols, the most active first', () => {
  const all = loadSymbols();
  assert.ok(all.length > 3000, `${all.length} symbols`);
  assert.deepEqual(pickSymbols({ top: 3 }).map((s) => s.symbol), ['NVDA', 'AAPL', 'MSFT']);
  assert.deepEqual(pickSymbols({ symbols: ['aapl', 'MSFT'] }).map((s) => s.companyName), ['Apple Inc.', 'Microsoft Corporation']);
  assert.throws(() => pickSymbols({ symbols: ['NOTASYMBOL'] }), /unknown symbol/);
});

test('a seed reproduces a run exactly; another seed differs', () => {
  const symbols = pickSymbols({ top: 10 });
  const a = run(new MarketSimulator({ symbols, seed: 7, startTime: 0 }), 500, 100);
  const b = run(new MarketSimulator({ symbols, seed: 7, startTime: 0 }), 500, 100);
  const c = run(new MarketSimulator({ symbols, seed: 8, startTime: 0 }), 500, 100);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('log returns have the symbol\'s volatility and drift (geometric Brownian motion)', () => {
  const [aapl] = pickSymbols({ symbols: ['AAPL'] });
  const sim = new MarketSimulator({ symbols: [aapl!], seed: 3, startTime: 0 });
  const { mu, sigma } = sim.params('AAPL')!;
  const stepMs = 60_000;
  const steps = 20_000;
  const quotes = run(sim, steps, stepMs);
  const returns: number[] = [];
  for (let i = 1; i < quotes.length; i++) {
    // Returns across a session boundary include the overnight gap: left out.
    if (Math.floor(quotes[i]!.latestUpdate / SESSION_MS) !== Math.floor(quotes[i - 1]!.latestUpdate / SESSION_MS)) continue;
    returns.push(Math.log(quotes[i]!.latestPrice / quotes[i - 1]!.latestPrice));
  }
  const dt = stepMs / SESSION_MS / 252;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1));
  const expectedSd = sigma * Math.sqrt(dt);
  assert.ok(Math.abs(sd / expectedSd - 1) < 0.05, `per-step sd ${sd} vs sigma*sqrt(dt) ${expectedSd}`);
  const expectedMean = (mu - sigma * sigma / 2) * dt;
  const standardError = expectedSd / Math.sqrt(returns.length);
  assert.ok(Math.abs(mean - expectedMean) < 4 * standardError, `mean ${mean} vs ${expectedMean} (se ${standardError})`);
});

test('quotes are well formed: bid < ask around the price, session high/low, auctions at session boundaries', () => {
  const sim = new MarketSimulator({ symbols: pickSymbols({ top: 20 }), seed: 11, startTime: 0 });
  const quotes = run(sim, 30_000, 2000); // a little over two sessions
  for (const q of quotes) {
    assert.ok(q.iexBidPrice! < q.iexAskPrice!, `${q.symbol}: bid ${q.iexBidPrice} < ask ${q.iexAskPrice}`);
    assert.ok(q.iexBidPrice! <= q.latestPrice + 0.01 && q.latestPrice <= q.iexAskPrice! + 0.01, `${q.symbol}: ${q.iexBidPrice} ${q.latestPrice} ${q.iexAskPrice}`);
    assert.ok(q.low! <= q.latestPrice && q.latestPrice <= q.high!);
    assert.ok(q.latestVolume! > 0 && q.volume! >= q.latestVolume!);
    assert.equal(q.openTime, Math.floor(q.latestUpdate / SESSION_MS) * SESSION_MS);
  }
  const secondSession = quotes.filter((q) => q.latestUpdate >= SESSION_MS);
  assert.ok(secondSession.length > 0);
  for (const q of secondSession) {
    // The closing auction of the first session is the second one's previous close.
    assert.equal(q.close, q.previousClose);
    assert.equal(q.closeTime, q.openTime, 'the close of the previous session, at this one\'s start');
  }
  // The most active symbol trades more often than the twentieth.
  const count = (s: string) => quotes.filter((q) => q.symbol === s).length;
  assert.ok(count('NVDA') > 3 * count(pickSymbols({ top: 20 })[19]!.symbol));
});

test('trading is busier at the open and the close than at midday', () => {
  const sim = new MarketSimulator({ symbols: pickSymbols({ symbols: ['MSFT'] }), seed: 5, startTime: 0 });
  const quotes = run(sim, 23_400 * 3, 1000).filter((q) => q.latestUpdate < 3 * SESSION_MS);
  const avg = (lo: number, hi: number) => {
    const qs = quotes.filter((q) => {
      const x = (q.latestUpdate % SESSION_MS) / SESSION_MS;
      return x >= lo && x < hi;
    });
    return qs.reduce((a, q) => a + q.latestVolume!, 0) / qs.length;
  };
  const open = avg(0, 0.05);
  const midday = avg(0.45, 0.55);
  const close = avg(0.95, 1);
  assert.ok(open > 2 * midday && close > 2 * midday, `open ${open}, midday ${midday}, close ${close}`);
});

test('disorder knobs: out of order within the bound, late by the delay, duplicates, nothing lost', () => {
  const symbols = pickSymbols({ top: 5 });
  const n = 20_000;
  const stepMs = 10;
  const clean = run(new MarketSimulator({ symbols, seed: 9, startTime: 0 }), n, stepMs);
  const messy = run(new MarketSimulator({ symbols, seed: 9, startTime: 0, outOfOrder: 0.1, maxDelayMs: 2000, late: 0.01, lateDelayMs: 60_000, duplicate: 0.05 }), n, stepMs);
  // Each generated quote is delivered once, plus the duplicates.
  const key = (q: Quote) => `${q.symbol}@${q.latestUpdate}`;
  const distinct = new Map<string, number>();
  for (const q of messy) distinct.set(key(q), (distinct.get(key(q)) ?? 0) + 1);
  assert.equal(distinct.size, n);
  const dups = [...distinct.values()].filter((c) => c === 2).length;
  assert.ok(Math.abs(dups / n - 0.05) < 0.01, `duplicate rate ${dups / n}`);
  assert.equal(clean.length, n);
  // Out of order: a quote delivered after one with a later event time, by at most the bound (or late).
  let maxSeen = -Infinity;
  let outOfOrder = 0;
  let late = 0;
  for (const q of messy) {
    if (q.latestUpdate < maxSeen) {
      const behind = maxSeen - q.latestUpdate;
      if (behind > 2000 + stepMs) late++;
      else outOfOrder++;
    }
    maxSeen = Math.max(maxSeen, q.latestUpdate);
  }
  assert.ok(outOfOrder / n > 0.05 && outOfOrder / n < 0.15, `out of order ${outOfOrder / n}`);
  assert.ok(late / n > 0.005 && late / n < 0.02, `late ${late / n}`);
});
