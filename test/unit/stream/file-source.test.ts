// A file as a bounded input: CSV or JSON lines through the same API, timestamps from a field, the job
// ends after the last line, and a bad line fails the run naming the line.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runInMemory, StreamJob, TumblingEventTimeWindows, WatermarkStrategies, type DataStream } from '../../../src/stream/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kappa-file-source-'));

interface Trade {
  symbol: string;
  price: number;
  ts: number;
}

function trades(n: number): Trade[] {
  const out: Trade[] = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) out.push({ symbol: ['AAPL', 'MSFT', 'NVDA'][Math.floor(rnd() * 3)]!, price: Math.round(rnd() * 10000) / 100, ts: 1_700_000_000_000 + i * 250 + Math.floor(rnd() * 900) });
  return out;
}

/** Batch reference: per symbol and 5-second window, the number of trades and their summed price. */
function batch(rows: Trade[]): string[] {
  const m = new Map<string, { n: number; sum: number }>();
  for (const r of rows) {
    const k = `${r.symbol}@${r.ts - (r.ts % 5000)}`;
    const a = m.get(k) ?? { n: 0, sum: 0 };
    a.n++;
    a.sum += r.price;
    m.set(k, a);
  }
  return [...m].map(([k, a]) => `${k}:${a.n}:${a.sum.toFixed(2)}`).sort();
}

async function windowed(job: StreamJob, source: DataStream<Record<string, unknown>>): Promise<string[]> {
  const out: string[] = [];
  source
    .map((r) => ({ symbol: String(r.symbol), price: Number(r.price) }))
    .keyBy((t) => t.symbol)
    .window(TumblingEventTimeWindows.of(5000))
    .aggregate(
      { createAccumulator: () => ({ n: 0, sum: 0 }), add: (t, a) => ({ n: a.n + 1, sum: a.sum + t.price }), getResult: (a) => a },
      (a, ctx) => `${ctx.key}@${ctx.window.start}:${a.n}:${a.sum.toFixed(2)}`,
    )
    .collect(out);
  const summary = await runInMemory(job);
  assert.ok(summary.recordsIn > 0);
  return out.sort();
}

test('a CSV file with a time field runs as a bounded input and windows like a batch job', async () => {
  const rows = trades(2000);
  const path = join(dir, 'trades.csv');
  writeFileSync(path, 'symbol,price,when\n' + rows.map((r) => `${r.symbol},${r.price},${new Date(r.ts).toISOString()}`).join('\n') + '\n');
  const job = new StreamJob({ applicationId: 'file-csv' });
  const src = job.fromFile<Record<string, unknown>>(path, { timeField: 'when', watermarks: WatermarkStrategies.boundedOutOfOrderness(1000) });
  assert.deepEqual(await windowed(job, src), batch(rows));
});

test('JSON lines with a mapping keep only mapped fields; the record timestamp comes from the field', async () => {
  const rows = trades(500);
  const path = join(dir, 'trades.jsonl');
  writeFileSync(path, rows.map((r) => JSON.stringify({ sym: r.symbol, px: r.price, t: r.ts, noise: 'x' })).join('\n'));
  const job = new StreamJob({ applicationId: 'file-jsonl' });
  const seen: Array<Record<string, unknown>> = [];
  const stamps: number[] = [];
  const src = job.fromFile<Record<string, unknown>>(path, {
    mapping: [['symbol', 'sym'], ['price', 'px']],
    timeField: 't',
    watermarks: WatermarkStrategies.boundedOutOfOrderness<Record<string, unknown>>(1000).withTimestamps((_v, ts) => {
      stamps.push(ts);
      return ts;
    }),
  });
  src.sink((v) => seen.push(v));
  assert.deepEqual(await windowed(job, src), batch(rows));
  assert.deepEqual(seen[0], { symbol: rows[0]!.symbol, price: rows[0]!.price });
  assert.deepEqual(stamps, rows.map((r) => r.ts));
});

test('a malformed line fails the run and names the line', async () => {
  const path = join(dir, 'bad.jsonl');
  writeFileSync(path, '{"a":1}\n{"a":2}\n{oops\n');
  const job = new StreamJob({ applicationId: 'file-bad' });
  job.fromFile(path).collect([]);
  await assert.rejects(runInMemory(job), /line 3/);
});
