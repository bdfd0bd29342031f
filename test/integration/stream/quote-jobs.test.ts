// The lab's jobs on a real broker, as `kappa job run` processes, over simulator quotes (Avro through
// a registry) with out-of-order, late and duplicate events:
// - each job's committed output equals the same pipeline run in memory over each input partition
//   (a task is one partition: same records, same order, same watermarks);
// - quotes-ohlc under exactly-once, SIGKILLed 5 times and with the broker killed once, commits exactly
//   what its uninterrupted run did, record for record.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { kappaBin, run, startBroker } from '../../helpers/broker.js';
import { readCommitted, runWithCrashes, startJob } from '../../helpers/jobs.js';
import { KafkaClient } from '../../../src/client/index.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { KafkaRegistryLog } from '../../../src/registry/kafka-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';
import { RegistryDeserializer } from '../../../src/registry/serde.js';
import type { Quote } from '../../../src/sources/quote.js';
import { StreamJob, runInMemory, type DataStream } from '../../../src/stream/index.js';
import { addPriceAlerts, addQuotesFilter, addQuotesOhlc, DEFAULT_INTERVALS, quoteWatermarks } from '../../../src/apps/quotes/jobs/index.js';

/** Every quote of each partition, decoded, in offset order. */
async function quotesByPartition(bootstrap: string, registryUrl: string): Promise<Map<number, Quote[]>> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'test-input' });
  const decoder = new RegistryDeserializer(new RegistryClient(registryUrl));
  try {
    const ends = await client.admin().listOffsets('iextrading', 'latest');
    const out = new Map<number, Quote[]>(ends.map((e) => [e.partition, []]));
    const consumer = client.consumer({ maxWaitMs: 100 });
    consumer.assign(ends.filter((e) => e.offset > 0).map((e) => ({ topic: 'iextrading', partition: e.partition, offset: 'earliest' })));
    while (ends.some((e) => (consumer.position('iextrading', e.partition) ?? 0) < e.offset)) {
      for (const b of await consumer.poll()) for (const r of b.records) out.get(b.partition)!.push((await decoder.deserialize(r.value!)) as Quote);
    }
    await consumer.close();
    return out;
  } finally {
    await client.close();
  }
}

/** What the three job files write, built in memory over one partition's quotes: topic → [key, JSON]. */
async function inMemory(quotes: Quote[]): Promise<Map<string, Array<[string, string]>>> {
  const out = new Map<string, Array<[string, string]>>();
  const job = new StreamJob({ applicationId: 'reference' });
  const input = job.fromItems(quotes, { watermarks: quoteWatermarks() });
  const sink = <T extends { symbol: string }>(stream: DataStream<T, unknown>, topic: string) => {
    const list: Array<[string, string]> = [];
    out.set(topic, list);
    stream.sink((v) => list.push([v.symbol, JSON.stringify(v)]));
  };
  sink(addQuotesFilter(input, {}), 'iextrading_filtered');
  const ohlc = addQuotesOhlc(input, {});
  for (const { interval, stream } of ohlc.results) sink(stream, interval.topic);
  sink(ohlc.late, 'quotes_late');
  sink(addPriceAlerts(input, { thresholdPercent: 0.2, windowMs: 60_000 }).alerts, 'price_alerts');
  await runInMemory(job);
  return out;
}

test('the lab jobs on a cluster: outputs equal in-memory runs per partition; quotes-ohlc exactly-once through crashes', { timeout: 600_000 }, async (t) => {
  const b = await startBroker(t);
  const store = new SchemaStore();
  const log = await KafkaRegistryLog.open(store, { bootstrapServers: b.bootstrap });
  const server = createRegistryServer(new SchemaRegistry(store, log));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await log.close().catch(() => {});
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kappa = (args: string[]) => run(process.execPath, [kappaBin, ...args, '--bootstrap-server', b.bootstrap], { broker: b, timeoutMs: 120_000 });
  await kappa(['topics', 'create', 'iextrading', '--partitions', '4']);
  // 200,000 quotes, 3 ms of event time apart (10 minutes in all), with disorder of every kind.
  await kappa(['source', 'quotes', '--limit', '200000', '--rate', '50000', '--speed', '150', '--seed', '5', '--top', '8', '--out-of-order', '0.05', '--late', '0.01', '--duplicates', '0.02', '--registry', url]);

  const common = ['--bootstrap-server', b.bootstrap, '--registry', url, '--arg', 'bounded=true'];
  // A low alert threshold: ten minutes of simulated market rarely moves 2 % within a minute.
  const runs = ['quotes-filter', 'quotes-ohlc', 'price-alerts'].map((name) => startJob(t, [name, ...common, ...(name === 'price-alerts' ? ['--arg', 'thresholdPercent=0.2'] : [])]));
  for (const r of runs) assert.equal(await r.exited, 0, r.output());

  const input = await quotesByPartition(b.bootstrap, url);
  const topics = ['iextrading_filtered', ...DEFAULT_INTERVALS.map((i) => i.topic), 'quotes_late', 'price_alerts'];
  const committed = new Map(await Promise.all(topics.map(async (topic) => [topic, await readCommitted(b.bootstrap, topic)] as const)));
  let compared = 0;
  for (const [p, quotes] of input) {
    const expected = await inMemory(quotes);
    for (const topic of topics) {
      const actual = committed.get(topic)!.get(p) ?? [];
      assert.deepEqual(actual, expected.get(topic), `${topic} partition ${p}`);
      compared += actual.length;
    }
  }
  for (const topic of topics) assert.ok([...committed.get(topic)!.values()].some((l) => l.length > 0), `${topic} has output`);
  assert.ok(compared > 200_000, `${compared} output records compared`);

  // quotes-ohlc again under crashes, into its own topics; its uninterrupted run above is the reference.
  const crashes = await runWithCrashes(t, b, ['quotes-ohlc', ...common, '--arg', 'app=quotes-ohlc-eos', '--arg', 'suffix=_eos', '--instance-id', 'ohlc-eos']);
  assert.ok(crashes.kills >= 5 && crashes.brokerKilled, JSON.stringify(crashes));
  for (const topic of [...DEFAULT_INTERVALS.map((i) => i.topic), 'quotes_late']) {
    const reference = committed.get(topic)!;
    const actual = await readCommitted(b.bootstrap, `${topic}_eos`);
    for (const [p, list] of reference) assert.deepEqual(actual.get(p) ?? [], list, `${topic}_eos partition ${p} record for record`);
  }
});
