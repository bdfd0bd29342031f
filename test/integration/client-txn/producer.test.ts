// Kappa's transactional producer against a real broker process, judged by clients nobody here wrote.
// Two transactional producers interleave committed and aborted transactions with each other and with
// plain records over three partitions (some sends not awaited before the commit or abort, as with
// Java's futures). kcat with isolation.level=read_committed sees exactly the committed and plain
// records, in order; read_uncommitted sees every record (never a transaction marker). Kappa's own
// consumer agrees with kcat at both levels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import type { Producer } from '../../../src/client/producer.js';
import { requireTool, startBroker } from '../../helpers/broker.js';
import { createTopics, kcatRead, readAtLeast } from '../txn/txn-helpers.js';
import { kappaRead, nonEmpty } from './helpers.js';

const TOPIC = 'ours';
const PARTITIONS = 3;

test('Kappa transactional producers: interleaved commits and aborts; kcat read_committed sees exactly the committed records, read_uncommitted all of them', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await createTopics(b, [{ topic: TOPIC, numPartitions: PARTITIONS }]);
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'client-txn-producer' });
  t.after(() => kafka.close());
  const plain = kafka.producer({ lingerMs: 0 });
  const a = kafka.producer({ transactionalId: 'ours-a', lingerMs: 2 });
  const bb = kafka.producer({ transactionalId: 'ours-b', lingerMs: 2 });
  await a.initTransactions();
  await bb.initTransactions();

  // What each partition must hold, in offset order, per reader.
  const committed: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const everything: string[][] = Array.from({ length: PARTITIONS }, () => []);
  /** Records of aborted transactions whose sends were not awaited: the abort may have dropped them unsent. */
  const droppable = new Set<string>();
  const open = new Map<Producer, string[][]>();
  /** One awaited send of `name-p` to every partition; its records count once the transaction's fate is known. */
  const sendAll = async (p: Producer, name: string) => {
    await p.send(TOPIC, Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `${name}-${partition}` })));
    let pending = open.get(p);
    if (!pending) open.set(p, (pending = Array.from({ length: PARTITIONS }, () => [])));
    for (let partition = 0; partition < PARTITIONS; partition++) {
      pending[partition]!.push(`${name}-${partition}`);
      everything[partition]!.push(`${name}-${partition}`);
    }
  };
  const end = async (p: Producer, commit: boolean) => {
    await (commit ? p.commitTransaction() : p.abortTransaction());
    const pending = open.get(p) ?? [];
    if (commit) pending.forEach((list, partition) => committed[partition]!.push(...list));
    open.delete(p);
  };
  const sendPlain = async (name: string) => {
    await plain.send(TOPIC, Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `${name}-${partition}` })));
    for (let partition = 0; partition < PARTITIONS; partition++) {
      committed[partition]!.push(`${name}-${partition}`);
      everything[partition]!.push(`${name}-${partition}`);
    }
  };

  await sendPlain('plain-0');
  a.beginTransaction();
  await sendAll(a, 'a1-x');
  bb.beginTransaction();
  await sendAll(bb, 'b1-x');
  await sendAll(a, 'a1-y');
  await end(a, true);
  await sendPlain('plain-1');
  await sendAll(bb, 'b1-y');
  await end(bb, false);
  a.beginTransaction();
  await sendAll(a, 'a2');
  bb.beginTransaction();
  await sendAll(bb, 'b2');
  await end(a, false);
  await end(bb, true);

  // Ten more transactions of `a`, alternately committed and aborted, whose sends are not awaited
  // before the commit or abort: the producer must still order, add and decide them all.
  for (let i = 0; i < 10; i++) {
    a.beginTransaction();
    const sends: Promise<unknown>[] = [];
    for (let j = 0; j < 3; j++) {
      const values = Array.from({ length: PARTITIONS }, (_, partition) => `a-loop${i}-${j}-${partition}`);
      sends.push(a.send(TOPIC, values.map((value, partition) => ({ partition, value }))));
      values.forEach((v, partition) => everything[partition]!.push(v));
      if (i % 2 === 0) values.forEach((v, partition) => committed[partition]!.push(v));
      else values.forEach((v) => droppable.add(v));
    }
    if (i % 2 === 0) {
      await a.commitTransaction();
      await Promise.all(sends);
    } else {
      await a.abortTransaction();
      // Sent before the abort or dropped by it: either way nothing of them may be read committed.
      await Promise.allSettled(sends);
    }
  }
  const uncommittedByKcat = await kcatRead(b, TOPIC, 'read_uncommitted');
  const expectedCommitted = Object.fromEntries(committed.map((v, p) => [p, v]));
  const why = () => `\n--- broker output ---\n${b.output().slice(-6000)}`;

  const byKcat = await readAtLeast(committed.flat().length, () => kcatRead(b, TOPIC, 'read_committed'));
  assert.deepEqual(nonEmpty(byKcat), expectedCommitted, `kcat read_committed${why()}`);

  // read_uncommitted: every record sent (but those an abort dropped unsent), in send order, no marker.
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const got = uncommittedByKcat.get(partition) ?? [];
    const expected = everything[partition]!.filter((v) => !droppable.has(v) || got.includes(v));
    assert.deepEqual(got, expected, `kcat read_uncommitted partition ${partition}${why()}`);
  }
  assert.ok([...uncommittedByKcat.values()].flat().some((v) => v.startsWith('b1-')), 'aborted records are in the log');

  const ours = await kappaRead(b, TOPIC, 1);
  assert.deepEqual(nonEmpty(ours.values), expectedCommitted, `Kappa consumer read_committed${why()}`);
  const oursAll = await kappaRead(b, TOPIC, 0);
  assert.deepEqual(nonEmpty(oursAll.values), nonEmpty(uncommittedByKcat), `Kappa consumer read_uncommitted agrees with kcat${why()}`);
});
