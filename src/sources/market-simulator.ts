// A market simulator: realistic quotes for real NASDAQ symbols, reproducible from a seed.
//
// - Prices follow geometric Brownian motion per symbol: over dt (in trading years of 252 sessions),
//   log(P'/P) ~ N((mu - sigma^2/2) dt, sigma^2 dt), with per-symbol annual drift mu and volatility
//   sigma drawn from the symbol's name (so AAPL behaves the same whatever the seed).
// - Sessions of `sessionMs` (6.5 h by default) follow each other: an opening auction sets `open` (the
//   previous close moved by an overnight gap), a closing auction sets `close`; high, low and volume
//   are per session. Trade sizes follow a U-shaped intraday profile (busy at open and close).
// - Bid/ask straddle the price with a spread that is wider for cheap and less active symbols.
// - Activity is skewed: the i-th symbol is chosen with weight 1/(i+1)^0.8.
// - Knobs for stream-processing tests: a fraction of quotes delivered out of order (held back up to
//   a bound in event time), late (held back longer), or twice (duplicates).
//
// The simulator is a pure generator over simulated event time; pacing to a rate is the source's job.
import type { Quote } from './quote.js';
import { Random, hashString } from './random.js';
import type { SymbolInfo } from './symbols.js';

export interface DisorderOptions {
  /** Fraction of quotes delivered out of order, each held back by up to maxDelayMs of event time. */
  outOfOrder?: number;
  maxDelayMs?: number;
  /** Fraction of quotes delivered late: held back by lateDelayMs of event time. */
  late?: number;
  lateDelayMs?: number;
  /** Fraction of quotes delivered twice. */
  duplicate?: number;
}

export interface SimulatorOptions extends DisorderOptions {
  symbols: readonly SymbolInfo[];
  seed?: number;
  /** Event time of the first quote (default: now). */
  startTime?: number;
  /** Length of a trading session in event time (default 6.5 h). */
  sessionMs?: number;
}

export interface SymbolParams {
  /** Annual drift and volatility. */
  mu: number;
  sigma: number;
  /** Spread in basis points of the price. */
  spreadBps: number;
  /** Typical trade size in shares. */
  tradeSize: number;
  sharesOutstanding: number;
  eps: number;
}

interface SymbolState {
  info: SymbolInfo;
  params: SymbolParams;
  price: number;
  lastTime: number;
  session: number;
  open: number;
  high: number;
  low: number;
  volume: number;
  previousClose: number;
  previousVolume: number;
  yearOpen: number;
  week52High: number;
  week52Low: number;
}

const TRADING_YEAR_SESSIONS = 252;
const DEFAULT_SESSION_MS = 6.5 * 3600 * 1000;

/** Deterministic per-symbol parameters, from the symbol's name. */
export function symbolParams(info: SymbolInfo, rank: number): SymbolParams {
  const r = new Random(hashString(info.symbol));
  const sigma = info.etf ? r.between(0.1, 0.3) : r.between(0.18, 0.75);
  const mu = r.between(-0.05, 0.2);
  const activity = 1 / Math.pow(rank + 1, 0.4);
  return {
    mu,
    sigma,
    spreadBps: r.between(1, 4) / activity,
    tradeSize: Math.max(1, Math.round(info.roundLot * r.between(0.5, 3))),
    sharesOutstanding: Math.round(r.between(5e7, 5e9) * activity),
    eps: r.between(-1, 8),
  };
}

/** Rough price levels of the most active listings, so the familiar names start near familiar prices. */
const REFERENCE_PRICES: Record<string, number> = {
  NVDA: 180, AAPL: 230, MSFT: 420, AMZN: 200, META: 600, GOOGL: 170, TSLA: 250, AVGO: 300, GOOG: 170, COST: 900,
  NFLX: 900, AMD: 150, PEP: 150, ADBE: 450, QCOM: 160, CSCO: 60, TMUS: 230, INTC: 25, AMAT: 180, INTU: 650,
};

function initialPrice(info: SymbolInfo): number {
  const reference = REFERENCE_PRICES[info.symbol];
  // Otherwise log-uniform between $5 and $800, fixed per symbol.
  const u = new Random(hashString(`${info.symbol}/price`)).next();
  return Math.round((reference ? reference * (0.9 + 0.2 * u) : 5 * Math.pow(160, u)) * 100) / 100;
}

const cents = (x: number): number => Math.round(x * 100) / 100;

export class MarketSimulator {
  private readonly random: Random;
  private readonly states: SymbolState[];
  private readonly cumulative: number[];
  private readonly sessionMs: number;
  private readonly startTime: number;
  private readonly disorder: Required<DisorderOptions>;
  /** Held-back quotes (out of order / late), released once event time reaches releaseAt. */
  private held: { releaseAt: number; quote: Quote }[] = [];

  constructor(opts: SimulatorOptions) {
    if (opts.symbols.length === 0) throw new Error('the simulator needs at least one symbol');
    this.random = new Random(opts.seed ?? 42);
    this.sessionMs = opts.sessionMs ?? DEFAULT_SESSION_MS;
    this.startTime = opts.startTime ?? Date.now();
    this.disorder = {
      outOfOrder: opts.outOfOrder ?? 0, maxDelayMs: opts.maxDelayMs ?? 5000,
      late: opts.late ?? 0, lateDelayMs: opts.lateDelayMs ?? 60_000,
      duplicate: opts.duplicate ?? 0,
    };
    this.states = opts.symbols.map((info, i) => {
      const price = initialPrice(info);
      const params = symbolParams(info, i);
      return {
        info, params, price, lastTime: this.startTime, session: 0, open: price, high: price, low: price, volume: 0,
        previousClose: price, previousVolume: Math.round(params.tradeSize * 20_000), yearOpen: price * Math.exp(-params.mu * 0.3),
        week52High: price * (1 + params.sigma * 0.6), week52Low: price * (1 - params.sigma * 0.4),
      };
    });
    let total = 0;
    this.cumulative = this.states.map((_, i) => (total += 1 / Math.pow(i + 1, 0.8)));
  }

