// What the quote jobs share: how a quote's event time and watermarks are derived, how the jobs read
// the `iextrading` topic and write their JSON outputs, and the window fields every output carries.
// Each job is a function over a DataStream<Quote>, so tests feed it from memory and production from
// the topic through the same code.
import { QUOTE_TOPIC, type Quote } from '../../../sources/quote.js';
import { Serdes, StreamJob, WatermarkStrategies, type DataStream, type TimeWindow, type WatermarkStrategy } from '../../../stream/index.js';

/** Matches the simulator's default maxDelayMs: its out-of-order quotes are on time by default. */
export const DEFAULT_OUT_OF_ORDERNESS_MS = 5000;

/** Where a quote job reads from. */
export interface QuoteSourceJobOptions {
  /** Default: the job's name (quotes-filter, quotes-ohlc, price-alerts). */
  applicationId?: string;
  /**
   * Schema registry the Avro values of the input were written with; null reads plain JSON values
   * (what `QuoteSource` produces without a registry).
   */
  registryUrl: string | null;
  /** Default `iextrading`. */
  inputTopic?: string;
  /** How far behind the largest event time seen a quote may arrive and still count as on time. */
  outOfOrdernessMs?: number;
  /** A partition silent this long stops holding back the watermark. */
  idleTimeoutMs?: number;
  /** Read the input up to its end offsets at start, then finish (tests, backfills). */
  bounded?: boolean;
}

/** Event time is `latestUpdate`; the watermark trails the largest one seen by the bound. */
export function quoteWatermarks(outOfOrdernessMs = DEFAULT_OUT_OF_ORDERNESS_MS, idleTimeoutMs?: number): WatermarkStrategy<Quote> {
  const w = WatermarkStrategies.boundedOutOfOrderness<Quote>(outOfOrdernessMs).withTimestamps((q) => q.latestUpdate);
  return idleTimeoutMs === undefined ? w : w.withIdleness(idleTimeoutMs);
}

/** A job reading the quote topic; the topic is keyed by symbol, so keyBy(symbol) needs no repartition. */
export function quoteJob(defaultId: string, opts: QuoteSourceJobOptions): { job: StreamJob; quotes: DataStream<Quote, string | null> } {
  const job = new StreamJob({ applicationId: opts.applicationId ?? defaultId });
  const quotes = job.fromTopic<Quote>(opts.inputTopic ?? QUOTE_TOPIC, {
    value: opts.registryUrl ? Serdes.registry<Quote>({ url: opts.registryUrl }) : Serdes.json<Quote>(),
    watermarks: quoteWatermarks(opts.outOfOrdernessMs, opts.idleTimeoutMs),
    name: 'quotes',
    ...(opts.bounded ? { bounded: true } : {}),
  });
  return { job, quotes };
}

/** JSON values keyed by symbol, so a consumer reads one symbol's records in order from one partition. */
export function toJsonTopic<T extends { symbol: string }>(stream: DataStream<T, unknown>, topic: string): void {
  stream.toTopic(topic, { key: (v) => v.symbol, name: `to-${topic}` });
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A window as every output names it: [start, end) in ISO form and in epoch ms. */
export interface WindowFields {
  windowStart: string;
  windowEnd: string;
  windowStartMs: number;
  windowEndMs: number;
}

export function windowFields(w: TimeWindow): WindowFields {
  return { windowStart: iso(w.start), windowEnd: iso(w.end), windowStartMs: w.start, windowEndMs: w.end };
}

/**
 * What makes two quote records the same trade: symbol, event time, session volume, trade size and
 * price. The simulator's duplicates are the very same quote delivered twice; two distinct trades of a
 * symbol can share a millisecond (a fast source) but not the session volume, which grows with every
 * trade; size and price cover feeds without a session volume. Jobs keep trades per symbol and event
 * time as flat lists of numbers (volume, size, price; -1 for a missing volume): comparing numbers is
 * several times cheaper than building an identity string per record, which dominated the profile.
 */
export function hasTrade(list: readonly number[], q: Quote): boolean {
  const v = q.volume ?? -1;
  const size = q.latestVolume ?? -1;
  const p = q.latestPrice;
  for (let i = 0; i < list.length; i += 3) if (list[i] === v && list[i + 1] === size && list[i + 2] === p) return true;
  return false;
}

export function addTrade(list: number[], q: Quote): void {
  list.push(q.volume ?? -1, q.latestVolume ?? -1, q.latestPrice);
}

/** What `kappa job run` hands a job file (see src/stream/jobs/job-loader.ts). */
export interface QuoteJobFileContext {
  registryUrl: string;
  args: Record<string, string>;
}

/**
 * The `--arg` options every quote job file reads: app (applicationId), input (topic), bounded,
 * suffix (appended to every output topic, so several runs can share a cluster), outOfOrdernessMs,
 * idleTimeoutMs, and registry=none for plain JSON input.
 */
export function jobFileOptions(ctx: QuoteJobFileContext): QuoteSourceJobOptions & { suffix: string } {
  const a = ctx.args;
  const num = (name: string): number | undefined => {
    if (a[name] === undefined) return undefined;
    const n = Number(a[name]);
    if (!Number.isFinite(n)) throw new Error(`--arg ${name}= must be a number, got '${a[name]}'`);
    return n;
  };
  const outOfOrdernessMs = num('outOfOrdernessMs');
  const idleTimeoutMs = num('idleTimeoutMs');
  return {
    registryUrl: a['registry'] === 'none' ? null : ctx.registryUrl,
    suffix: a['suffix'] ?? '',
    ...(a['app'] !== undefined ? { applicationId: a['app'] } : {}),
    ...(a['input'] !== undefined ? { inputTopic: a['input'] } : {}),
    ...(a['bounded'] === 'true' ? { bounded: true } : {}),
    ...(outOfOrdernessMs !== undefined ? { outOfOrdernessMs } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
  };
}

/** A numeric `--arg`, or the default. */
export function numberArg(args: Record<string, string>, name: string, fallback: number): number {
  if (args[name] === undefined) return fallback;
  const n = Number(args[name]);
  if (!Number.isFinite(n)) throw new Error(`--arg ${name}= must be a number, got '${args[name]}'`);
  return n;
}
