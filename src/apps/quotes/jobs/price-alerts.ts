// price-alerts — a keyed process function: an alert when a symbol's price moves more than
// thresholdPercent within windowMs of event time, → `price_alerts`.
//
// The rule, exactly (per symbol, over quotes in event-time order, ties in arrival order):
// - a quote at time t with price p compares itself with the reference points of the last windowMs:
//   those with time >= t - windowMs (the bound is inclusive);
// - the move is (p - ref) / ref × 100 against the reference point giving the largest |move| (the
//   lowest or the highest price; ties go to the earlier point);
// - when |move| > thresholdPercent the quote raises an alert, and the reference points are reset to
//   this quote alone: the alert re-arms from the new level, so a price that stays up raises nothing
//   more, while one that keeps running raises one alert per further threshold crossed — no storms;
// - otherwise the quote joins the reference points.
//
// Event-time order needs the watermark: quotes wait in keyed state until the watermark reaches their
// time, then are evaluated in order. Quotes at or behind the watermark when they arrive (their turn
// has passed) go to the late output instead, so results do not depend on arrival order within the
// out-of-orderness bound. A copy of a quote still waiting (the same trade, see hasTrade) is dropped as a duplicate.
// State stays bounded: waiting quotes leave at the watermark, reference points older than windowMs
// are evicted as quotes arrive, and a timer clears a quiet symbol's points once they can no longer
// matter. Each symbol holds at most one timer, at its next due time.
import type { Quote } from '../../../sources/quote.js';
import { OutputTag, type DataStream, type MapState, type ProcessContext, type StreamJob, type ValueState } from '../../../stream/index.js';
import { addTrade, hasTrade, iso, jobFileOptions, numberArg, quoteJob, toJsonTopic, type QuoteJobFileContext, type QuoteSourceJobOptions } from './common.js';

export const ALERTS_TOPIC = 'price_alerts';

export interface PriceAlertOptions {
  /** Alert when the move exceeds this many percent (strictly). */
  thresholdPercent: number;
  /** ...within this much event time. */
  windowMs: number;
}

export interface PriceAlert {
  symbol: string;
  direction: 'up' | 'down';
  /** (toPrice - fromPrice) / fromPrice × 100. */
  changePercent: number;
  thresholdPercent: number;
  windowMs: number;
  fromPrice: number;
  fromTime: string;
  fromTimeMs: number;
  toPrice: number;
  toTime: string;
  toTimeMs: number;
}

/** A reference point; seq orders points of one symbol as they were evaluated. */
interface Point {
  t: number;
  p: number;
  seq: number;
}

/** Monotonic deques: the window's lowest (min) and highest (max) prices, earliest first among equals. */
interface History {
  min: Point[];
  max: Point[];
  seq: number;
  lastT: number;
}

export interface PriceAlertStreams {
  alerts: DataStream<PriceAlert, string>;
  /** Quotes that arrived when their turn had passed (event time at or behind the watermark). */
  late: DataStream<Quote, string>;
  duplicates: DataStream<Quote, string>;
}

/** Sorted insert of a new time into an ascending list (binary search; the list is short). */
function insertSorted(list: number[], t: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, t);
}

