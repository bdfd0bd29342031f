// kafkajs as the reader of transactional data (kafkajs-transactions.test.ts reads with kcat): two
// transactional producers interleave their transactions with each other and with plain records in
// one partition. A kafkajs consumer with `readUncommitted: false` sees, in offset order, every
// committed and plain record exactly once and no record of an aborted transaction, and stops at
// the last stable offset while a transaction is open (even before records committed after it);
// with `readUncommitted: true` it sees everything. A group consumer resumes at the offset sent in the
// committed transaction, never at the one sent in the aborted transaction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startBroker, type Broker } from '../../helpers/broker.js';
import { brokerConfig } from '../groups/members.js';
import { createTopics, range } from './txn-helpers.js';

const TOPIC = 'rc';

interface Seen {
  offset: number;
  value: string;
}

let reads = 0;

/** A kafkajs consumer in a group: waits for `expected` records, then lingers to catch any extra one. */
async function kafkajsRead(b: Broker, opts: { readUncommitted: boolean; expected: number; groupId?: string; lingerMs?: number }): Promise<Seen[]> {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'rc-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: opts.groupId ?? `rc-reader-${++reads}`, readUncommitted: opts.readUncommitted, maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 500 });
  const seen: Seen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void seen.push({ offset: Number(message.offset), value: message.value!.toString() }) });
    const deadline = Date.now() + 20_000;
    while (seen.length < opts.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Several more fetches (100 ms long-polls): anything beyond what was expected shows up here.
    await new Promise((r) => setTimeout(r, opts.lingerMs ?? 1000));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

test('kafkajs read_committed consumer: interleaved transactions, an open one holds the LSO, aborted ones are skipped; group offsets from the committed transaction only', { timeout: 180_000 }, async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  await createTopics(b, [{ topic: TOPIC, numPartitions: 1 }]);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'rc-test', logLevel: logLevel.NOTHING });
  const plain = kafka.producer();
  const p1 = kafka.producer({ transactionalId: 'rc-1', idempotent: true, maxInFlightRequests: 1 });
  const p2 = kafka.producer({ transactionalId: 'rc-2', idempotent: true, maxInFlightRequests: 1 });
  const producers: Producer[] = [plain, p1, p2];
  for (const p of producers) await p.connect();
  const why = () => `\n--- broker output ---\n${b.output().slice(-6000)}`;
  try {
    const sendPlain = (value: string) => plain.send({ topic: TOPIC, acks: -1, messages: [{ value }] });
    const msgs = (values: string[]) => values.map((value) => ({ value }));

    await sendPlain('plain-0');
    const a = await p1.transaction();
    await a.send({ topic: TOPIC, messages: msgs(range(10, (i) => `p1-a-${i}`)) });
    const bTxn = await p2.transaction();
    await bTxn.send({ topic: TOPIC, messages: msgs(range(10, (i) => `p2-b-${i}`)) });
    await sendPlain('plain-1');
    await a.send({ topic: TOPIC, messages: msgs(range(10, (i) => `p1-a-${i}`, 10)) });
    await bTxn.abort();
    const c = await p2.transaction();
    await c.send({ topic: TOPIC, messages: msgs(range(5, (i) => `p2-c-${i}`)) });
    await c.sendOffsets({ consumerGroupId: 'rc-group', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '3' }] }] });
    await c.commit();

    // p1's transaction `a` is still open: read_committed stops at its first offset (1), although
    // p2's `c` committed after it.
    const held = await kafkajsRead(b, { readUncommitted: false, expected: 1, lingerMs: 1500 });
    assert.deepEqual(held.map((s) => s.value), ['plain-0'], `read_committed while transaction a is open${why()}`);
    const everything = await kafkajsRead(b, { readUncommitted: true, expected: 37 });
    assert.equal(everything.length, 37, `read_uncommitted sees the open and the aborted records${why()}`);

    await a.sendOffsets({ consumerGroupId: 'rc-group-2', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] }] });
    await a.commit();
    const d = await p1.transaction();
    await d.send({ topic: TOPIC, messages: msgs(range(10, (i) => `p1-d-${i}`)) });
    await d.sendOffsets({ consumerGroupId: 'rc-group', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '99' }] }] });
    await d.abort();
    await sendPlain('plain-2');

    // Production order, without the aborted transactions b and d.
    const committedOrder = ['plain-0', ...range(10, (i) => `p1-a-${i}`), 'plain-1', ...range(10, (i) => `p1-a-${i}`, 10), ...range(5, (i) => `p2-c-${i}`), 'plain-2'];
    const rc = await kafkajsRead(b, { readUncommitted: false, expected: committedOrder.length });
    assert.deepEqual(rc.map((s) => s.value), committedOrder, `kafkajs read_committed: committed and plain records once each, in offset order, nothing aborted${why()}`);
    assert.deepEqual(rc.map((s) => s.offset), [...rc.map((s) => s.offset)].sort((x, y) => x - y));
    const ru = await kafkajsRead(b, { readUncommitted: true, expected: committedOrder.length + 20 });
    assert.equal(ru.length, committedOrder.length + 20, `read_uncommitted: also the 20 aborted records${why()}`);
    assert.deepEqual(ru.filter((s) => /^p2-b-|^p1-d-/.test(s.value)).length, 20);
    // Markers occupy offsets: the read_uncommitted offsets have holes exactly where they are.
    const offsets = ru.map((s) => s.offset);
    assert.ok(offsets[offsets.length - 1]! > offsets.length - 1, 'control records take offsets');

    // The group resumes at 3 (committed with c), not at 99 (sent in the aborted d).
    const resumed = await kafkajsRead(b, { readUncommitted: false, groupId: 'rc-group', expected: rc.filter((s) => s.offset >= 3).length });
    assert.deepEqual(resumed.map((s) => s.value), rc.filter((s) => s.offset >= 3).map((s) => s.value), `rc-group resumes at offset 3${why()}`);
    const resumed2 = await kafkajsRead(b, { readUncommitted: false, groupId: 'rc-group-2', expected: rc.filter((s) => s.offset >= 5).length });
    assert.equal(resumed2[0]?.offset, rc.find((s) => s.offset >= 5)!.offset, `rc-group-2 resumes at offset 5 (committed with a)${why()}`);
  } finally {
    for (const p of producers) await p.disconnect();
  }
});
