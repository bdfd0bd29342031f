// De-duplication of quotes by trade identity (hasTrade), per symbol, in bounded keyed state.
//
// The rule, exactly: a quote is dropped as a duplicate when a copy of it arrived earlier and the
// watermark has not yet reached its expiry, expiryOf(ts) = ts + ttl rounded up to the grain. An
// identity is remembered from its first arrival until the watermark reaches that expiry, then
// forgotten by an event-time timer, so state holds about ttl of each symbol's quotes and no more.
//
// A quote arriving with the watermark already at its expiry cannot be checked (its copies may have
// been forgotten) and passes through. Downstream windows must be unable to count it: with
// ttl >= window size + allowed lateness it is past the lateness of every window it falls in, so it
// lands in their late output and not in a result.
//
// Expiries are rounded up to a grain so that a symbol holds one timer per grain instead of one per
// quote: fewer timers in memory, and fewer timer changes in the changelog.
import type { Quote } from '../../../sources/quote.js';
import { OutputTag, type DataStream, type MapState } from '../../../stream/index.js';
import { addTrade, hasTrade } from './common.js';

export interface DedupOptions {
  /** How long past a quote's event time its identity is remembered (in event time). */
  ttlMs: number;
  /** Expiries round up to a multiple of this (default 1000 ms). */
  grainMs?: number;
}

export const DEFAULT_DEDUP_GRAIN_MS = 1000;

/** When a quote's identity is forgotten: the watermark at which its bucket expires. */
export function dedupExpiry(eventTime: number, ttlMs: number, grainMs = DEFAULT_DEDUP_GRAIN_MS): number {
  return Math.ceil((eventTime + ttlMs) / grainMs) * grainMs;
}

export interface DedupStreams<K> {
  /** Every quote but the duplicates, keyed by symbol. */
  unique: DataStream<Quote, K>;
  /** The dropped copies, for counting and inspection. */
  duplicates: DataStream<Quote, K>;
}

export function dedupQuotes<K>(input: DataStream<Quote, K>, opts: DedupOptions, name = 'dedup'): DedupStreams<string> {
  const { ttlMs } = opts;
  const grainMs = opts.grainMs ?? DEFAULT_DEDUP_GRAIN_MS;
  if (!(ttlMs >= 0)) throw new Error(`dedup ttl must be >= 0 ms, got ${ttlMs}`);
  if (!(grainMs >= 1)) throw new Error(`dedup grain must be >= 1 ms, got ${grainMs}`);
  const duplicatesTag = new OutputTag<Quote>('duplicates');
  // A factory: each task opens its own function, with its own state handle.
  const unique = input.keyBy((q) => q.symbol, `${name}-by-symbol`).process<Quote>(() => {
    // Per symbol: expiry → event time → trades (see hasTrade). Maps survive the changelog's encoding.
    let seen: MapState<number, Map<number, number[]>>;
    return {
      open(c) {
        seen = c.state.mapState<number, Map<number, number[]>>('seen');
      },
      processElement(q, ctx) {
        const expiry = dedupExpiry(ctx.timestamp, ttlMs, grainMs);
        if (expiry <= ctx.timers.currentWatermark()) return ctx.collect(q);
        const t = ctx.timestamp;
        let bucket = seen.get(expiry);
        if (!bucket) {
          bucket = new Map();
          ctx.timers.registerEventTimeTimer(expiry);
        }
        let trades = bucket.get(t);
        if (trades && hasTrade(trades, q)) return ctx.output(duplicatesTag, q);
        if (!trades) bucket.set(t, (trades = []));
        addTrade(trades, q);
        // Also marks the cell changed, for the changelog.
        seen.put(expiry, bucket);
        ctx.collect(q);
      },
      onTimer(time) {
        seen.remove(time);
      },
    };
  }, name);
  return { unique, duplicates: unique.getSideOutput(duplicatesTag) };
}
