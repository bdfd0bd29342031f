// kafkajs consumer group against the broker's group coordinator: three members on a 6-partition
// topic while 60,000 keyed records are produced; one member leaves mid-run. No member processes a
// partition outside its assignment, and with commits after processing nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, tempDir } from '../helpers/broker.js';

test('kafkajs: three consumers in a group share 6 partitions; a member leaves; every record is processed', async (t) => {
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  const b = await startBroker(t, { config });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'group-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 6 }] });

  const processed = new Map<string, number>();
  const violations: string[] = [];
  const consumers: Consumer[] = [];
  const assigned: Set<number>[] = [];
  for (let i = 0; i < 3; i++) {
    const c = kafka.consumer({ groupId: 'orders-app', sessionTimeout: 10_000, heartbeatInterval: 500 });
    const mine = new Set<number>();
    assigned.push(mine);
    // kafkajs' protocol is eager: a member stops and gives up everything before it rejoins, so a member
    // only ever processes partitions of its latest assignment, and members' assignments never overlap.
    c.on(c.events.GROUP_JOIN, (e) => {
      mine.clear();
      for (const p of e.payload.memberAssignment['orders'] ?? []) mine.add(p);
    });
    await c.connect();
    await c.subscribe({ topic: 'orders', fromBeginning: true });
    await c.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        if (!mine.has(partition)) violations.push(`member ${i} processed partition ${partition} outside its assignment [${[...mine]}]`);
        const key = `${partition}:${message.offset}`;
        processed.set(key, (processed.get(key) ?? 0) + 1);
      },
    });
    consumers.push(c);
  }
  // Disconnected in the test body, while the broker still runs: kafkajs clients left connected when the
  // broker goes away keep retrying and keep the process alive.
  const disconnectAll = async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
  };
  t.after(disconnectAll);

  const producer = kafka.producer();
  await producer.connect();
  const produced = new Set<string>();
  for (let batch = 0; batch < 60; batch++) {
    await producer.send({
      topic: 'orders',
      acks: -1,
      messages: Array.from({ length: 1000 }, (_, j) => ({ key: `customer-${(batch * 1000 + j) % 997}`, value: `order-${batch * 1000 + j}` })),
    });
    if (batch === 20) await consumers[0]!.disconnect(); // leaves the group mid-run (LeaveGroup)
  }
  await producer.disconnect();
  for (const o of await admin.fetchTopicOffsets('orders')) {
    for (let off = 0; off < Number(o.high); off++) produced.add(`${o.partition}:${off}`);
  }
  assert.equal(produced.size, 60_000);

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && [...produced].some((k) => !processed.has(k))) await new Promise((r) => setTimeout(r, 200));
  const missing = [...produced].filter((k) => !processed.has(k));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} records were never processed`);
  assert.deepEqual(violations.slice(0, 10), []);
  // The two remaining members split the six partitions between them, without overlap.
  const live = [assigned[1]!, assigned[2]!];
  assert.deepEqual([...live[0]!, ...live[1]!].sort(), [0, 1, 2, 3, 4, 5]);

  // The remaining members committed everything they processed: the committed offsets reach the end.
  const committedDeadline = Date.now() + 20_000;
  let committed: { partition: number; offset: string }[] = [];
  for (;;) {
    committed = (await admin.fetchOffsets({ groupId: 'orders-app', topics: ['orders'] }))[0]!.partitions;
    const highs = new Map((await admin.fetchTopicOffsets('orders')).map((o) => [o.partition, o.high]));
    if (committed.every((p) => p.offset === highs.get(p.partition)) || Date.now() > committedDeadline) {
      assert.deepEqual(committed.map((p) => [p.partition, p.offset]).sort(), [...highs.entries()].sort());
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const described = await admin.describeGroups(['orders-app']);
  assert.equal(described.groups[0]!.state, 'Stable');
  assert.equal(described.groups[0]!.members.length, 2);
  await disconnectAll();
  await admin.disconnect();
});
