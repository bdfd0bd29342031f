// Committed offsets and group metadata are durable once acknowledged: the broker is killed (-9) right
// after a member's last commit was acknowledged; after restart OffsetFetch returns exactly those
// offsets, DescribeGroups shows the group as it was (protocol type and name, its member and that
// member's assignment) until the dead member's session expires, and a new member resumes from the
// commits. A group whose offsets were set without members (admin) survives the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import { python3, run, startBroker, toolAvailable } from '../../helpers/broker.js';
import { brokerConfig, diagnostics, spawnKafkajsMember, waitUntil, type MemberProcess } from './members.js';

const TOPIC = 'payments';

const SIMPLE_COMMIT = `
import sys
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic = sys.argv[1:3]
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'simple', 'enable.auto.commit': False})
parts = [TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 0), TopicPartition(topic, 2, 250)]
c.assign(parts)
for tp in c.commit(offsets=parts, asynchronous=False):
    assert tp.error is None, tp.error
c.close()
`;

test('kill -9 right after acknowledged commits: offsets, group metadata and assignments survive; a new member resumes', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kill9-test', logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  let admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  const produce = async (perPartition: number, tag: string) => {
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
    await producer.disconnect();
  };
  const offsetsOf = async (groupId: string) =>
    (await admin.fetchOffsets({ groupId, topics: [TOPIC] }))[0]!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((x, y) => x[0]! - y[0]!);

  const members: MemberProcess[] = [];
  const why = () => diagnostics(b, members);
  /** The last acknowledged commit of each partition, as the member reported it. */
  const acked = (m: MemberProcess) => {
    const last = new Map<number, number>();
    for (const e of m.of('commit')) last.set(e.partition as number, e.offset as number);
    return [...last.entries()].sort((x, y) => x[0] - y[0]);
  };

  // A group whose offsets an admin set while it had no members (kafkajs joins it briefly to do so).
  await admin.setOffsets({ groupId: 'manual', topic: TOPIC, partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '123' }, { partition: 2, offset: '0' }] });

  // A group that never had members: librdkafka's assign()-mode consumer commits outside any
  // generation (OffsetCommit generation -1), as standalone consumers do.
  const simple = toolAvailable('python:confluent_kafka');
  if (simple) await run(python3, ['-c', SIMPLE_COMMIT, b.bootstrap, TOPIC], { broker: b });

  // A live member consumes and commits after each batch; the broker dies the moment the member's
  // commits of the second round of records are acknowledged, with the member still in the group.
  await produce(200, 'a');
  const live = spawnKafkajsMember(t, 'live1', [b.bootstrap, TOPIC, 'live', 'live1', '10000', '500']);
  members.push(live);
  const all = (offset: number) => JSON.stringify([[0, offset], [1, offset], [2, offset]]);
  await waitUntil('live1 to commit the first 200 records of each partition', () => JSON.stringify(acked(live)) === all(200), 30_000, why);
  await produce(50, 'b');
  await waitUntil('live1 to commit the next 50', () => JSON.stringify(acked(live)) === all(250), 30_000, why);
  await b.kill9();
  await live.kill9();
  const beforeCrash = acked(live);
  await admin.disconnect().catch(() => undefined);

  await b.restart();
  admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());

  assert.deepEqual(await offsetsOf('live'), beforeCrash, why());
  assert.deepEqual(await offsetsOf('manual'), [[0, 7], [1, 123], [2, 0]]);

  // The group as it was: the dead member is still listed (with its assignment) until its session expires.
  const restored = (await admin.describeGroups(['live'])).groups[0]!;
  assert.equal(restored.protocolType, 'consumer');
  assert.equal(restored.state, 'Stable', JSON.stringify(restored));
  assert.equal(restored.protocol, 'RoundRobinAssigner');
  assert.deepEqual(restored.members.map((m) => m.clientId), ['member-live1']);
  const assignment = AssignerProtocol.MemberAssignment.decode(restored.members[0]!.memberAssignment);
  assert.deepEqual(assignment?.assignment, { [TOPIC]: [0, 1, 2] });
  const manual = (await admin.describeGroups(['manual'])).groups[0]!;
  assert.equal(manual.state, 'Empty');
  assert.equal(manual.protocolType, 'consumer');
  if (simple) {
    assert.deepEqual(await offsetsOf('simple'), [[0, 3], [1, 0], [2, 250]]);
    const described = (await admin.describeGroups(['simple'])).groups[0]!;
    assert.equal(described.state, 'Empty');
    assert.equal(described.protocolType, '');
  } else {
    t.diagnostic('python3 confluent_kafka is missing: the memberless group is not checked');
  }
  assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === 'live' && g.protocolType === 'consumer'));

  // The dead member's session expires; the group empties and keeps its offsets.
  await waitUntil('the restored member to expire', async () => (await admin.describeGroups(['live'])).groups[0]!.state === 'Empty', 30_000, why);
  assert.deepEqual(await offsetsOf('live'), beforeCrash);

  // A new member resumes at the committed offsets: it processes only what was produced after them.
  await produce(10, 'c');
  const next = spawnKafkajsMember(t, 'live2', [b.bootstrap, TOPIC, 'live', 'live2', '10000', '500']);
  members.push(next);
  await waitUntil('live2 to commit the 10 new records of each partition', () => JSON.stringify(acked(next)) === all(260), 30_000, why);
  const batches = next.of('batch');
  for (let p = 0; p < 3; p++) assert.equal(batches.find((e) => e.partition === p)?.first, 250, `live2's first offset of partition ${p}\n${why()}`);
  assert.ok(batches.every((e) => (e.values as string[]).every((v) => v.startsWith('c-'))), why());
  next.child.kill('SIGTERM');
  assert.deepEqual(await next.exited, { code: 0, signal: null }, why());
});
