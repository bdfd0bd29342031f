// Zombie fencing with Kappa's producer against a real broker. A second producer with the same
// transactional id calls initTransactions() while the first has a transaction open: the first's next
// send (to a partition already in its transaction, and to a new one) and its commit fail with a fatal
// TransactionError (code PRODUCER_FENCED) and it refuses any further use; the second works; the first's
// open transaction is aborted, so read_committed (kcat, and Kappa's consumer) never sees its records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import type { Producer } from '../../../src/client/producer.js';
import { TransactionError } from '../../../src/client/transactions.js';
import { requireTool, startBroker } from '../../helpers/broker.js';
import { createTopics, kcatRead, readAtLeast } from '../txn/txn-helpers.js';
import { kappaRead, nonEmpty } from './helpers.js';

const TOPIC = 'fence';
const ID = 'fenced-id';

function isFenced(e: unknown): boolean {
  return e instanceof TransactionError && e.fatal && !e.abortable && e.code === 'PRODUCER_FENCED';
}

test('a second producer with the same transactional id fences the first: its next send or commit fails fatally, its open transaction is aborted, the second commits', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await createTopics(b, [{ topic: TOPIC, numPartitions: 2 }]);
  // Each instance in its own client, as separate processes would be.
  const instance = (name: string): Producer => {
    const kafka = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: name });
    t.after(() => kafka.close());
    return kafka.producer({ transactionalId: ID, lingerMs: 0 });
  };
  const why = () => `\n--- broker output ---\n${b.output().slice(-6000)}`;

  const first = instance('first');
  await first.initTransactions();
  first.beginTransaction();
  await first.send(TOPIC, [{ value: 'first-committed', partition: 0 }]);
  await first.commitTransaction();
  first.beginTransaction();
  await first.send(TOPIC, [{ value: 'zombie-0', partition: 0 }]);

  const second = instance('second');
  await second.initTransactions();

  // The first, fenced: a send to a partition of its transaction (Produce answers with the old epoch) …
  const e1 = await first.send(TOPIC, [{ value: 'zombie-1', partition: 0 }]).then(() => undefined, (e: unknown) => e);
  assert.ok(isFenced(e1), `send to a partition already in the transaction: ${String(e1)}${why()}`);
  // … and everything after it.
  await assert.rejects(first.commitTransaction(), isFenced);
  await assert.rejects(first.abortTransaction(), isFenced);
  await assert.rejects(first.send(TOPIC, [{ value: 'zombie-2', partition: 1 }]), isFenced);
  assert.throws(() => first.beginTransaction(), isFenced);
  assert.equal(first.transactionState, 'fatal-error');

  second.beginTransaction();
  await second.send(TOPIC, [{ value: 'second-0', partition: 0 }, { value: 'second-1', partition: 1 }]);
  await second.commitTransaction();

  // A third instance fences the second while it has a transaction open: its commit (EndTxn) fails,
  // as does a send to a partition new to its transaction (AddPartitionsToTxn).
  second.beginTransaction();
  await second.send(TOPIC, [{ value: 'zombie-3', partition: 0 }]);
  const third = instance('third');
  await third.initTransactions();
  await assert.rejects(second.send(TOPIC, [{ value: 'zombie-4', partition: 1 }]), isFenced);
  await assert.rejects(second.commitTransaction(), isFenced);

  // Yet another, fenced before it sent anything in its transaction: the commit alone fails.
  third.beginTransaction();
  await third.send(TOPIC, [{ value: 'third-0', partition: 1 }]);
  await third.commitTransaction();
  third.beginTransaction();
  await third.send(TOPIC, [{ value: 'zombie-5', partition: 1 }]);
  const fourth = instance('fourth');
  await fourth.initTransactions();
  await assert.rejects(third.commitTransaction(), isFenced);
  fourth.beginTransaction();
  await fourth.send(TOPIC, [{ value: 'fourth-0', partition: 1 }]);
  await fourth.commitTransaction();

  const expected = { 0: ['first-committed', 'second-0'], 1: ['second-1', 'third-0', 'fourth-0'] };
  const committed = await readAtLeast(5, () => kcatRead(b, TOPIC, 'read_committed'));
  assert.deepEqual(nonEmpty(committed), expected, `kcat read_committed${why()}`);
  const ours = await kappaRead(b, TOPIC, 1);
  assert.deepEqual(nonEmpty(ours.values), expected, `Kappa consumer read_committed${why()}`);
  // The zombies' records that did reach the log were aborted, not lost from it; the fenced sends never got there.
  const all = await kcatRead(b, TOPIC, 'read_uncommitted');
  assert.deepEqual(nonEmpty(all), { 0: ['first-committed', 'zombie-0', 'second-0', 'zombie-3'], 1: ['second-1', 'third-0', 'zombie-5', 'fourth-0'] }, `kcat read_uncommitted${why()}`);
});
