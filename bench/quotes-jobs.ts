// npm run bench:quotes-jobs [-- --quotes N --symbols N] — the quote jobs in memory, one task:
// records/s through quotes-ohlc (dedup + 10 s and 1 min windows with lateness and the late output),
// price-alerts and quotes-filter, over simulator quotes generated beforehand (generation is not timed)
// with the disorder knobs on (10 % out of order, 1 % late, 5 % duplicates).
// Each job runs three times; the best run is reported, as records per second of wall time and per
// second of this process's CPU time (steadier on a shared machine).
import { addPriceAlerts, addQuotesFilter, addQuotesOhlc, quoteWatermarks } from '../src/apps/quotes/jobs/index.js';
import { MarketSimulator } from '../src/sources/market-simulator.js';
import type { Quote } from '../src/sources/quote.js';
import { pickSymbols } from '../src/sources/symbols.js';
import { runInMemory, StreamJob, type DataStream } from '../src/stream/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('quotes', 1_000_000);
const top = arg('symbols', 50);
const stepMs = 10;
const start = Date.UTC(2026, 0, 5, 14, 30);
const sim = new MarketSimulator({ symbols: pickSymbols({ top }), seed: 1, startTime: start, outOfOrder: 0.1, maxDelayMs: 2000, late: 0.01, lateDelayMs: 30_000, duplicate: 0.05 });
const quotes: Quote[] = [];
for (let i = 0; i < n; i++) quotes.push(...sim.next(start + i * stepMs));
quotes.push(...sim.flush());
console.log(`${quotes.length.toLocaleString()} quotes of ${top} symbols over ${((n * stepMs) / 60_000).toFixed(0)} min of event time`);

async function measure(name: string, build: (quotes: DataStream<Quote>) => Array<DataStream<unknown, unknown>>): Promise<void> {
  let best = 0;
  let bestCpu = 0;
  let outputs = 0;
  for (let run = 0; run < 3; run++) {
    const job = new StreamJob({ applicationId: `bench-${name}` });
    let out = 0;
    for (const s of build(job.fromItems(quotes, { watermarks: quoteWatermarks(2010) }))) s.sink(() => out++);
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    await runInMemory(job);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    best = Math.max(best, quotes.length / seconds);
    bestCpu = Math.max(bestCpu, quotes.length / ((cpu.user + cpu.system) / 1e6));
    outputs = out;
  }
  const rate = (r: number) => Math.round(r).toLocaleString().padStart(10);
  console.log(`${name.padEnd(13)} ${rate(best)} records/s  ${rate(bestCpu)} records/CPU-s  (${outputs.toLocaleString()} output records)`);
}

await measure('quotes-ohlc', (q) => {
  const s = addQuotesOhlc(q, { allowedLatenessMs: 10_000 });
  return [...s.results.map((r) => r.stream), s.late] as Array<DataStream<unknown, unknown>>;
});
await measure('price-alerts', (q) => [addPriceAlerts(q, { thresholdPercent: 0.5, windowMs: 60_000 }).alerts] as Array<DataStream<unknown, unknown>>);
await measure('quotes-filter', (q) => [addQuotesFilter(q, { minAbsChangePercent: 1, minPrice: 50 })] as Array<DataStream<unknown, unknown>>);
