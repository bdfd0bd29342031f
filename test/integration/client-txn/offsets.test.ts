// sendOffsetsToTransaction with Kappa's producer against a real broker: consumer offsets sent inside a
// transaction are invisible to OffsetFetch (Kappa's GroupAdmin and kafkajs' admin) while it is open,
// visible once it commits, and never visible when it aborts, with or without records beside them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { startBroker } from '../../helpers/broker.js';
import { createTopics } from '../txn/txn-helpers.js';

const GROUP = 'txn-offsets-group';

test('offsets sent in a transaction become visible to OffsetFetch only when it commits, never when it aborts', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopics(b, [
    { topic: 'in', numPartitions: 2 },
    { topic: 'out', numPartitions: 1 },
  ]);
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'client-txn-offsets' });
  t.after(() => kafka.close());
  const groups = new GroupAdmin(kafka.cluster);
  const kjsAdmin = new Kafka({ brokers: [b.bootstrap], clientId: 'client-txn-offsets-check', logLevel: logLevel.NOTHING }).admin();
  await kjsAdmin.connect();
  t.after(() => kjsAdmin.disconnect());
  const why = () => `\n--- broker output ---\n${b.output().slice(-6000)}`;

  /** [partition, offset] of `in` as Kappa's GroupAdmin and as kafkajs see them. */
  const ours = async (): Promise<[number, number][]> => (await groups.fetchOffsets(GROUP, [{ topic: 'in', partitions: [0, 1] }])).map((o) => [o.partition, o.offset]);
  const theirs = async (): Promise<[number, number][]> =>
    (await kjsAdmin.fetchOffsets({ groupId: GROUP, topics: ['in'] }))[0]!.partitions.map((p) => [p.partition, Number(p.offset)] as [number, number]).sort((x, y) => x[0] - y[0]);
  /** Both readers see `expected`; waited for, since EndTxn answers before the coordinator applied the markers. */
  const expectCommitted = async (expected: [number, number][], what: string) => {
    const deadline = Date.now() + 10_000;
    let got = [await ours(), await theirs()];
    while (got.some((g) => JSON.stringify(g) !== JSON.stringify(expected)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      got = [await ours(), await theirs()];
    }
    assert.deepEqual(got[0], expected, `${what}: Kappa's GroupAdmin${why()}`);
    assert.deepEqual(got[1], expected, `${what}: kafkajs${why()}`);
  };
  /** Both readers see `expected` now (nothing is being decided meanwhile). */
  const expectNow = async (expected: [number, number][], what: string) => {
    assert.deepEqual(await ours(), expected, `${what}: Kappa's GroupAdmin${why()}`);
    assert.deepEqual(await theirs(), expected, `${what}: kafkajs${why()}`);
  };

  const producer = kafka.producer({ transactionalId: 'txn-offsets', lingerMs: 0 });
  await producer.initTransactions();

  // 1. Records and offsets, committed.
  producer.beginTransaction();
  await producer.send('out', [{ value: 'r1', partition: 0 }]);
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5 }, { topic: 'in', partition: 1, offset: 3, metadata: 'm1' }], { groupId: GROUP });
  await expectNow([[0, -1], [1, -1]], 'nothing visible while the transaction is open');
  await producer.commitTransaction();
  await expectCommitted([[0, 5], [1, 3]], 'visible after the commit');
  const metadata = (await groups.fetchOffsets(GROUP, [{ topic: 'in', partitions: [1] }]))[0]!.metadata;
  assert.equal(metadata, 'm1');

  // 2. Offsets alone, aborted: the committed ones stay.
  producer.beginTransaction();
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 9 }], { groupId: GROUP });
  await expectNow([[0, 5], [1, 3]], 'the pending offsets do not show');
  await producer.abortTransaction();
  await new Promise((r) => setTimeout(r, 300));
  await expectCommitted([[0, 5], [1, 3]], 'an aborted transaction\'s offsets never show');

  // 3. Records and offsets, aborted.
  producer.beginTransaction();
  await producer.send('out', [{ value: 'r3', partition: 0 }]);
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 1, offset: 8 }], { groupId: GROUP });
  await producer.abortTransaction();
  await new Promise((r) => setTimeout(r, 300));
  await expectCommitted([[0, 5], [1, 3]], 'still the first transaction\'s offsets');

  // 4. Offsets alone, committed, moving one partition on.
  producer.beginTransaction();
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 1, offset: 11 }], { groupId: GROUP });
  await producer.commitTransaction();
  await expectCommitted([[0, 5], [1, 11]], 'the last commit\'s offsets');

  // 5. A producer killed (closed without ending) with offsets pending: the next instance aborts them.
  producer.beginTransaction();
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 99 }], { groupId: GROUP });
  const next = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'client-txn-offsets-2' });
  t.after(() => next.close());
  const successor = next.producer({ transactionalId: 'txn-offsets' });
  await successor.initTransactions();
  await new Promise((r) => setTimeout(r, 300));
  await expectCommitted([[0, 5], [1, 11]], 'offsets of a fenced instance\'s open transaction are aborted');
  await assert.rejects(producer.commitTransaction(), (e: any) => e.fatal === true && e.code === 'PRODUCER_FENCED');
});
