// quotes-ohlc — the lab's Flink application: per symbol, tumbling event-time windows (10 s and 1 min by
// default) of open / high / low / close, volume, VWAP and trade count, → `quotes_ohlc_10s`,
// `quotes_ohlc_1m`.
//
// - Event time is latestUpdate; watermarks trail the largest one by the out-of-orderness bound.
// - Duplicates are dropped first (dedup.ts), remembering identities for the largest window plus the
//   allowed lateness: any copy arriving after that is too late for every window anyway.
// - Open and close follow event time, not arrival: open is the quote with the smallest latestUpdate,
//   close the one with the largest (ties: first arrival opens, last arrival closes).
// - A trade's volume is its quote's latestVolume, the size of the trade it reports. Deltas of the
//   session volume would depend on arrival order (and break at session starts and on a lost quote);
//   latestVolume belongs to the record alone, so sums are the same in any order. A quote without it
//   counts as a trade of volume 0. VWAP = Σ price × size / Σ size (null while the volume is 0).
// - A window fires once the watermark passes its end; with allowed lateness it is kept that much
//   longer and each late quote re-emits it with `update: true`. The last record per (symbol, window)
//   is the final one: consumers upsert by (symbol, interval, windowStartMs).
// - Quotes past the lateness of a window go to the late output (`quotes_late`), once per interval
//   they missed, with the window they missed.
import type { Quote } from '../../../sources/quote.js';
import { OutputTag, TumblingEventTimeWindows, type AggregateFunction, type DataStream, type StreamJob } from '../../../stream/index.js';
import { iso, jobFileOptions, numberArg, quoteJob, toJsonTopic, windowFields, type QuoteJobFileContext, type QuoteSourceJobOptions, type WindowFields } from './common.js';
import { dedupQuotes, type DedupOptions } from './dedup.js';

export interface OhlcInterval {
  /** Names the interval in records and operator names: '10s', '1m'. */
  name: string;
  sizeMs: number;
  /** The topic buildQuotesOhlcJob writes it to. */
  topic: string;
}

export const DEFAULT_INTERVALS: readonly OhlcInterval[] = [
  { name: '10s', sizeMs: 10_000, topic: 'quotes_ohlc_10s' },
  { name: '1m', sizeMs: 60_000, topic: 'quotes_ohlc_1m' },
];
export const LATE_TOPIC = 'quotes_late';
export const DEFAULT_ALLOWED_LATENESS_MS = 10_000;

export interface OhlcOptions {
  intervals?: readonly OhlcInterval[];
  /** How long after a window fired late quotes still update it (default 10 s). */
  allowedLatenessMs?: number;
  /** De-duplication (default on, ttl = largest interval + allowed lateness, the least it may be); false turns it off. */
  dedup?: false | Partial<DedupOptions>;
}

export interface Ohlc extends WindowFields {
  symbol: string;
  interval: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Event times of the opening and closing quotes. */
  openTimeMs: number;
  closeTimeMs: number;
  volume: number;
  vwap: number | null;
  trades: number;
  /** An update of an already emitted window, caused by a late quote. */
  update: boolean;
}

/** A quote too late for one interval's window: it is in no result of that interval. */
export interface LateQuote extends WindowFields {
  symbol: string;
  interval: string;
  eventTime: string;
  eventTimeMs: number;
  quote: Quote;
}

export interface OhlcAccumulator {
  trades: number;
  open: number;
  openTimeMs: number;
  high: number;
  low: number;
  close: number;
  closeTimeMs: number;
  volume: number;
  /** Σ price × size. */
  notional: number;
}

export type OhlcValues = Omit<Ohlc, keyof WindowFields | 'symbol' | 'interval' | 'update'>;

/** Incremental OHLC: the accumulator is a few numbers, whatever the number of quotes. */
export const ohlcAggregate: AggregateFunction<Quote, OhlcAccumulator, OhlcValues> = {
  createAccumulator: () => ({ trades: 0, open: 0, openTimeMs: Infinity, high: -Infinity, low: Infinity, close: 0, closeTimeMs: -Infinity, volume: 0, notional: 0 }),
  add(q, a) {
    const p = q.latestPrice;
    const t = q.latestUpdate;
    const size = q.latestVolume ?? 0;
    // The window operator adds in arrival order: strict < keeps the first arrival among equal times
    // as the open, >= makes the last one the close.
    if (t < a.openTimeMs) {
      a.open = p;
      a.openTimeMs = t;
    }
    if (t >= a.closeTimeMs) {
      a.close = p;
      a.closeTimeMs = t;
    }
    if (p > a.high) a.high = p;
    if (p < a.low) a.low = p;
    a.volume += size;
    a.notional += p * size;
    a.trades++;
    return a;
  },
  getResult: (a) => ({
    open: a.open, high: a.high, low: a.low, close: a.close, openTimeMs: a.openTimeMs, closeTimeMs: a.closeTimeMs,
    volume: a.volume, vwap: a.volume > 0 ? a.notional / a.volume : null, trades: a.trades,
  }),
  merge: (a, b) => ({
    trades: a.trades + b.trades,
    ...(b.openTimeMs < a.openTimeMs ? { open: b.open, openTimeMs: b.openTimeMs } : { open: a.open, openTimeMs: a.openTimeMs }),
    ...(b.closeTimeMs >= a.closeTimeMs ? { close: b.close, closeTimeMs: b.closeTimeMs } : { close: a.close, closeTimeMs: a.closeTimeMs }),
    high: Math.max(a.high, b.high),
    low: Math.min(a.low, b.low),
    volume: a.volume + b.volume,
    notional: a.notional + b.notional,
  }),
};

