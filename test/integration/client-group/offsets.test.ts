// Committed offsets: a GroupConsumer commits (explicit offsets, then the default "everything handed
// out"), closes, and a new member of the group continues exactly there; kafkajs' admin and
// `kappa groups describe` report the same committed offsets and lag. A member that holds a batch
// longer than its rebalance timeout gives its partitions up: its late commit fails with
// CommitFailedError and it gets onPartitionsLost, never a silent loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { kappaBin, run, startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { CommitFailedError } from '../../../src/client/group-consumer.js';
import type { ConsumerRecord } from '../../../src/client/consumer.js';
import { brokerConfig, waitUntil } from '../groups/members.js';

const TOPIC = 'ledger';
const GROUP = 'ledger-app';

test('committed offsets: a new member resumes where the last one committed; kafkajs and kappa groups agree on offsets and lag', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'offsets-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: TOPIC, partitions: 3 }]);
  const producer = client.producer();
  const produce = async (perPartition: number, tag: string) => {
    for (let p = 0; p < 3; p++) await producer.send(TOPIC, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
  };
  await produce(30, 'first');

  // The first member reads everything but commits partition 0 only up to offset 20.
  const first = client.groupConsumer({ groupId: GROUP, fromBeginning: true, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 200 });
  first.subscribe([TOPIC]);
  const seenFirst: ConsumerRecord[] = [];
  const running = first.run({ eachRecord: (r) => void seenFirst.push(r) });
  await waitUntil('the first member to read 90 records', () => seenFirst.length === 90, 20_000);
  assert.deepEqual([0, 1, 2].map((p) => first.position(TOPIC, p)), [30, 30, 30]);
  await first.commit([
    { topic: TOPIC, partition: 0, offset: 20, metadata: 'checkpoint-7' },
    { topic: TOPIC, partition: 1, offset: 30 },
    { topic: TOPIC, partition: 2, offset: 30 },
  ]);
  assert.deepEqual((await first.committed([{ topic: TOPIC, partition: 0 }]))[0], { topic: TOPIC, partition: 0, offset: 20, metadata: 'checkpoint-7' });
  await first.close();
  await running;
  await produce(10, 'second');

  // Someone else's tools see the same offsets and lag.
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'offsets-check', logLevel: logLevel.NOTHING });
  const kadmin = kafka.admin();
  await kadmin.connect();
  t.after(() => kadmin.disconnect());
  const viaKafkajs = (await kadmin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions.sort((x, y) => x.partition - y.partition);
  assert.deepEqual(viaKafkajs.map((p) => [p.partition, Number(p.offset), p.metadata ?? '']), [[0, 20, 'checkpoint-7'], [1, 30, ''], [2, 30, '']]);
  const described = JSON.parse((await run(process.execPath, [kappaBin, 'groups', 'describe', GROUP, '--bootstrap-server', b.bootstrap, '--json'], { broker: b })).stdout);
  assert.equal(described.group.state, 'Empty');
  assert.deepEqual(
    described.offsets.map((o: { partition: number; committedOffset: number; logEndOffset: number; lag: number }) => [o.partition, o.committedOffset, o.logEndOffset, o.lag]),
    [[0, 20, 40, 20], [1, 30, 40, 10], [2, 30, 40, 10]],
  );

  // A new member continues from there (fromBeginning applies only without a commit), auto-committing on close.
  const second = client.groupConsumer({ groupId: GROUP, fromBeginning: true, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 200, autoCommit: true, autoCommitIntervalMs: 200 });
  second.subscribe([TOPIC]);
  const seenSecond: ConsumerRecord[] = [];
  const running2 = second.run({ eachRecord: (r) => void seenSecond.push(r) });
  await waitUntil('the second member to read 40 records', () => seenSecond.length === 40, 20_000);
  const firstOffsets = [0, 1, 2].map((p) => seenSecond.find((r) => r.partition === p)!.offset);
  assert.deepEqual(firstOffsets, [20, 30, 30]);
  assert.equal(seenSecond.filter((r) => r.partition === 0).map((r) => r.value!.toString()).join(), [...Array.from({ length: 10 }, (_, i) => `first-0-${20 + i}`), ...Array.from({ length: 10 }, (_, i) => `second-0-${i}`)].join());
  // Auto-commit reaches the log end while running.
  await waitUntil('auto-commit to reach the log end', async () => (await kadmin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions.every((p) => p.offset === '40'), 20_000);
  await second.close();
  await running2;
  const after = JSON.parse((await run(process.execPath, [kappaBin, 'groups', 'describe', GROUP, '--bootstrap-server', b.bootstrap, '--json'], { broker: b })).stdout);
  assert.deepEqual(after.offsets.map((o: { lag: number }) => o.lag), [0, 0, 0]);
});

