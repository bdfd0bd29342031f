// Joins on a real broker with jobs as real processes, exactly-once, over 3 partitions: a stream–table
// join whose table is updated (and rows deleted) between waves of quotes, across SIGKILLs of the job,
// and a window join over two bounded topics. The committed output of each partition must equal an
// in-memory run of the same join over that partition's records, record for record. A join over topics
// with different partition counts must fail at start.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { StreamJob, WatermarkStrategies, runInMemory } from '../../../src/stream/index.js';
import { enrich, windowJoin, BOUND_MS, type Company, type Quote, type Trade } from '../../fixtures/jobs/joins.js';
import { repoRoot, run, kappaBin, startBroker, type Broker } from '../../helpers/broker.js';
import { groupCaughtUp, jobMetrics, produceJson, readCommitted, startJob, waitFor } from '../../helpers/jobs.js';

const JOB = join(repoRoot, 'dist', 'test', 'fixtures', 'jobs', 'joins.js');
const PARTITIONS = 3;
const SYMBOLS = Array.from({ length: 24 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const T0 = 1_700_000_000_000;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

async function createTopic(b: Broker, name: string, partitions: number): Promise<void> {
  await run(process.execPath, [kappaBin, 'topics', 'create', name, '--partitions', String(partitions), '--bootstrap-server', b.bootstrap], { broker: b });
}

/** Quotes with time rising 5 ms a record and up to BOUND_MS of disorder (none late). */
function quotes(n: number, from: number, seed: number, phase?: number): Array<{ key: string; value: Quote; timestamp: number }> {
  const rnd = rng(seed);
  const out = [];
  for (let i = from; i < from + n; i++) {
    const symbol = SYMBOLS[Math.floor(rnd() * SYMBOLS.length)]!;
    const t = T0 + i * 5 - Math.floor(rnd() * BOUND_MS);
    out.push({ key: symbol, value: { symbol, price: Math.floor(rnd() * 10_000) / 100, t, ...(phase !== undefined ? { phase } : {}) }, timestamp: t });
  }
  return out;
}

const lines = (m: Map<number, Array<[string | null, string | null]>>, p: number) => m.get(p) ?? [];
const total = (m: Map<number, unknown[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);

test('stream–table join on a cluster: table updates and deletions between waves of quotes, job SIGKILLs, output equals an in-memory run per partition', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  for (const topic of ['companies', 'quotes']) await createTopic(b, topic, PARTITIONS);
  const args = [JOB, '--bootstrap-server', b.bootstrap, '--arg', 'app=enrich', '--arg', 'mode=enrich', '--arg', 'out=enriched', '--instance-id', 'enrich-1'];
  const caughtUp = (topic: string) => waitFor(`the job to catch up on ${topic}`, () => groupCaughtUp(b.bootstrap, 'enrich', topic), 60_000, 100);

  // Phase 1: every company but the last four; the table is in before any quote.
  const sectors = ['Technology', 'Energy', 'Financial Services', 'Healthcare'];
  await produceJson(b.bootstrap, 'companies', SYMBOLS.slice(0, -4).map((s, i) => ({ key: s, value: { name: `${s} Inc.`, sector: sectors[i % 4]!, phase: 1 }, timestamp: T0 })));
  let job = startJob(t, args);
  await caughtUp('companies');
  // Phase 2: quotes, some for symbols without a row (dropped by the inner join).
  await produceJson(b.bootstrap, 'quotes', quotes(8000, 0, 1, 2));
  await caughtUp('quotes');
  await job.kill9();

  // Phase 3, while the job is down: the missing companies arrive, two are renamed, two deleted. The
  // restarted job must find the earlier rows in its restored state.
  await produceJson(b.bootstrap, 'companies', [
    ...SYMBOLS.slice(-4).map((s) => ({ key: s, value: { name: `${s} Newco`, sector: 'Utilities', phase: 3 }, timestamp: T0 })),
    { key: SYMBOLS[0]!, value: { name: `${SYMBOLS[0]} Renamed`, sector: 'Technology', phase: 3 }, timestamp: T0 },
    { key: SYMBOLS[5]!, value: { name: `${SYMBOLS[5]} Renamed`, sector: 'Energy', phase: 3 }, timestamp: T0 },
    { key: SYMBOLS[1]!, value: null, timestamp: T0 },
    { key: SYMBOLS[2]!, value: null, timestamp: T0 },
  ]);
  job = startJob(t, args);
  await caughtUp('companies');
  // Phase 4: more quotes; the job is killed as soon as it has joined some, and more arrive while it is down.
  await produceJson(b.bootstrap, 'quotes', quotes(12_000, 8000, 2, 4));
  await job.metricsUrl;
  await waitFor('progress on the second wave', async () => (await jobMetrics(job)).operators.some((o) => o.name === 'join' && o.recordsOut > 0), 30_000, 5);
  await job.kill9();
  t.diagnostic(`killed before committing the whole wave: ${!(await groupCaughtUp(b.bootstrap, 'enrich', 'quotes'))}`);
  await produceJson(b.bootstrap, 'quotes', quotes(8000, 20_000, 3, 4));
  job = startJob(t, args);
  await caughtUp('quotes');
  assert.equal(await job.stop(), 0, job.output());

  // The reference: per partition, the same join in memory over that partition's records, phase by phase.
  const companiesIn = await readCommitted(b.bootstrap, 'companies');
  const quotesIn = await readCommitted(b.bootstrap, 'quotes');
  const actual = await readCommitted(b.bootstrap, 'enriched');
  for (let p = 0; p < PARTITIONS; p++) {
    type Item = { topic: 'companies' | 'quotes'; key: string; value: unknown; phase: number };
    const items: Item[] = [
      ...lines(companiesIn, p).map(([k, v]): Item => ({ topic: 'companies', key: k!, value: JSON.parse(v!), phase: (JSON.parse(v!) as Company | null)?.phase ?? 3 })),
      ...lines(quotesIn, p).map(([k, v]): Item => ({ topic: 'quotes', key: k!, value: JSON.parse(v!), phase: (JSON.parse(v!) as Quote).phase! })),
    ].sort((x, y) => x.phase - y.phase); // stable: offset order within a phase
    const mem = new StreamJob({ applicationId: `enrich-mem-${p}` });
    const src = mem.fromItems(items).keyBy((i) => i.key);
    const expected: Array<[string | null, string | null]> = [];
    enrich(src.filter((i) => i.topic === 'quotes').map((i) => i.value as Quote), src.filter((i) => i.topic === 'companies').map((i) => i.value as Company | null).toTable())
      .sink((v, _ts, k) => expected.push([k, JSON.stringify(v)]));
    await runInMemory(mem);
    assert.ok(expected.length > 1000, `partition ${p}: ${expected.length} joined records expected`);
    assert.equal(lines(actual, p).length, expected.length, `partition ${p}: ${lines(actual, p).length} committed, in memory ${expected.length}`);
    assert.deepEqual(lines(actual, p), expected, `partition ${p} record for record`);
  }
  const all = [...actual.values()].flat().map(([, v]) => JSON.parse(v!) as { symbol: string; name: string });
  assert.ok(all.some((r) => r.name.endsWith('Renamed')) && all.some((r) => r.name.endsWith('Newco')), 'phase 3 rows were joined');
  assert.ok(all.every((r) => r.symbol !== SYMBOLS[1] || !r.name.endsWith('Renamed')), 'deleted rows are not revived');
  assert.ok(total(actual) > 15_000);
});

test('window join on a cluster: two bounded topics, exactly-once, a SIGKILL; output equals an in-memory run per partition', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  for (const topic of ['wq', 'wt']) await createTopic(b, topic, PARTITIONS);
  await produceJson(b.bootstrap, 'wq', quotes(30_000, 0, 3));
  const rnd = rng(4);
  await produceJson(b.bootstrap, 'wt', Array.from({ length: 30_000 }, (_, i) => {
    const symbol = SYMBOLS[Math.floor(rnd() * SYMBOLS.length)]!;
    const ts = T0 + i * 5 - Math.floor(rnd() * BOUND_MS);
    return { key: symbol, value: { symbol, qty: 1 + Math.floor(rnd() * 500), t: ts } satisfies Trade, timestamp: ts };
  }));
  const args = [JOB, '--bootstrap-server', b.bootstrap, '--arg', 'app=wjoin', '--arg', 'mode=window', '--arg', 'quotes=wq', '--arg', 'trades=wt', '--arg', 'out=wjoined', '--arg', 'bounded=true', '--instance-id', 'w-1'];
  const first = startJob(t, args);
  await first.metricsUrl;
  await Promise.race([first.exited, waitFor('progress', async () => (await jobMetrics(first)).operators.some((o) => o.name === 'windowJoin' && o.recordsOut > 0), 30_000, 20)]);
  const killed = first.proc.exitCode === null;
  if (killed) await first.kill9();
  else assert.equal(first.proc.exitCode, 0, first.output());
  const second = startJob(t, args);
  assert.equal(await second.exited, 0, second.output());
  t.diagnostic(`killed mid-run: ${killed}`);

  const qIn = await readCommitted(b.bootstrap, 'wq');
  const tIn = await readCommitted(b.bootstrap, 'wt');
  const actual = await readCommitted(b.bootstrap, 'wjoined');
  for (let p = 0; p < PARTITIONS; p++) {
    const mem = new StreamJob({ applicationId: `wjoin-mem-${p}` });
    const q = mem.fromItems(lines(qIn, p).map(([, v]) => JSON.parse(v!) as Quote), { watermarks: WatermarkStrategies.boundedOutOfOrderness<Quote>(BOUND_MS).withTimestamps((x) => x.t) });
    const tr = mem.fromItems(lines(tIn, p).map(([, v]) => JSON.parse(v!) as Trade), { watermarks: WatermarkStrategies.boundedOutOfOrderness<Trade>(BOUND_MS).withTimestamps((x) => x.t) });
    const expected: Array<[string | null, string | null]> = [];
    windowJoin(q, tr).sink((v, _ts, k) => expected.push([k, JSON.stringify(v)]));
    const summary = await runInMemory(mem);
    assert.equal(summary.metrics.operators.find((o) => o.name === 'windowJoin')!.lateDropped, 0);
    assert.ok(expected.length > 1000, `partition ${p}: ${expected.length} pairs expected`);
    assert.equal(lines(actual, p).length, expected.length, `partition ${p}: ${lines(actual, p).length} committed, in memory ${expected.length}`);
    assert.deepEqual(lines(actual, p), expected, `partition ${p} record for record`);
  }
});

test('a join over topics with different partition counts fails at start with a clear error', { timeout: 60_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopic(b, 'q3', 3);
  await createTopic(b, 'c2', 2);
  const job = startJob(t, [JOB, '--bootstrap-server', b.bootstrap, '--arg', 'app=copart', '--arg', 'quotes=q3', '--arg', 'companies=c2', '--arg', 'out=copart-out']);
  assert.notEqual(await job.exited, 0);
  assert.match(job.output(), /join joins topics that are not co-partitioned: q3 \(3 partitions\), c2 \(2 partitions\)/);
});
