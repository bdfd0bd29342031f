// Transactions with clients nobody here wrote: kafkajs' transactional producer commits one transaction
// (records + consumer offsets via sendOffsets) and aborts another; kcat reading read_committed sees
// every committed record once and no aborted one, read_uncommitted sees both; the group's committed
// offset is the one sent in the committed transaction, not the aborted one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { requireTool, run, startBroker, type Broker } from '../../helpers/broker.js';

const TOPIC = 'txn-in';

async function kcatRead(b: Broker, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-b', b.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', `isolation.level=${isolation}`], { broker: b, timeoutMs: 30_000 });
  return stdout.split('\n').filter((l) => l !== '').sort();
}

/**
 * read_committed until `count` records show up: EndTxn is answered once the decision is durable and
 * the markers follow (as in Kafka), so right after commit() the last stable offset may lag briefly.
 */
async function kcatReadCommitted(b: Broker, count: number): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  let seen = await kcatRead(b, 'read_committed');
  while (seen.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await kcatRead(b, 'read_committed');
  }
  return seen;
}

test('kafkajs transactions: committed records and offsets are visible read_committed, aborted ones are not', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-txn', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  const producer = kafka.producer({ transactionalId: 'kafkajs-txn-1', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic: TOPIC, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `committed-${i}` })) });
    await committed.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '7' }] }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: TOPIC, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `aborted-${i}` })) });
    await aborted.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '99' }] }] });
    await aborted.abort();

    const last = await producer.transaction();
    await last.send({ topic: TOPIC, messages: [{ key: 'z', value: 'committed-last' }] });
    await last.commit();

    const expectedCommitted = [...Array.from({ length: 50 }, (_, i) => `committed-${i}`), 'committed-last'].sort();
    assert.deepEqual(await kcatReadCommitted(b, expectedCommitted.length), expectedCommitted);
    const all = await kcatRead(b, 'read_uncommitted');
    assert.equal(all.length, 81);
    assert.ok(all.includes('aborted-0') && all.includes('committed-last'));

    const offsets = await admin.fetchOffsets({ groupId: 'txn-group', topics: [TOPIC] });
    assert.equal(offsets[0]!.partitions.find((p) => p.partition === 0)?.offset, '7', 'the aborted transaction\'s offsets are discarded');
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});

test('kafkajs: a second producer with the same transactional id fences the first', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-fence', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  const zombie = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
  const next = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1 });
  await zombie.connect();
  try {
    const open = await zombie.transaction();
    await open.send({ topic: TOPIC, messages: [{ value: 'zombie' }] });
    // The new instance aborts the zombie's open transaction and bumps the epoch.
    await next.connect();
    const txn = await next.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'new' }] });
    await txn.commit();
    await assert.rejects(open.commit(), (err: Error) => /fenced|epoch/i.test(`${err.name} ${err.message}`), 'the zombie cannot commit');
  } finally {
    await zombie.disconnect().catch(() => {});
    await next.disconnect();
    await admin.disconnect();
  }
});
