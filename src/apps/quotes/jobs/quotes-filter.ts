// quotes-filter — the lab's Kafka Streams application: `iextrading` → `iextrading_filtered`, keeping the
// quotes a predicate accepts. Stateless: a record's fate depends on the record alone, so it needs no
// watermark, no state and no ordering, and can run with any number of tasks.
import type { Quote } from '../../../sources/quote.js';
import type { DataStream, StreamJob } from '../../../stream/index.js';
import { jobFileOptions, numberArg, quoteJob, toJsonTopic, type QuoteJobFileContext, type QuoteSourceJobOptions } from './common.js';

export const FILTERED_TOPIC = 'iextrading_filtered';

/** Every condition given must hold; none given keeps everything. */
export interface QuoteFilterOptions {
  /** Only these symbols (case-insensitive). */
  symbols?: readonly string[];
  /**
   * Minimum absolute move from the previous close, in percent: |changePercent| * 100 >= this.
   * (changePercent is a fraction, as IEX sends it: 0.0123 is 1.23 %.) A quote without one fails.
   */
  minAbsChangePercent?: number;
  /** Minimum latestPrice, inclusive. */
  minPrice?: number;
}

export function quotePredicate(opts: QuoteFilterOptions): (q: Quote) => boolean {
  const allowed = opts.symbols ? new Set(opts.symbols.map((s) => s.toUpperCase())) : null;
  const { minAbsChangePercent, minPrice } = opts;
  if (minAbsChangePercent !== undefined && !(minAbsChangePercent >= 0)) throw new Error(`minAbsChangePercent must be >= 0, got ${minAbsChangePercent}`);
  if (minPrice !== undefined && !Number.isFinite(minPrice)) throw new Error(`minPrice must be a number, got ${minPrice}`);
  return (q) =>
    (allowed === null || allowed.has(q.symbol.toUpperCase())) &&
    (minAbsChangePercent === undefined || (q.changePercent !== null && Math.abs(q.changePercent) * 100 >= minAbsChangePercent)) &&
    (minPrice === undefined || q.latestPrice >= minPrice);
}

/** The filter over any quote stream (the records are passed on unchanged). */
export function addQuotesFilter<K>(quotes: DataStream<Quote, K>, opts: QuoteFilterOptions): DataStream<Quote, K> {
  return quotes.filter(quotePredicate(opts), 'quotes-filter');
}

export interface QuotesFilterJobOptions extends QuoteSourceJobOptions, QuoteFilterOptions {
  /** Default `iextrading_filtered`. */
  outputTopic?: string;
}

/** `iextrading` → filter → `iextrading_filtered` (the quote as JSON, keyed by symbol). */
export function buildQuotesFilterJob(opts: QuotesFilterJobOptions): StreamJob {
  const { job, quotes } = quoteJob('quotes-filter', opts);
  toJsonTopic(addQuotesFilter(quotes, opts), opts.outputTopic ?? FILTERED_TOPIC);
  return job;
}

/**
 * `kappa job run quotes-filter [--arg …]`: besides the common arguments (see jobFileOptions),
 * symbols=A,B, minAbsChangePercent, minPrice, output (topic).
 */
export default function quotesFilterJobFile(ctx: QuoteJobFileContext): StreamJob {
  const { suffix, ...common } = jobFileOptions(ctx);
  const a = ctx.args;
  return buildQuotesFilterJob({
    ...common,
    ...(a['symbols'] ? { symbols: a['symbols'].split(',').map((x) => x.trim()).filter((x) => x !== '') } : {}),
    ...(a['minAbsChangePercent'] !== undefined ? { minAbsChangePercent: numberArg(a, 'minAbsChangePercent', 0) } : {}),
    ...(a['minPrice'] !== undefined ? { minPrice: numberArg(a, 'minPrice', 0) } : {}),
    outputTopic: (a['output'] ?? FILTERED_TOPIC) + suffix,
  });
}