export interface OhlcStreams {
  /** One result stream per interval, in the order given. */
  results: Array<{ interval: OhlcInterval; stream: DataStream<Ohlc, string> }>;
  /** Quotes past the allowed lateness, once per interval they missed. */
  late: DataStream<LateQuote, string>;
  /** Copies dropped by the de-duplication (empty when it is off). */
  duplicates: DataStream<Quote, string> | null;
}

/** The OHLC pipeline over a quote stream whose event time is latestUpdate (see quoteWatermarks). */
export function addQuotesOhlc<K>(quotes: DataStream<Quote, K>, opts: OhlcOptions = {}): OhlcStreams {
  const intervals = opts.intervals ?? DEFAULT_INTERVALS;
  if (intervals.length === 0) throw new Error('quotes-ohlc needs at least one interval');
  if (new Set(intervals.map((i) => i.name)).size !== intervals.length) throw new Error('interval names must be unique');
  const lateness = opts.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
  let input: DataStream<Quote, unknown> = quotes;
  let duplicates: DataStream<Quote, string> | null = null;
  if (opts.dedup !== false) {
    // Shorter, and a copy arriving after its identity expired could still be counted by a window.
    const minTtl = Math.max(...intervals.map((i) => i.sizeMs)) + lateness;
    const ttlMs = opts.dedup?.ttlMs ?? minTtl;
    if (ttlMs < minTtl) throw new Error(`dedup ttlMs must cover the largest interval plus the allowed lateness (${minTtl} ms), got ${ttlMs}`);
    const d = dedupQuotes(quotes, { ...opts.dedup, ttlMs });
    input = d.unique;
    duplicates = d.duplicates;
  }
  const bySymbol = input.keyBy((q) => q.symbol, 'by-symbol');
  const lates: DataStream<LateQuote, string>[] = [];
  const results = intervals.map((interval) => {
    const assigner = TumblingEventTimeWindows.of(interval.sizeMs);
    const lateTag = new OutputTag<Quote>(`late-${interval.name}`);
    const stream = bySymbol
      .window(assigner)
      .allowedLateness(lateness)
      .sideOutputLateData(lateTag)
      .aggregate(ohlcAggregate, (r, c): Ohlc => ({ symbol: c.key, interval: interval.name, ...windowFields(c.window), ...r, update: c.late }), `ohlc-${interval.name}`);
    lates.push(stream.getSideOutput(lateTag).map((q): LateQuote => ({
      symbol: q.symbol, interval: interval.name, ...windowFields(assigner.assign(q.latestUpdate)[0]!), eventTime: iso(q.latestUpdate), eventTimeMs: q.latestUpdate, quote: q,
    }), `late-${interval.name}`));
    return { interval, stream };
  });
  const late = lates.length === 1 ? lates[0]! : lates[0]!.union(...lates.slice(1));
  return { results, late, duplicates };
}

export interface QuotesOhlcJobOptions extends QuoteSourceJobOptions, OhlcOptions {
  /** Where quotes past the lateness go (default `quotes_late`); null drops them (counted in metrics). */
  lateTopic?: string | null;
}

/** `iextrading` → de-duplicate → OHLC per interval → `quotes_ohlc_10s`, `quotes_ohlc_1m` (+ `quotes_late`). */
export function buildQuotesOhlcJob(opts: QuotesOhlcJobOptions): StreamJob {
  const { job, quotes } = quoteJob('quotes-ohlc', opts);
  const streams = addQuotesOhlc(quotes, opts);
  for (const { interval, stream } of streams.results) toJsonTopic(stream, interval.topic);
  const lateTopic = opts.lateTopic === undefined ? LATE_TOPIC : opts.lateTopic;
  if (lateTopic !== null) toJsonTopic(streams.late, lateTopic);
  return job;
}

/**
 * `kappa job run quotes-ohlc [--arg …]`: the job as `kappa up` runs it. Besides the common arguments
 * (see jobFileOptions): allowedLatenessMs, and lateTopic=none to drop late quotes.
 */
export default function quotesOhlcJobFile(ctx: QuoteJobFileContext): StreamJob {
  const { suffix, ...common } = jobFileOptions(ctx);
  return buildQuotesOhlcJob({
    ...common,
    intervals: DEFAULT_INTERVALS.map((i) => ({ ...i, topic: i.topic + suffix })),
    allowedLatenessMs: numberArg(ctx.args, 'allowedLatenessMs', DEFAULT_ALLOWED_LATENESS_MS),
    lateTopic: ctx.args['lateTopic'] === 'none' ? null : (ctx.args['lateTopic'] ?? LATE_TOPIC) + suffix,
  });
}