  params(symbol: string): SymbolParams | undefined {
    return this.states.find((s) => s.info.symbol === symbol)?.params;
  }

  private pick(): SymbolState {
    const x = this.random.next() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.states[lo]!;
  }

  /** Advances a symbol's price to event time t, running the auctions of any session boundary crossed. */
  private advance(s: SymbolState, t: number): void {
    const session = Math.floor((t - this.startTime) / this.sessionMs);
    while (s.session < session) {
      // Closing auction of the session, then the next one opens with an overnight gap.
      s.previousClose = s.price;
      s.previousVolume = s.volume;
      s.session++;
      const gap = s.params.sigma * Math.sqrt(1 / TRADING_YEAR_SESSIONS) * 0.5 * this.random.normal();
      s.price *= Math.exp(gap);
      s.open = s.high = s.low = s.price;
      s.volume = 0;
      s.lastTime = this.startTime + s.session * this.sessionMs;
    }
    const dtYears = Math.max(0, t - s.lastTime) / this.sessionMs / TRADING_YEAR_SESSIONS;
    if (dtYears > 0) {
      const { mu, sigma } = s.params;
      s.price *= Math.exp((mu - (sigma * sigma) / 2) * dtYears + sigma * Math.sqrt(dtYears) * this.random.normal());
    }
    s.lastTime = t;
  }

  /** The quote of one trade of a randomly chosen symbol at event time t. */
  private quoteAt(t: number): Quote {
    const s = this.pick();
    this.advance(s, t);
    const sessionStart = this.startTime + s.session * this.sessionMs;
    const x = (t - sessionStart) / this.sessionMs;
    // U-shaped intraday activity: about 3x the midday size at the open and the close.
    const profile = 1 + 8 * (x - 0.5) * (x - 0.5);
    const size = Math.max(1, Math.round(s.params.tradeSize * profile * Math.exp(0.5 * this.random.normal())));
    const price = cents(s.price);
    s.volume += size;
    s.high = Math.max(s.high, price);
    s.low = Math.min(s.low, price);
    s.week52High = Math.max(s.week52High, price);
    s.week52Low = Math.min(s.week52Low, price);
    const half = Math.max(0.005, (price * s.params.spreadBps) / 2e4);
    const bid = Math.max(0.01, Math.floor((price - half) * 100) / 100);
    const ask = Math.max(bid + 0.01, Math.ceil((price + half) * 100) / 100);
    const change = cents(price - s.previousClose);
    const eps = s.params.eps;
    return {
      symbol: s.info.symbol,
      companyName: s.info.companyName,
      primaryExchange: 'NASDAQ',
      calculationPrice: 'tops',
      open: cents(s.open),
      openTime: sessionStart,
      close: s.session > 0 ? cents(s.previousClose) : null,
      closeTime: s.session > 0 ? sessionStart : null,
      high: s.high,
      low: s.low,
      latestPrice: price,
      latestSource: 'IEX real time price',
      latestTime: new Date(t).toISOString().slice(11, 23),
      latestUpdate: t,
      latestVolume: size,
      volume: s.volume,
      previousClose: cents(s.previousClose),
      previousVolume: s.previousVolume,
      change,
      changePercent: Math.round((change / s.previousClose) * 1e6) / 1e6,
      iexBidPrice: bid,
      iexBidSize: Math.max(1, Math.round(size * this.random.between(0.5, 2))),
      iexAskPrice: cents(ask),
      iexAskSize: Math.max(1, Math.round(size * this.random.between(0.5, 2))),
      avgTotalVolume: s.previousVolume,
      marketCap: Math.round(price * s.params.sharesOutstanding),
      peRatio: eps > 0 ? Math.round((price / eps) * 100) / 100 : null,
      week52High: cents(s.week52High),
      week52Low: cents(s.week52Low),
      ytdChange: Math.round((price / s.yearOpen - 1) * 1e6) / 1e6,
      isUSMarketOpen: true,
    };
  }

  /**
   * The quotes delivered at event time t, in delivery order: usually the new one, but with the
   * disorder knobs some are held back and some arrive twice.
   */
  next(t: number): Quote[] {
    const out: Quote[] = [];
    if (this.held.length > 0) {
      const ready = this.held.filter((h) => h.releaseAt <= t);
      if (ready.length > 0) {
        this.held = this.held.filter((h) => h.releaseAt > t);
        for (const h of ready) out.push(h.quote);
      }
    }
    const q = this.quoteAt(t);
    const d = this.disorder;
    const roll = this.random.next();
    if (roll < d.late) this.held.push({ releaseAt: t + d.lateDelayMs, quote: q });
    else if (roll < d.late + d.outOfOrder) this.held.push({ releaseAt: t + this.random.between(1, d.maxDelayMs), quote: q });
    else out.push(q);
    if (this.random.next() < d.duplicate) out.push(q);
    return out;
  }

  /** Quotes still held back (delivered by flush at the end of a bounded run). */
  flush(): Quote[] {
    const out = this.held.sort((a, b) => a.releaseAt - b.releaseAt).map((h) => h.quote);
    this.held = [];
    return out;
  }
}
