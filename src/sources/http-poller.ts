// Polls an IEX-Cloud-style quote API: `GET {base}/stock/market/batch?symbols=A,B&types=quote&token=T`
// (or `GET {base}/stock/{symbol}/quote` for one symbol), maps each answer to the Avro Quote, drops
// quotes that did not change since the last poll, and hands the rest on. A 429 or 5xx answer backs
// off exponentially with jitter (honouring Retry-After); a malformed answer or quote is reported and
// skipped; nothing stops the poller but stop().
import type { Quote } from './quote.js';

export interface PollerOptions {
  baseUrl: string;
  symbols: readonly string[];
  token?: string;
  intervalMs: number;
  /** First back-off after a 429/5xx; doubles per failure up to maxBackoffMs, with ±50 % jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onQuotes: (quotes: Quote[]) => Promise<void>;
  onProblem?: (message: string) => void;
  fetchFn?: typeof fetch;
  random?: () => number;
}

export interface PollResult {
  /** HTTP status, or 0 when the request itself failed. */
  status: number;
  quotes: Quote[];
  /** Delay before the next poll. */
  nextDelayMs: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback);

/** An API quote (JSON) as the Avro Quote; throws naming what is missing. */
export function toQuote(raw: unknown, expectedSymbol?: string): Quote {
  if (!raw || typeof raw !== 'object') throw new Error('not an object');
  const q = raw as Record<string, unknown>;
  const symbol = str(q['symbol'], expectedSymbol ?? '');
  if (symbol === '') throw new Error('no symbol');
  const latestPrice = num(q['latestPrice']);
  if (latestPrice === null) throw new Error(`${symbol}: no latestPrice`);
  const latestUpdate = num(q['latestUpdate']) ?? num(q['lastTradeTime']);
  if (latestUpdate === null) throw new Error(`${symbol}: no latestUpdate`);
  const long = (k: string): number | null => {
    const v = num(q[k]);
    return v === null ? null : Math.round(v);
  };
  return {
    symbol,
    companyName: str(q['companyName'], symbol),
    primaryExchange: str(q['primaryExchange'], ''),
    calculationPrice: str(q['calculationPrice'], 'tops'),
    open: num(q['open']),
    openTime: long('openTime'),
    close: num(q['close']),
    closeTime: long('closeTime'),
    high: num(q['high']),
    low: num(q['low']),
    latestPrice,
    latestSource: str(q['latestSource'], ''),
    latestTime: str(q['latestTime'], new Date(latestUpdate).toISOString()),
    latestUpdate: Math.round(latestUpdate),
    latestVolume: long('latestVolume'),
    volume: long('volume'),
    previousClose: num(q['previousClose']),
    previousVolume: long('previousVolume'),
    change: num(q['change']),
    changePercent: num(q['changePercent']),
    iexBidPrice: num(q['iexBidPrice']),
    iexBidSize: long('iexBidSize'),
    iexAskPrice: num(q['iexAskPrice']),
    iexAskSize: long('iexAskSize'),
    avgTotalVolume: long('avgTotalVolume'),
    marketCap: long('marketCap'),
    peRatio: num(q['peRatio']),
    week52High: num(q['week52High']),
    week52Low: num(q['week52Low']),
    ytdChange: num(q['ytdChange']),
    isUSMarketOpen: q['isUSMarketOpen'] === true,
  };
}

export class QuotePoller {
  private readonly last = new Map<string, string>();
  private failures = 0;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly opts: PollerOptions) {
    if (opts.symbols.length === 0) throw new Error('the poller needs at least one symbol');
    this.fetchFn = opts.fetchFn ?? fetch;
    this.random = opts.random ?? Math.random;
  }

  private url(): string {
    const base = this.opts.baseUrl.replace(/\/+$/, '');
    const token = this.opts.token ? `token=${encodeURIComponent(this.opts.token)}` : '';
    if (this.opts.symbols.length === 1) return `${base}/stock/${encodeURIComponent(this.opts.symbols[0]!)}/quote${token ? `?${token}` : ''}`;
    return `${base}/stock/market/batch?symbols=${this.opts.symbols.map(encodeURIComponent).join(',')}&types=quote${token ? `&${token}` : ''}`;
  }

  private problem(message: string): void {
    this.opts.onProblem?.(message);
  }

  private backoff(retryAfter: string | null): number {
    this.failures++;
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : null;
    if (seconds !== null) return seconds;
    const base = Math.min(this.opts.maxBackoffMs ?? 60_000, (this.opts.backoffMs ?? 1000) * 2 ** (this.failures - 1));
    return Math.round(base * (0.5 + this.random()));
  }

  /** One poll: fetch, map, de-duplicate, deliver. */
  async pollOnce(): Promise<PollResult> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url(), { headers: { accept: 'application/json' } });
    } catch (err) {
      this.problem(`request failed: ${(err as Error).message}`);
      return { status: 0, quotes: [], nextDelayMs: this.backoff(null) };
    }
    if (res.status === 429 || res.status >= 500) {
      this.problem(`HTTP ${res.status}: backing off`);
      await res.body?.cancel().catch(() => {});
      return { status: res.status, quotes: [], nextDelayMs: this.backoff(res.headers.get('retry-after')) };
    }
    if (!res.ok) {
      this.problem(`HTTP ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`);
      return { status: res.status, quotes: [], nextDelayMs: this.opts.intervalMs };
    }
    this.failures = 0;
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      this.problem(`malformed response: ${(err as Error).message}`);
      return { status: res.status, quotes: [], nextDelayMs: this.opts.intervalMs };
    }
    const raws: [string | undefined, unknown][] = this.opts.symbols.length === 1
      ? [[this.opts.symbols[0], body]]
      : Object.entries((body ?? {}) as Record<string, { quote?: unknown }>).map(([symbol, v]) => [symbol, v?.quote]);
    const fresh: Quote[] = [];
    for (const [symbol, raw] of raws) {
      let quote: Quote;
      try {
        quote = toQuote(raw, symbol);
      } catch (err) {
        this.problem(`bad quote: ${(err as Error).message}`);
        continue;
      }
      const fingerprint = `${quote.latestUpdate}|${quote.latestPrice}|${quote.volume}|${quote.iexBidPrice}|${quote.iexAskPrice}`;
      if (this.last.get(quote.symbol) === fingerprint) continue;
      this.last.set(quote.symbol, fingerprint);
      fresh.push(quote);
    }
    if (fresh.length > 0) await this.opts.onQuotes(fresh);
    return { status: res.status, quotes: fresh, nextDelayMs: this.opts.intervalMs };
  }

  /** Polls until stop(). */
  async run(): Promise<void> {
    while (!this.stopped) {
      const { nextDelayMs } = await this.pollOnce();
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, nextDelayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
