// Transactions across broker crashes. The broker SIGKILLs itself at a step of ending a transaction
// (kappa.test.txn.crash.at): after the commit decision is durable but before any marker ('prepared'),
// and after the markers but before the completion is stored ('marked'); on restart the coordinator
// finishes the commit, so read_committed readers see the records and the group sees its offsets,
// exactly once. A transaction left open by a kill -9 stays undecided (the last stable offset holds
// read_committed readers back) until its timeout aborts it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { requireTool, run, startBroker, tempDir, type Broker } from '../../helpers/broker.js';

const TOPIC = 'txn-crash';
const BASE_CONFIG = 'transaction.abort.timed.out.transaction.cleanup.interval.ms=200\ngroup.initial.rebalance.delay.ms=0\n';

async function readCommitted(b: Broker): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-b', b.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', 'isolation.level=read_committed'], { broker: b, timeoutMs: 30_000 });
  return stdout.split('\n').filter((l) => l !== '').sort();
}

/** Polls until read_committed shows `expected` (markers are written shortly after the restart). */
async function eventuallyReadCommitted(b: Broker, expected: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await readCommitted(b);
    if (seen.length >= expected.length) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.deepEqual(seen, [...expected].sort(), `read_committed after the restart\n--- broker output ---\n${b.output()}`);
}

function kafkaFor(b: Broker, clientId: string): Kafka {
  return new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 } });
}

for (const step of ['prepared', 'marked'] as const) {
  test(`a broker killed at '${step}' while committing finishes the commit after the restart`, { timeout: 120_000 }, async (t) => {
    if (!requireTool(t, 'kcat')) return;
    const props = join(tempDir(t), 'server.properties');
    writeFileSync(props, `${BASE_CONFIG}kappa.test.txn.crash.at=${step}\n`);
    const b = await startBroker(t, { config: props });
    const admin = kafkaFor(b, 'crash-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await admin.disconnect();

    const producer = kafkaFor(b, 'crash-producer').producer({ transactionalId: `crash-${step}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const exited = once(b.process, 'exit');
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
    await txn.sendOffsets({ consumerGroupId: `g-${step}`, topics: [{ topic: TOPIC, partitions: [{ partition: 1, offset: '5' }] }] });
    // The broker dies while ending it: the commit may or may not be answered.
    await txn.commit().catch(() => {});
    await exited;
    assert.equal(b.process.signalCode, 'SIGKILL');
    await producer.disconnect().catch(() => {});

    writeFileSync(props, BASE_CONFIG);
    await b.restart();
    await eventuallyReadCommitted(b, values);
    const after = kafkaFor(b, 'crash-admin-2').admin();
    await after.connect();
    try {
      // The group's offsets become visible with the marker on __consumer_offsets, written last.
      let offset: string | undefined;
      const deadline = Date.now() + 15_000;
      do {
        const offsets = await after.fetchOffsets({ groupId: `g-${step}`, topics: [TOPIC] });
        offset = offsets[0]!.partitions.find((p) => p.partition === 1)?.offset;
        if (offset !== '5') await new Promise((r) => setTimeout(r, 200));
      } while (offset !== '5' && Date.now() < deadline);
      assert.equal(offset, '5', 'the committed transaction\'s offsets');
    } finally {
      await after.disconnect();
    }

    // The id is usable again: a new instance initialises and commits once more.
    const next = kafkaFor(b, 'crash-producer-2').producer({ transactionalId: `crash-${step}`, idempotent: true, maxInFlightRequests: 1 });
    await next.connect();
    try {
      const again = await next.transaction();
      await again.send({ topic: TOPIC, messages: [{ key: 'k', value: 'after-restart' }] });
      await again.commit();
    } finally {
      await next.disconnect();
    }
    await eventuallyReadCommitted(b, [...values, 'after-restart']);
  });
}

test('a transaction left open by kill -9 holds the last stable offset until its timeout aborts it', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const props = join(tempDir(t), 'server.properties');
  writeFileSync(props, BASE_CONFIG);
  const b = await startBroker(t, { config: props });
  const admin = kafkaFor(b, 'open-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.disconnect();
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0'], { broker: b, input: 'before\n' });

  const producer = kafkaFor(b, 'open-producer').producer({ transactionalId: 'left-open', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 4000 });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: [{ value: 'never-committed-1' }, { value: 'never-committed-2' }] });
  await b.kill9();
  await producer.disconnect().catch(() => {});
  await b.restart();

  // Written after the open transaction: a read_committed reader cannot pass it until it is decided.
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0'], { broker: b, input: 'after\n' });
  const held = await readCommitted(b);
  // Undecided, readers stop before the open transaction ('after' is held back); decided, they see both.
  // Never its records.
  assert.ok(['before', 'after,before'].includes(held.join(',')), `read_committed right after the restart: ${held.join(',')}`);
  await eventuallyReadCommitted(b, ['before', 'after']);
  assert.match(b.output(), /left-open timed out/);
});