test('a member that holds a batch past its rebalance timeout loses its partitions: the late commit fails loudly', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'slow-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: 'slow', partitions: 2 }]);
  const producer = client.producer();
  for (let p = 0; p < 2; p++) await producer.send('slow', [{ partition: p, value: `v-${p}` }]);

  const events: string[] = [];
  const slow = client.groupConsumer({ groupId: 'slow-app', fromBeginning: true, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 1500, heartbeatIntervalMs: 200, maxWaitMs: 200 });
  slow.subscribe(['slow'], {
    onPartitionsAssigned: (tps) => void events.push(`assigned ${tps.map((tp) => tp.partition)}`),
    onPartitionsRevoked: (tps) => void events.push(`revoked ${tps.map((tp) => tp.partition)}`),
    onPartitionsLost: (tps) => void events.push(`lost ${tps.map((tp) => tp.partition)}`),
  });
  let handled = 0;
  let commitError: unknown;
  const running = slow.run({
    async eachBatch() {
      handled++;
      if (handled > 1) return;
      const memberId = slow.groupMetadata().memberId;
      // Stuck on the first batch well past the rebalance timeout: the member leaves the group meanwhile.
      await waitUntil('the member to give up its membership', () => slow.groupMetadata().memberId !== memberId, 10_000);
      try {
        await slow.commit();
      } catch (err) {
        commitError = err;
      }
    },
  });
  await waitUntil('the member to rejoin and get its partitions back', () => events.length >= 3, 20_000, () => events.join('\n'));
  assert.ok(commitError instanceof CommitFailedError, String(commitError));
  assert.equal((commitError as CommitFailedError).reason, 'UNKNOWN_MEMBER_ID');
  assert.deepEqual(events.slice(0, 3), ['assigned 0,1', 'lost 0,1', 'assigned 0,1']);
  await slow.close();
  await running;
});

test('seek in onPartitionsAssigned restores a position; pause and resume; the record iterator', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'iterator-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: 'iter', partitions: 2 }]);
  const producer = client.producer();
  const produce = async (p: number, from: number, n: number) => producer.send('iter', Array.from({ length: n }, (_, i) => ({ partition: p, value: `${p}-${from + i}` })));
  await produce(0, 0, 10);
  await produce(1, 0, 10);

  const consumer = client.groupConsumer({ groupId: 'iter-app', fromBeginning: true, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 100 });
  consumer.subscribe(['iter'], {
    // A job restoring its own checkpoint: partition 0 resumes at 5 whatever the group committed.
    onPartitionsAssigned: (tps) => {
      if (tps.some((tp) => tp.partition === 0)) consumer.seek('iter', 0, 5);
    },
  });
  const seen: string[] = [];
  let step = 0;
  for await (const r of consumer) {
    seen.push(r.value!.toString());
    const count = (p: number) => seen.filter((v) => v.startsWith(`${p}-`)).length;
    if (step === 0 && count(0) === 5 && count(1) === 10) {
      assert.deepEqual(seen.filter((v) => v.startsWith('0-')), ['0-5', '0-6', '0-7', '0-8', '0-9']);
      consumer.pause([{ topic: 'iter', partition: 1 }]);
      assert.deepEqual(consumer.paused(), [{ topic: 'iter', partition: 1 }]);
      step = 1;
      await produce(1, 10, 5);
      await produce(0, 10, 5);
    } else if (step === 1 && count(0) === 10) {
      // Partition 0 moved on while 1 stayed paused.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(count(1), 10);
      consumer.resume([{ topic: 'iter', partition: 1 }]);
      step = 2;
    } else if (step === 2 && count(1) === 15) {
      break;
    }
  }
  assert.deepEqual(seen.filter((v) => v.startsWith('1-')), Array.from({ length: 15 }, (_, i) => `1-${i}`));
  assert.deepEqual([0, 1].map((p) => consumer.position('iter', p)), [15, 15]);
  assert.throws(() => consumer.pause([{ topic: 'other', partition: 0 }]), /not assigned/);
  await consumer.commit();
  assert.deepEqual((await consumer.committed([{ topic: 'iter', partition: 0 }, { topic: 'iter', partition: 1 }])).map((c) => c.offset), [15, 15]);
  await consumer.close();
});

test('a member subscribed before its topic exists picks the topic up once it is created', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'late-topic-test' });
  t.after(() => client.close());
  const consumer = client.groupConsumer({ groupId: 'late-app', fromBeginning: true, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 100 });
  const assigned: number[][] = [];
  consumer.subscribe(['late'], { onPartitionsAssigned: (tps) => void assigned.push(tps.map((tp) => tp.partition)) });
  const seen: string[] = [];
  const running = consumer.run({ eachRecord: (r) => void seen.push(r.value!.toString()) });
  await waitUntil('the first (empty) assignment', () => assigned.length === 1, 20_000);
  assert.deepEqual(assigned[0], []);
  assert.deepEqual(await client.admin().listTopics(), [], 'subscribing does not create the topic');
  await client.admin().createTopics([{ name: 'late', partitions: 2 }]);
  await client.producer().send('late', [{ partition: 1, value: 'hello' }]);
  await waitUntil('the new topic to be assigned and read', () => seen.length === 1, 15_000, () => JSON.stringify(assigned));
  assert.deepEqual(assigned.at(-1), [0, 1]);
  await consumer.close();
  await running;
});
