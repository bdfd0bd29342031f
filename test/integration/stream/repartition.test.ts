// Repartition on a real broker: events keyed by x over 4 partitions, re-keyed by y through the job's
// repartition topic and counted per y. The job is SIGKILLed mid-way twice; the committed output must
// hold, per y, the counts 1…n exactly once each, n being the batch count — every record crossed the
// repartition topic once (its writes share the job's transactions and it is read read_committed).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { KafkaClient } from '../../../src/client/index.js';
import { repoRoot, run, kappaBin, startBroker, type Broker } from '../../helpers/broker.js';
import { ClusterJobRunner } from '../../../src/stream/runtime/kafka-runner.js';
import repartitionCounts from '../../fixtures/jobs/repartition-counts.js';
import { jobMetrics, produceJson, readCommitted, startJob, waitFor } from '../../helpers/jobs.js';

const JOB = join(repoRoot, 'dist', 'test', 'fixtures', 'jobs', 'repartition-counts.js');

async function createTopic(b: Broker, name: string, partitions: number): Promise<void> {
  await run(process.execPath, [kappaBin, 'topics', 'create', name, '--partitions', String(partitions), '--bootstrap-server', b.bootstrap], { broker: b });
}

function events(n: number, seed: number): Array<{ key: string; value: { x: string; y: number; t: number }; timestamp: number }> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = `x${Math.floor(rnd() * 50)}`;
    const t = 1_700_000_000_000 + i * 5 - Math.floor(rnd() * 150);
    out.push({ key: x, value: { x, y: Math.floor(rnd() * 9), t }, timestamp: t });
  }
  return out;
}

/** Per y, the counts committed so far, in offset order. */
async function committedCounts(bootstrap: string, topic: string): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const list of (await readCommitted(bootstrap, topic)).values()) {
    for (const [, value] of list) {
      const r = JSON.parse(value!) as { y: number; n: number };
      let l = out.get(r.y);
      if (!l) out.set(r.y, (l = []));
      l.push(r.n);
    }
  }
  return out;
}

test('repartition: re-keyed counts per y equal the batch counts, exactly once through two job kills', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopic(b, 'events', 4);
  const input = events(80_000, 3);
  await produceJson(b.bootstrap, 'events', input);
  const expected = new Map<number, number>();
  for (const e of input) expected.set(e.value.y, (expected.get(e.value.y) ?? 0) + 1);

  // No purging here: the test reads the whole repartition topic at the end (purging has its own test).
  const args = [JOB, '--bootstrap-server', b.bootstrap, '--arg', 'app=rp', '--arg', 'input=events', '--arg', 'out=counts', '--instance-id', 'rp-1', '--repartition-purge-ms', '0'];
  for (let kill = 0; kill < 2; kill++) {
    const job = startJob(t, args);
    await waitFor('progress through the repartition', async () => (await jobMetrics(job)).operators.some((o) => o.name === 'process' && o.recordsIn > 0), 30_000, 20).catch((err: Error) => {
      throw new Error(`${err.message}\n${job.output()}`);
    });
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 150)));
    await job.kill9();
  }
  const job = startJob(t, args);
  const done = async () => {
    const counts = await committedCounts(b.bootstrap, 'counts');
    return [...expected].every(([y, n]) => counts.get(y)?.at(-1) === n);
  };
  await waitFor('every count to reach the batch count', done, 60_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}\n${job.output()}`);
  });
  assert.equal(await job.stop(), 0, job.output());

  const counts = await committedCounts(b.bootstrap, 'counts');
  assert.deepEqual([...counts.keys()].sort(), [...expected.keys()].sort());
  for (const [y, n] of expected) assert.deepEqual(counts.get(y), Array.from({ length: n }, (_, i) => i + 1), `y=${y}: counts 1…${n} once each`);

  // The runtime created the internal topic with the sources' partition count; its committed records
  // are the input, once each (the writes of killed runs were aborted with their transactions).
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'rp-check' });
  try {
    const [info] = await client.admin().describeTopics(['rp-by-y-repartition']);
    assert.equal(info!.partitions.length, 4);
  } finally {
    await client.close();
  }
  const rp = await readCommitted(b.bootstrap, 'rp-by-y-repartition');
  assert.equal([...rp.values()].reduce((n, l) => n + l.length, 0), input.length, 'each event crossed the repartition topic once (committed)');
  for (const list of rp.values()) for (const [key] of list) assert.equal(typeof JSON.parse(key!), 'number', 'keys are the new key, as JSON');
});

test('repartition topics are purged below the committed offsets while the job runs', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopic(b, 'pevents', 2);
  const input = events(20_000, 5);
  await produceJson(b.bootstrap, 'pevents', input);
  const abort = new AbortController();
  const runner = new ClusterJobRunner(repartitionCounts({ args: { app: 'purge', input: 'pevents', out: 'pcounts' } }), {
    bootstrapServers: b.bootstrap,
    repartitionPurgeIntervalMs: 200,
    signal: abort.signal,
  });
  const running = runner.run();
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'purge-check' });
  t.after(() => client.close());
  const admin = client.admin();
  try {
    await waitFor('every event counted', async () => {
      const counts = await committedCounts(b.bootstrap, 'pcounts');
      return [...counts.values()].reduce((n, l) => n + l.length, 0) >= input.length;
    }, 60_000, 250);
    // Commits continue (nothing new to commit does not purge), so produce a little more to trigger a round.
    await waitFor('the repartition topic purged up to what the group committed', async () => {
      await produceJson(b.bootstrap, 'pevents', events(10, 99));
      const starts = await admin.listOffsets('purge-by-y-repartition', 'earliest');
      return starts.reduce((n, s) => n + s.offset, 0) >= input.length / 2;
    }, 30_000, 300);
  } finally {
    abort.abort();
    await running;
  }
  const starts = await admin.listOffsets('purge-by-y-repartition', 'earliest');
  const ends = await admin.listOffsets('purge-by-y-repartition', 'latest');
  for (const s of starts) assert.ok(s.offset <= ends.find((e) => e.partition === s.partition)!.offset, 'never past the end');
  // Nothing the job still needed was deleted: its output is complete and exact.
  const counts = await committedCounts(b.bootstrap, 'pcounts');
  const expected = new Map<number, number>();
  for (const e of input) expected.set(e.value.y, (expected.get(e.value.y) ?? 0) + 1);
  for (const [y, n] of expected) assert.deepEqual(counts.get(y)?.slice(0, n), Array.from({ length: n }, (_, i) => i + 1), `y=${y}`);
});
