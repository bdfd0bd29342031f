// The built jobs end to end short of a cluster: simulator quotes Avro-encoded through a live registry
// (as `kappa source quotes` writes them) are decoded by each job's topic source, run through its plan on
// one task, and what it hands the topic writer is checked: topics, symbol keys, JSON values equal to
// the in-memory pipeline's outputs, record timestamps.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { addPriceAlerts, addQuotesFilter, addQuotesOhlc, buildPriceAlertsJob, buildQuotesFilterJob, buildQuotesOhlcJob, quoteWatermarks } from '../../../../src/apps/quotes/jobs/index.js';
import { RegistryClient } from '../../../../src/registry/client.js';
import { createRegistryServer } from '../../../../src/registry/http-server.js';
import { MemoryRegistryLog } from '../../../../src/registry/memory-log.js';
import { SchemaRegistry } from '../../../../src/registry/registry.js';
import { SchemaStore } from '../../../../src/registry/schema-store.js';
import { AvroSerializer } from '../../../../src/registry/serde.js';
import { QUOTE_SCHEMA, QUOTE_SUBJECT, type Quote } from '../../../../src/sources/quote.js';
import { runInMemory, StreamJob, type DataStream } from '../../../../src/stream/index.js';
import { simulate } from './reference.js';
import { runOnTask, type Written } from './task-run.js';

async function registryUrl(t: TestContext): Promise<string> {
  const store = new SchemaStore();
  const server = createRegistryServer(new SchemaRegistry(store, new MemoryRegistryLog(store)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Decodes the framed values with the job's own source serde, as its consumer would. */
async function decodeWith(job: StreamJob, framed: Buffer[]): Promise<Quote[]> {
  const serde = job.plan.topicSources()[0]!.source.spec.valueSerde;
  const out: Quote[] = [];
  for (const b of framed) out.push((await serde.deserialize(b)) as Quote);
  return out;
}

/** What the in-memory pipeline emits, in order, as the JSON a topic would carry. */
async function inMemory(quotes: readonly Quote[], build: (q: DataStream<Quote>) => Array<DataStream<unknown, unknown>>): Promise<unknown[][]> {
  const job = new StreamJob({ applicationId: 'reference' });
  const outs = build(job.fromItems(quotes, { watermarks: quoteWatermarks() }));
  const rows = outs.map(() => [] as unknown[]);
  outs.forEach((s, i) => s.collect(rows[i]!));
  await runInMemory(job);
  return rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown[]);
}

const on = (written: readonly Written[], topic: string) => written.filter((w) => w.topic === topic);

test('the built jobs decode Avro quotes through the registry and write JSON keyed by symbol', async (t) => {
  const url = await registryUrl(t);
  const quotes = simulate({ n: 10_000, stepMs: 50, top: 6, outOfOrder: 0.1, maxDelayMs: 4000, late: 0.01, lateDelayMs: 20_000, duplicate: 0.05, seed: 17 });
  const serializer = new AvroSerializer(new RegistryClient(url), QUOTE_SUBJECT, QUOTE_SCHEMA);
  const framed: Buffer[] = [];
  for (const q of quotes) framed.push(await serializer.serialize(q));

  const filter = buildQuotesFilterJob({ registryUrl: url, minAbsChangePercent: 0.5 });
  const decoded = await decodeWith(filter, framed);
  assert.deepEqual(decoded.map((q) => ({ ...q })), quotes);
  const filtered = runOnTask(filter, decoded).written;
  const [wantFiltered] = await inMemory(decoded, (q) => [addQuotesFilter(q, { minAbsChangePercent: 0.5 })] as Array<DataStream<unknown, unknown>>);
  assert.ok(filtered.length > 100);
  assert.deepEqual(filtered.map((w) => w.value), wantFiltered);
  for (const w of filtered) {
    assert.equal(w.topic, 'iextrading_filtered');
    assert.equal(w.key, (w.value as Quote).symbol);
    assert.equal(w.timestamp, (w.value as Quote).latestUpdate);
  }

  const ohlc = buildQuotesOhlcJob({ registryUrl: url });
  const ohlcWritten = runOnTask(ohlc, await decodeWith(ohlc, framed)).written;
  const [want10s, want1m, wantLate] = await inMemory(decoded, (q) => {
    const s = addQuotesOhlc(q);
    return [...s.results.map((r) => r.stream), s.late] as Array<DataStream<unknown, unknown>>;
  });
  for (const [topic, want] of [['quotes_ohlc_10s', want10s], ['quotes_ohlc_1m', want1m], ['quotes_late', wantLate]] as const) {
    const got = on(ohlcWritten, topic);
    assert.ok(got.length > 0, topic);
    assert.deepEqual(got.map((w) => w.value), want, topic);
    for (const w of got) assert.equal(w.key, (w.value as { symbol: string }).symbol);
  }
  // A result is stamped with its window's last instant; a late quote keeps its event time.
  for (const w of on(ohlcWritten, 'quotes_ohlc_10s')) assert.equal(w.timestamp, (w.value as { windowEndMs: number }).windowEndMs - 1);
  for (const w of on(ohlcWritten, 'quotes_late')) assert.equal(w.timestamp, (w.value as { eventTimeMs: number }).eventTimeMs);

  const alerts = buildPriceAlertsJob({ registryUrl: url, thresholdPercent: 0.3, windowMs: 30_000 });
  const alertsWritten = runOnTask(alerts, await decodeWith(alerts, framed)).written;
  const [wantAlerts] = await inMemory(decoded, (q) => [addPriceAlerts(q, { thresholdPercent: 0.3, windowMs: 30_000 }).alerts] as Array<DataStream<unknown, unknown>>);
  assert.ok(alertsWritten.length > 5, `${alertsWritten.length} alerts`);
  assert.deepEqual(alertsWritten.map((w) => w.value), wantAlerts);
  for (const w of alertsWritten) {
    assert.equal(w.topic, 'price_alerts');
    assert.equal(w.key, (w.value as { symbol: string }).symbol);
    assert.equal(w.timestamp, (w.value as { toTimeMs: number }).toTimeMs);
  }
});
