// Independent reference computations for the quote job tests: simulator inputs, the watermark each
// record meets, and plain-array versions of the jobs' rules. Nothing here uses the stream library.
import { MarketSimulator, type DisorderOptions } from '../../../../src/sources/market-simulator.js';
import type { Quote } from '../../../../src/sources/quote.js';
import { pickSymbols } from '../../../../src/sources/symbols.js';

/** A Monday, 14:30 UTC: windows line up with readable times. */
export const START = Date.UTC(2026, 0, 5, 14, 30);

export function simulate(opts: { n: number; stepMs: number; top?: number; seed?: number; sessionMs?: number } & DisorderOptions): Quote[] {
  const sim = new MarketSimulator({ symbols: pickSymbols({ top: opts.top ?? 8 }), seed: opts.seed ?? 1, startTime: START, ...opts });
  const out: Quote[] = [];
  for (let i = 0; i < opts.n; i++) out.push(...sim.next(START + i * opts.stepMs));
  out.push(...sim.flush());
  return out;
}

/** The watermark in force when each record arrives: the largest earlier event time - bound - 1. */
export function watermarksBefore(input: readonly Quote[], boundMs: number): number[] {
  let max = -Infinity;
  return input.map((q) => {
    const w = max - boundMs - 1;
    max = Math.max(max, q.latestUpdate);
    return w;
  });
}

export const identity = (q: Quote) => `${q.symbol}|${q.latestUpdate}|${q.volume}|${q.latestVolume}|${q.latestPrice}`;

export interface Arrival {
  q: Quote;
  /** Position in the input. */
  i: number;
  /** Watermark when it arrived. */
  w: number;
}

/**
 * The documented de-duplication rule: a record is a duplicate when a copy arrived before it and the
 * watermark is still below ts + ttl rounded up to the grain.
 */
export function dedupReference(input: readonly Quote[], boundMs: number, ttlMs: number, grainMs = 1000): { unique: Arrival[]; duplicates: Arrival[] } {
  const ws = watermarksBefore(input, boundMs);
  const seen = new Set<string>();
  const unique: Arrival[] = [];
  const duplicates: Arrival[] = [];
  input.forEach((q, i) => {
    const id = identity(q);
    const expiry = Math.ceil((q.latestUpdate + ttlMs) / grainMs) * grainMs;
    const a = { q, i, w: ws[i]! };
    if (ws[i]! < expiry && seen.has(id)) duplicates.push(a);
    else unique.push(a);
    seen.add(id);
  });
  return { unique, duplicates };
}

export interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
  openTimeMs: number;
  closeTimeMs: number;
  volume: number;
  vwap: number | null;
  trades: number;
}

/** OHLC of records given in arrival order, straight from the definition. */
export function bar(records: readonly Quote[]): Bar {
  const minT = Math.min(...records.map((q) => q.latestUpdate));
  const maxT = Math.max(...records.map((q) => q.latestUpdate));
  const first = records.find((q) => q.latestUpdate === minT)!;
  const last = records.filter((q) => q.latestUpdate === maxT).at(-1)!;
  let volume = 0;
  let notional = 0;
  for (const q of records) {
    volume += q.latestVolume ?? 0;
    notional += q.latestPrice * (q.latestVolume ?? 0);
  }
  return {
    open: first.latestPrice, high: Math.max(...records.map((q) => q.latestPrice)), low: Math.min(...records.map((q) => q.latestPrice)), close: last.latestPrice,
    openTimeMs: minT, closeTimeMs: maxT, volume, vwap: volume > 0 ? notional / volume : null, trades: records.length,
  };
}

export const windowKey = (symbol: string, interval: string, start: number) => `${symbol}|${interval}|${start}`;

/** Groups records by (symbol, interval window), keeping arrival order. */
export function byWindow<T extends { q: Quote }>(records: readonly T[], interval: string, sizeMs: number): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of records) {
    const start = r.q.latestUpdate - (r.q.latestUpdate % sizeMs);
    const k = windowKey(r.q.symbol, interval, start);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(r);
  }
  return m;
}

/** A seeded shuffle: each record moves later by a random delay in [0, maxDelayMs) of event time. */
export function jitter(input: readonly Quote[], maxDelayMs: number, seed = 7): Quote[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return input
    .map((q, i) => ({ q, i, at: q.latestUpdate + Math.floor(rnd() * maxDelayMs) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.q);
}

/** Equal up to float rounding of sums taken in another order. */
export function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A hand-made quote: only what the jobs read matters, the rest is plausible filler. */
export function quote(symbol: string, t: number, price: number, size = 100, extra: Partial<Quote> = {}): Quote {
  return {
    symbol, companyName: `${symbol} Inc.`, primaryExchange: 'NASDAQ', calculationPrice: 'tops', open: null, openTime: null, close: null, closeTime: null,
    high: null, low: null, latestPrice: price, latestSource: 'IEX real time price', latestTime: new Date(t).toISOString().slice(11, 23), latestUpdate: t,
    latestVolume: size, volume: null, previousClose: 100, previousVolume: null, change: price - 100, changePercent: (price - 100) / 100,
    iexBidPrice: null, iexBidSize: null, iexAskPrice: null, iexAskSize: null, avgTotalVolume: null, marketCap: null, peRatio: null,
    week52High: null, week52Low: null, ytdChange: null, isUSMarketOpen: true, ...extra,
  };
}
