// confluent-kafka-python (librdkafka 2.0.2) transactions against a real broker process:
// a consume-transform-produce loop whose transactions carry the group's offsets
// (send_offsets_to_transaction with the subscribed consumer's group metadata): a committed
// transaction's records and offsets become visible, an aborted one's never do, an open one's are
// invisible to read_committed readers (and to OffsetFetch with requireStable) until it commits.
// And zombie fencing: a second producer with the same transactional.id fences the first, whose
// next operation fails with a fatal _FENCED error and whose late record never reaches the log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool, run, startBroker } from '../../helpers/broker.js';
import { brokerConfig } from '../groups/members.js';
import { allValues, confluentRead, confluentTxn, createTopics, kcatRead, range, readAtLeast } from './txn-helpers.js';

interface Committed {
  [partition: string]: number;
}
interface ErrorDoc {
  name: string;
  code?: number;
  fatal?: boolean;
  retriable?: boolean;
  str: string;
}
interface EosSteps {
  after_commit_1: { position: Committed; committed: Committed };
  position_in_2: Committed;
  unflushed_2: number;
  after_abort_2: { committed: Committed };
  open_3: { read_committed: string[]; read_uncommitted: string[]; committed: Committed; committed_stable?: Committed; committed_stable_error?: ErrorDoc };
  after_commit_3: { committed: Committed; committed_stable: Committed };
}

test('confluent-kafka transactions: consume-transform-produce with send_offsets_to_transaction, commit and abort, read_committed', { timeout: 180_000 }, async (t) => {
  if (!requireTool(t, 'python:confluent_kafka') || !requireTool(t, 'kcat')) return;
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  await createTopics(b, [
    { topic: 'ck-in', numPartitions: 1 },
    { topic: 'ck-out', numPartitions: 3 },
  ]);
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', 'ck-in', '-p', '0', '-K', ':'], { broker: b, input: range(100, (i) => `k${i}:in-${i}`).join('\n') + '\n' });

  const steps = await confluentTxn<EosSteps>(b, ['eos', 'ck-in', 'ck-out', 'ck-group', 'ck-txn']);
  const why = `\n${JSON.stringify(steps, null, 1).slice(0, 3000)}\n--- broker output ---\n${b.output().slice(-6000)}`;
  const c1 = range(40, (i) => `c1-in-${i}`);
  const a2 = range(30, (i) => `a2-in-${i}`, 40);
  const c3 = range(60, (i) => `c3-in-${i}`, 40);

  assert.deepEqual(steps.after_commit_1.committed, { 0: 40 }, `offsets of the committed transaction 1${why}`);
  assert.deepEqual(steps.position_in_2, { 0: 70 });
  assert.equal(steps.unflushed_2, 0, 'the aborted transaction\'s records were delivered before the abort');
  assert.deepEqual(steps.after_abort_2.committed, { 0: 40 }, `the aborted transaction's offsets (70) are discarded${why}`);
  // Transaction 3 produced and flushed, not yet committed.
  assert.deepEqual(steps.open_3.read_committed, [...c1].sort(), `read_committed while transaction 3 is open${why}`);
  assert.deepEqual(steps.open_3.read_uncommitted, [...c1, ...a2, ...c3].sort(), `read_uncommitted while transaction 3 is open${why}`);
  assert.deepEqual(steps.open_3.committed, { 0: 40 }, `OffsetFetch (not requireStable) while transaction 3 holds offset 100${why}`);
  // KIP-447: with requireStable the broker answers UNSTABLE_OFFSET_COMMIT (retriable) while offsets
  // are pending, and librdkafka retries until its timeout.
  assert.equal(steps.open_3.committed_stable, undefined, `requireStable OffsetFetch must not answer while offsets are pending${why}`);
  assert.equal(steps.open_3.committed_stable_error?.name, '_TIMED_OUT', why);
  assert.deepEqual(steps.after_commit_3.committed, { 0: 100 }, why);
  assert.deepEqual(steps.after_commit_3.committed_stable, { 0: 100 }, why);

  const committedExpected = [...c1, ...c3].sort();
  // Every committed record exactly once, no aborted one: confluent-kafka and kcat, read_committed.
  const rc = await readAtLeast(committedExpected.length, () => confluentRead(b, 'ck-out', 'read_committed'));
  assert.deepEqual(allValues(rc), committedExpected, `confluent-kafka read_committed${why}`);
  assert.deepEqual(allValues(await kcatRead(b, 'ck-out', 'read_committed')), committedExpected, `kcat read_committed${why}`);
  // read_uncommitted sees the aborted records too.
  const ru = await confluentRead(b, 'ck-out', 'read_uncommitted');
  assert.deepEqual(allValues(ru), [...c1, ...a2, ...c3].sort(), `confluent-kafka read_uncommitted${why}`);
  // Partitioned by key (librdkafka's default partitioner): each key's records stay in input order.
  for (const recs of Object.values(rc)) {
    const inputs = recs.map(([, v]) => Number(v.slice(v.lastIndexOf('-') + 1)));
    assert.deepEqual(inputs, [...inputs].sort((x, y) => x - y), 'offset order follows input order');
  }

  // A new member of the group resumes after the last committed transaction: nothing left to read.
  const offsets = await confluentTxn<{ offsets: Committed }>(b, ['committed', 'ck-group', 'ck-in']);
  assert.deepEqual(offsets.offsets, { 0: 100 });
});

interface FenceResult {
  zombie_unflushed: number;
  zombie_produce_error: ErrorDoc | null;
  zombie_commit_error: ErrorDoc | null;
  zombie_late_delivery: string[];
  zombie_error_cb: string[];
}

test('confluent-kafka: a second producer with the same transactional.id fences the first (fatal _FENCED), aborting its open transaction', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t);
  await createTopics(b, [{ topic: 'ck-fence', numPartitions: 2 }]);
  const res = await confluentTxn<FenceResult>(b, ['fence', 'ck-fence', 'fenced-id']);
  const why = `\n${JSON.stringify(res, null, 1)}\n--- broker output ---\n${b.output().slice(-6000)}`;
  assert.equal(res.zombie_unflushed, 0);
  // librdkafka turns INVALID_PRODUCER_EPOCH / PRODUCER_FENCED into its fatal _FENCED error.
  const err = res.zombie_commit_error;
  assert.ok(err, `the zombie's commit must fail${why}`);
  assert.equal(err.name, '_FENCED', why);
  assert.equal(err.fatal, true, why);

  const zombie = range(10, (i) => `zombie-${i}`);
  const successor = range(10, (i) => `successor-${i}`);
  assert.deepEqual(allValues(await readAtLeast(successor.length, () => confluentRead(b, 'ck-fence', 'read_committed'))), [...successor].sort(), `read_committed: only the successor's transaction${why}`);
  // The zombie's aborted records are in the log; its record produced after the fencing is not.
  assert.deepEqual(allValues(await confluentRead(b, 'ck-fence', 'read_uncommitted')), [...zombie, ...successor].sort(), `read_uncommitted${why}`);
});
