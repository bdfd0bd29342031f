// Offsets committed inside a transaction (a kafkajs transactional producer's sendOffsets, as an
// exactly-once job commits them): a GroupConsumer assigned the partition while the transaction is
// open waits for it (OffsetFetch requireStable answers UNSTABLE_OFFSET_COMMIT), then starts at the
// transaction's offset once it commits; with read_committed it never sees the open transaction's records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import type { ConsumerRecord } from '../../../src/client/consumer.js';
import { brokerConfig, waitUntil } from '../groups/members.js';

const TOPIC = 'payments';
const GROUP = 'payments-job';

test('a partition whose offset is pending in an open transaction starts at that offset once the transaction commits', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'txn-offsets-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: TOPIC, partitions: 1 }]);
  await client.producer().send(TOPIC, Array.from({ length: 10 }, (_, i) => ({ value: `plain-${i}` })));

  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'txn-offsets', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: 'payments-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const tx = await producer.transaction();
  await tx.send({ topic: TOPIC, messages: [{ value: 'in-txn-0' }, { value: 'in-txn-1' }] });
  await tx.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '7' }] }] });

  const lines: string[] = [];
  const consumer = client.groupConsumer({
    groupId: GROUP,
    fromBeginning: true,
    isolationLevel: 1,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 300,
    maxWaitMs: 200,
    log: (line) => void lines.push(line),
  });
  const assigned: number[] = [];
  consumer.subscribe([TOPIC], { onPartitionsAssigned: (tps) => void assigned.push(...tps.map((tp) => tp.partition)) });
  const seen: Array<ConsumerRecord & { at: number }> = [];
  const running = consumer.run({ eachRecord: (r) => void seen.push({ ...r, at: Date.now() }) });
  await waitUntil('the partition to be assigned', () => assigned.length === 1, 20_000);
  await waitUntil('the member to meet the pending offset', () => lines.some((l) => l.includes('UNSTABLE_OFFSET_COMMIT')), 20_000, () => lines.join('\n'));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(seen.length, 0, 'nothing is consumed while the offset is pending');

  const committedAt = Date.now();
  await tx.commit();
  await waitUntil('the records from offset 7 on', () => seen.length === 5, 20_000, () => lines.join('\n'));
  // Offsets 7..9, then the transaction's two records (its commit marker takes offset 12).
  assert.deepEqual(seen.map((r) => [r.offset, r.value!.toString()]), [[7, 'plain-7'], [8, 'plain-8'], [9, 'plain-9'], [10, 'in-txn-0'], [11, 'in-txn-1']]);
  assert.ok(seen[0]!.at >= committedAt);
  await consumer.commit();
  // The position counts the commit marker too, as Kafka's consumer does.
  assert.equal(consumer.position(TOPIC, 0), 13);
  await consumer.close();
  await running;
});
