// The stream runtime on a real broker process, with jobs as real processes: exactly-once across
// SIGKILLs of the job and a kill -9 of the broker, and two instances sharing (then handing over) the
// work. In both, the committed output is compared record for record, per partition, with an
// uninterrupted single-instance run over the same input.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, run, kappaBin, startBroker, type Broker } from '../../helpers/broker.js';
import { groupCaughtUp, jobMetrics, produceJson, readCommitted, runWithCrashes, startJob, waitFor } from '../../helpers/jobs.js';

const JOB = join(repoRoot, 'dist', 'test', 'fixtures', 'jobs', 'keyed-counts.js');

function events(n: number, from: number, seed: number): Array<{ key: string; value: { k: string; v: number; t: number }; timestamp: number }> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out = [];
  for (let i = from; i < from + n; i++) {
    const k = `k${Math.floor(rnd() * 40)}`;
    // Event time rises 5 ms a record with up to 150 ms of disorder (inside the job's 200 ms bound).
    const t = 1_700_000_000_000 + i * 5 - Math.floor(rnd() * 150);
    out.push({ key: k, value: { k, v: Math.floor(rnd() * 1000), t }, timestamp: t });
  }
  return out;
}

async function createTopic(b: Broker, name: string, partitions: number): Promise<void> {
  await run(process.execPath, [kappaBin, 'topics', 'create', name, '--partitions', String(partitions), '--bootstrap-server', b.bootstrap], { broker: b });
}

const jobArgs = (b: Broker, app: string, out: string, extra: string[] = []) => [JOB, '--bootstrap-server', b.bootstrap, '--arg', `app=${app}`, '--arg', 'input=events', '--arg', `out=${out}`, ...extra];

test('exactly-once: a job SIGKILLed 5 times and a broker kill -9 commit exactly what an uninterrupted run does', { timeout: 300_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopic(b, 'events', 4);
  await produceJson(b.bootstrap, 'events', events(400_000, 0, 7));

  const reference = startJob(t, jobArgs(b, 'ref', 'counts_ref', ['--arg', 'bounded=true']));
  assert.equal(await reference.exited, 0, reference.output());
  const expected = await readCommitted(b.bootstrap, 'counts_ref');
  const expectedCount = [...expected.values()].reduce((n, l) => n + l.length, 0);
  assert.ok(expectedCount > 10_000, `the reference run emitted ${expectedCount} records`);

  const crashes = await runWithCrashes(t, b, jobArgs(b, 'eos', 'counts_eos', ['--arg', 'bounded=true', '--instance-id', 'eos-1']));
  assert.ok(crashes.kills >= 5 && crashes.brokerKilled, JSON.stringify(crashes));

  const actual = await readCommitted(b.bootstrap, 'counts_eos');
  for (const [p, list] of expected) {
    assert.equal(actual.get(p)?.length, list.length, `partition ${p}: ${actual.get(p)?.length} records committed, the uninterrupted run ${list.length}`);
    assert.deepEqual(actual.get(p), list, `partition ${p} record for record`);
  }
});

test('scale-out: two instances split the partitions; stopping one hands its tasks and state to the other', { timeout: 300_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopic(b, 'events', 4);
  const first = events(60_000, 0, 11);
  const second = events(60_000, 60_000, 12);
  await produceJson(b.bootstrap, 'events', first);

  const a = startJob(t, jobArgs(b, 'scale', 'counts_scale', ['--instance-id', 'a']));
  const c = startJob(t, jobArgs(b, 'scale', 'counts_scale', ['--instance-id', 'b']));
  const tasksOf = async (j: typeof a) => (await jobMetrics(j)).tasks.map((x) => x.partition).sort();
  await waitFor('both instances to own two tasks', async () => (await tasksOf(a)).length === 2 && (await tasksOf(c)).length === 2, 60_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}\n--- a:\n${a.output()}\n--- b:\n${c.output()}`);
  });
  assert.deepEqual([...(await tasksOf(a)), ...(await tasksOf(c))].sort(), [0, 1, 2, 3]);
  await waitFor('the first half to be processed', () => groupCaughtUp(b.bootstrap, 'scale', 'events'), 120_000, 200);

  // Stop one instance: it commits and leaves; the other takes its tasks, restoring their state.
  assert.equal(await a.stop(), 0, a.output());
  await waitFor('the remaining instance to own every task', async () => (await tasksOf(c)).length === 4, 60_000, 200);
  assert.match(c.output(), /task \d: restored [1-9]\d* changelog record/, 'the moved tasks came back from their changelog');
  await produceJson(b.bootstrap, 'events', second);
  await waitFor('the second half to be processed', () => groupCaughtUp(b.bootstrap, 'scale', 'events'), 120_000, 200);
  assert.equal(await c.stop(), 0, c.output());

  // The reference: one instance, no handover, over the same input.
  const ref = startJob(t, jobArgs(b, 'scale-ref', 'counts_scale_ref'));
  await waitFor('the reference to catch up', () => groupCaughtUp(b.bootstrap, 'scale-ref', 'events'), 120_000, 200);
  assert.equal(await ref.stop(), 0, ref.output());

  const expected = await readCommitted(b.bootstrap, 'counts_scale_ref');
  const actual = await readCommitted(b.bootstrap, 'counts_scale');
  assert.ok([...expected.values()].reduce((n, l) => n + l.length, 0) > 5_000);
  for (const [p, list] of expected) assert.deepEqual(actual.get(p), list, `partition ${p} record for record`);
});
