// Kappa's consumer at read_committed, reading what kafkajs' transactional producers wrote: two of them
// interleave committed and aborted transactions with each other and with plain records in one
// partition, and with multi-batch transactions on a second. While a transaction is open the consumer
// stops at the last stable offset (even before records committed after it); once everything is
// decided it sees exactly the committed and plain records, in offset order, and never a marker.
// read_uncommitted sees every record.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../helpers/broker.js';
import { createTopics, range } from '../txn/txn-helpers.js';
import { kappaRead } from './helpers.js';

const TOPIC = 'kjs';

test('kafkajs transactional producers write interleaved committed and aborted transactions; Kappa\'s read_committed consumer sees exactly the committed records, in order', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  await createTopics(b, [{ topic: TOPIC, numPartitions: 2 }]);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'client-txn-kafkajs', logLevel: logLevel.NOTHING });
  const plain = kafka.producer();
  const p1 = kafka.producer({ transactionalId: 'kjs-1', idempotent: true, maxInFlightRequests: 1 });
  const p2 = kafka.producer({ transactionalId: 'kjs-2', idempotent: true, maxInFlightRequests: 1 });
  for (const p of [plain, p1, p2]) await p.connect();
  t.after(async () => {
    for (const p of [plain, p1, p2]) await p.disconnect().catch(() => undefined);
  });
  const why = () => `\n--- broker output ---\n${b.output().slice(-6000)}`;
  const msgs = (values: string[], partition = 0) => values.map((value) => ({ value, partition }));

  await plain.send({ topic: TOPIC, acks: -1, messages: msgs(['plain-0']) });
  const a = await p1.transaction();
  await a.send({ topic: TOPIC, messages: msgs(range(5, (i) => `p1-a-${i}`)) });
  const bTxn = await p2.transaction();
  await bTxn.send({ topic: TOPIC, messages: msgs(range(5, (i) => `p2-b-${i}`)) });
  await plain.send({ topic: TOPIC, acks: -1, messages: msgs(['plain-1']) });
  await a.send({ topic: TOPIC, messages: msgs(range(5, (i) => `p1-a-${i}`, 5)) });
  await bTxn.abort();
  const c = await p2.transaction();
  await c.send({ topic: TOPIC, messages: msgs(range(3, (i) => `p2-c-${i}`)) });
  await c.commit();

  // `a` is open: read_committed stops at its first offset (1), although `c` committed after it.
  const held = await kappaRead(b, TOPIC, 1, { timeoutMs: 1500, lingerMs: 0 });
  assert.deepEqual(held.values.get(0) ?? [], ['plain-0'], `read_committed while transaction a is open${why()}`);

  await a.commit();
  // Partition 1: transactions of several batches each (one send per batch), aborted and committed in turn.
  for (let i = 0; i < 6; i++) {
    const txn = await (i % 2 === 0 ? p1 : p2).transaction();
    for (let j = 0; j < 3; j++) await txn.send({ topic: TOPIC, messages: msgs(range(4, (k) => `t${i}-s${j}-${k}`), 1) });
    await (i % 3 === 1 ? txn.abort() : txn.commit());
  }
  const d = await p1.transaction();
  await d.send({ topic: TOPIC, messages: msgs(['p1-d-0']) });
  await d.abort();
  await plain.send({ topic: TOPIC, acks: -1, messages: msgs(['plain-2']) });

  // Committed records in log (append) order: a's records came before c's, though c committed first.
  const expected0 = ['plain-0', ...range(5, (i) => `p1-a-${i}`), 'plain-1', ...range(5, (i) => `p1-a-${i}`, 5), ...range(3, (i) => `p2-c-${i}`), 'plain-2'];
  const expected1 = [0, 2, 3, 5].flatMap((i) => [0, 1, 2].flatMap((j) => range(4, (k) => `t${i}-s${j}-${k}`)));

  const ours = await kappaRead(b, TOPIC, 1, { lingerMs: 500 });
  assert.deepEqual(ours.values.get(0), expected0, `partition 0 read_committed${why()}`);
  assert.deepEqual(ours.values.get(1), expected1, `partition 1 read_committed${why()}`);
  for (const offsets of ours.offsets.values()) assert.deepEqual(offsets, [...offsets].sort((x, y) => x - y), 'offsets ascend');

  const all = await kappaRead(b, TOPIC, 0, { lingerMs: 300 });
  assert.equal(all.values.get(0)?.length, 1 + 5 + 5 + 1 + 5 + 3 + 1 + 1, `partition 0 read_uncommitted: every record, no marker${why()}`);
  assert.equal(all.values.get(1)?.length, 6 * 3 * 4, `partition 1 read_uncommitted${why()}`);
});