export function addPriceAlerts<K>(quotes: DataStream<Quote, K>, opts: PriceAlertOptions): PriceAlertStreams {
  const { thresholdPercent, windowMs } = opts;
  if (!(thresholdPercent >= 0)) throw new Error(`thresholdPercent must be >= 0, got ${thresholdPercent}`);
  if (!(windowMs >= 0)) throw new Error(`windowMs must be >= 0, got ${windowMs}`);
  const lateTag = new OutputTag<Quote>('late');
  const duplicatesTag = new OutputTag<Quote>('duplicates');

  type Ctx = ProcessContext<string, PriceAlert>;

  const evaluate = (t: number, p: number, h: History, ctx: Ctx) => {
    const from = t - windowMs;
    while (h.min.length > 0 && h.min[0]!.t < from) h.min.shift();
    while (h.max.length > 0 && h.max[0]!.t < from) h.max.shift();
    let ref: Point | undefined;
    let move = 0;
    for (const cand of [h.min[0], h.max[0]]) {
      if (!cand) continue;
      const m = ((p - cand.p) / cand.p) * 100;
      if (ref === undefined || Math.abs(m) > Math.abs(move) || (Math.abs(m) === Math.abs(move) && cand.seq < ref.seq)) {
        ref = cand;
        move = m;
      }
    }
    const point: Point = { t, p, seq: h.seq++ };
    h.lastT = t;
    if (ref !== undefined && Math.abs(move) > thresholdPercent) {
      ctx.collect({
        symbol: ctx.key, direction: move > 0 ? 'up' : 'down', changePercent: move, thresholdPercent, windowMs,
        fromPrice: ref.p, fromTime: iso(ref.t), fromTimeMs: ref.t, toPrice: p, toTime: iso(t), toTimeMs: t,
      }, t);
      h.min = [point];
      h.max = [point];
      return;
    }
    while (h.min.length > 0 && h.min[h.min.length - 1]!.p > p) h.min.pop();
    h.min.push(point);
    while (h.max.length > 0 && h.max[h.max.length - 1]!.p < p) h.max.pop();
    h.max.push(point);
  };

  // A factory: each task opens its own function, with its own state handles.
  const alerts = quotes.keyBy((q) => q.symbol, 'alerts-by-symbol').process<PriceAlert>(() => {
    /** Quotes waiting for the watermark: event time → trades in arrival order (see hasTrade). */
    let waiting: MapState<number, number[]>;
    /** The waiting event times, ascending. */
    let times: ValueState<number[]>;
    let history: ValueState<History>;
    /** The one event-time timer the symbol has registered, if any. */
    let timer: ValueState<number>;

    /** Keeps exactly one timer: at the next waiting time, or when the reference points go stale. */
    const schedule = (ctx: Ctx) => {
      const next = times.value()?.[0] ?? Infinity;
      const h = history.value();
      const stale = h ? h.lastT + windowMs : Infinity;
      const due = Math.min(next, stale);
      const current = timer.value();
      if (current === due) return;
      if (current !== undefined) ctx.timers.deleteEventTimeTimer(current);
      if (due === Infinity) timer.clear();
      else {
        ctx.timers.registerEventTimeTimer(due);
        timer.update(due);
      }
    };
    return {
      open(c) {
        waiting = c.state.mapState('waiting');
        times = c.state.valueState('times');
        history = c.state.valueState('history');
        timer = c.state.valueState('timer');
      },
      processElement(q, ctx) {
        const t = ctx.timestamp;
        if (t <= ctx.timers.currentWatermark()) return ctx.output(lateTag, q);
        const list = waiting.get(t);
        if (list && hasTrade(list, q)) return ctx.output(duplicatesTag, q);
        if (list) {
          addTrade(list, q);
          waiting.put(t, list);
        } else {
          const trades: number[] = [];
          addTrade(trades, q);
          waiting.put(t, trades);
          const ts = times.value() ?? [];
          insertSorted(ts, t);
          times.update(ts);
          schedule(ctx);
        }
      },
      onTimer(_time, ctx) {
        timer.clear();
        // Everything up to the watermark is due, in event-time order (the watermark may have jumped past
        // several waiting times at once).
        const wm = ctx.timers.currentWatermark();
        const ts = times.value() ?? [];
        let h = history.value();
        let n = 0;
        for (; n < ts.length && ts[n]! <= wm; n++) {
          const t = ts[n]!;
          h ??= { min: [], max: [], seq: 0, lastT: t };
          const trades = waiting.get(t) ?? [];
          for (let i = 2; i < trades.length; i += 3) evaluate(t, trades[i]!, h, ctx);
          waiting.remove(t);
        }
        if (n === ts.length) times.clear();
        else if (n > 0) times.update(ts.slice(n));
        // No later quote can reach back to these points: forget them.
        if (h && h.lastT + windowMs <= wm) history.clear();
        else if (h) history.update(h);
        schedule(ctx);
      },
    };
  }, 'price-alerts');
  return { alerts, late: alerts.getSideOutput(lateTag), duplicates: alerts.getSideOutput(duplicatesTag) };
}

export interface PriceAlertsJobOptions extends QuoteSourceJobOptions, PriceAlertOptions {
  /** Default `price_alerts`. */
  outputTopic?: string;
}

/** `iextrading` → price-alerts → `price_alerts` (JSON, keyed by symbol). */
export function buildPriceAlertsJob(opts: PriceAlertsJobOptions): StreamJob {
  const { job, quotes } = quoteJob('price-alerts', opts);
  toJsonTopic(addPriceAlerts(quotes, opts).alerts, opts.outputTopic ?? ALERTS_TOPIC);
  return job;
}

/** `kappa job run price-alerts [--arg …]`: besides the common arguments, thresholdPercent (default 2) and windowMs (default 60000). */
export default function priceAlertsJobFile(ctx: QuoteJobFileContext): StreamJob {
  const { suffix, ...common } = jobFileOptions(ctx);
  return buildPriceAlertsJob({
    ...common,
    thresholdPercent: numberArg(ctx.args, 'thresholdPercent', 2),
    windowMs: numberArg(ctx.args, 'windowMs', 60_000),
    outputTopic: (ctx.args['output'] ?? ALERTS_TOPIC) + suffix,
  });
}
