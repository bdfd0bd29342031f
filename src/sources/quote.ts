// The stock quote every source produces: the Quote of the IEX-Cloud-style quote API the lab polls,
// as an Avro record (registered under `iextrading-value`). Event time is `latestUpdate` (epoch ms).
// Prices are doubles, sizes and volumes longs; fields an API may omit are nullable with a null default,
// so the schema can evolve compatibly.

export interface Quote {
  symbol: string;
  companyName: string;
  primaryExchange: string;
  calculationPrice: string;
  open: number | null;
  openTime: number | null;
  close: number | null;
  closeTime: number | null;
  high: number | null;
  low: number | null;
  latestPrice: number;
  latestSource: string;
  latestTime: string;
  /** Event time, epoch milliseconds. */
  latestUpdate: number;
  latestVolume: number | null;
  volume: number | null;
  previousClose: number | null;
  previousVolume: number | null;
  change: number | null;
  changePercent: number | null;
  iexBidPrice: number | null;
  iexBidSize: number | null;
  iexAskPrice: number | null;
  iexAskSize: number | null;
  avgTotalVolume: number | null;
  marketCap: number | null;
  peRatio: number | null;
  week52High: number | null;
  week52Low: number | null;
  ytdChange: number | null;
  isUSMarketOpen: boolean;
}

const nullable = (name: string, type: string, doc: string) => ({ name, type: ['null', type], default: null, doc });

export const QUOTE_SCHEMA = {
  type: 'record',
  name: 'Quote',
  namespace: 'io.kappa.iextrading',
  doc: 'A stock quote as the IEX-Cloud-style /stock/{symbol}/quote endpoint returns it; latestUpdate is the event time.',
  fields: [
    { name: 'symbol', type: 'string' },
    { name: 'companyName', type: 'string' },
    { name: 'primaryExchange', type: 'string' },
    { name: 'calculationPrice', type: 'string', doc: 'tops, sip, previousclose or close: where latestPrice comes from' },
    nullable('open', 'double', 'Official opening price (opening auction)'),
    nullable('openTime', 'long', 'Epoch ms of the opening price'),
    nullable('close', 'double', 'Official closing price (closing auction)'),
    nullable('closeTime', 'long', 'Epoch ms of the closing price'),
    nullable('high', 'double', 'Session high'),
    nullable('low', 'double', 'Session low'),
    { name: 'latestPrice', type: 'double' },
    { name: 'latestSource', type: 'string' },
    { name: 'latestTime', type: 'string', doc: 'Human-readable time of latestPrice (exchange time zone)' },
    { name: 'latestUpdate', type: 'long', doc: 'Event time: epoch ms of latestPrice' },
    nullable('latestVolume', 'long', 'Size of the latest trade'),
    nullable('volume', 'long', 'Session volume so far'),
    nullable('previousClose', 'double', 'Previous session close'),
    nullable('previousVolume', 'long', 'Previous session volume'),
    nullable('change', 'double', 'latestPrice - previousClose'),
    nullable('changePercent', 'double', 'change / previousClose'),
    nullable('iexBidPrice', 'double', 'Best bid'),
    nullable('iexBidSize', 'long', 'Shares at the best bid'),
    nullable('iexAskPrice', 'double', 'Best ask'),
    nullable('iexAskSize', 'long', 'Shares at the best ask'),
    nullable('avgTotalVolume', 'long', '30-day average volume'),
    nullable('marketCap', 'long', 'Market capitalisation'),
    nullable('peRatio', 'double', 'Price / earnings'),
    nullable('week52High', 'double', '52-week high'),
    nullable('week52Low', 'double', '52-week low'),
    nullable('ytdChange', 'double', 'Change since the start of the year, as a fraction'),
    { name: 'isUSMarketOpen', type: 'boolean', default: false },
  ],
} as const;

export const QUOTE_SUBJECT = 'iextrading-value';
export const QUOTE_TOPIC = 'iextrading';
