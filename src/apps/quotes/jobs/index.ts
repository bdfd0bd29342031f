// The quote showcase's stream jobs (docs/quotes-jobs.md): each is an add… function over a quote stream
// (tests run it in memory) and a build…Job that reads `iextrading` and writes its topics.
export { addTrade, DEFAULT_OUT_OF_ORDERNESS_MS, hasTrade, quoteJob, quoteWatermarks, windowFields, type QuoteSourceJobOptions, type WindowFields } from './common.js';
export { dedupExpiry, dedupQuotes, DEFAULT_DEDUP_GRAIN_MS, type DedupOptions, type DedupStreams } from './dedup.js';
export { addQuotesFilter, buildQuotesFilterJob, FILTERED_TOPIC, quotePredicate, type QuoteFilterOptions, type QuotesFilterJobOptions } from './quotes-filter.js';
export { addQuotesOhlc, buildQuotesOhlcJob, DEFAULT_ALLOWED_LATENESS_MS, DEFAULT_INTERVALS, LATE_TOPIC, ohlcAggregate, type LateQuote, type Ohlc, type OhlcInterval, type OhlcOptions, type OhlcStreams, type QuotesOhlcJobOptions } from './quotes-ohlc.js';
export { addPriceAlerts, ALERTS_TOPIC, buildPriceAlertsJob, type PriceAlert, type PriceAlertOptions, type PriceAlertsJobOptions, type PriceAlertStreams } from './price-alerts.js';
