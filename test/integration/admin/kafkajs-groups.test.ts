// kafkajs' admin client against consumer groups a kafkajs consumer made: listGroups, describeGroups
// (with the consumer protocol's assignment bytes), fetchOffsets, setOffsets / resetOffsets (which
// kafkajs does by joining the group, seeking and committing), deleteGroups — and our CLI agrees on
// what it sees. Several steps last one kafkajs fetch wait (5 s): its consumer stops only after a fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { kappaBin, run, startBroker, tempDir } from '../../helpers/broker.js';

const { Kafka, logLevel, AssignerProtocol } = kafkajs;

test('kafkajs admin: list, describe, fetch/set/reset offsets and delete consumer groups', async (t) => {
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  const b = await startBroker(t, { config });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-groups', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'ga', numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'ga', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
  await producer.disconnect();

  // A consumer of group g1 reads all 20 records; its commits happen as it goes.
  const consumer = kafka.consumer({ groupId: 'g1', heartbeatInterval: 500 });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topic: 'ga', fromBeginning: true });
  let seen = 0;
  const all = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async () => {
        if (++seen === 20) resolve();
      },
    });
  });
  await all;

  const listed = await admin.listGroups();
  assert.deepEqual(listed.groups.map((g) => [g.groupId, g.protocolType]), [['g1', 'consumer']]);
  const { groups } = await admin.describeGroups(['g1']);
  assert.equal(groups[0]!.state, 'Stable');
  assert.equal(groups[0]!.protocolType, 'consumer');
  assert.equal(groups[0]!.members.length, 1);
  const assignment = AssignerProtocol.MemberAssignment.decode(groups[0]!.members[0]!.memberAssignment);
  assert.deepEqual(assignment?.assignment, { ga: [0, 1] });

  // Our CLI decodes the same member: its client id, host and partitions, and which member owns each offset row.
  const live = JSON.parse((await run(process.execPath, [kappaBin, 'groups', 'describe', 'g1', '--json', '--bootstrap-server', b.bootstrap], { broker: b })).stdout);
  assert.equal(live.group.state, 'Stable');
  assert.deepEqual(live.group.members.map((m: { memberId: string; clientId: string; clientHost: string; subscription: string[]; assignment: object }) =>
    [m.memberId, m.clientId, m.clientHost.replace(/^\/?/, ''), m.subscription, m.assignment]), [[groups[0]!.members[0]!.memberId, 'kafkajs-groups', '127.0.0.1', ['ga'], { ga: [0, 1] }]]);
  assert.deepEqual(live.offsets.map((o: { partition: number; memberId: string }) => [o.partition, o.memberId]), [[0, groups[0]!.members[0]!.memberId], [1, groups[0]!.members[0]!.memberId]]);
  const liveTable = (await run(process.execPath, [kappaBin, 'groups', 'describe', 'g1', '--bootstrap-server', b.bootstrap], { broker: b })).stdout;
  assert.match(liveTable, /MEMBER\s+CLIENT\s+HOST\s+PARTITIONS/);
  assert.match(liveTable, /kafkajs-groups\s+\S+\s+ga:0,1/);

  // Offsets cannot be set, nor the group deleted, while it has a member.
  const busy = await run(process.execPath, [kappaBin, 'groups', 'reset-offsets', 'g1', '--topic', 'ga', '--to-earliest', '--bootstrap-server', b.bootstrap], { broker: b, okCodes: [1] });
  assert.match(busy.stderr, /Assignments can only be reset if the group 'g1' is inactive, but the current state is Stable\./);
  await assert.rejects(admin.setOffsets({ groupId: 'g1', topic: 'ga', partitions: [{ partition: 0, offset: '0' }] }), /must have no running instances/);
  await assert.rejects(admin.deleteGroups(['g1']), (err: Error & { groups?: { error?: { type?: string } }[] }) => {
    assert.equal(err.groups?.[0]?.error?.type, 'NON_EMPTY_GROUP');
    return true;
  });

  await consumer.stop();
  await consumer.disconnect();
  const fetched = async () => (await admin.fetchOffsets({ groupId: 'g1', topics: ['ga'] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
  assert.deepEqual(await fetched(), [[0, '10'], [1, '10']]);
  assert.equal((await admin.describeGroups(['g1'])).groups[0]!.state, 'Empty');

  await admin.setOffsets({ groupId: 'g1', topic: 'ga', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '7' }] });
  assert.deepEqual(await fetched(), [[0, '3'], [1, '7']]);

  // Our CLI sees the same committed offsets and the lag they leave.
  const described = JSON.parse((await run(process.execPath, [kappaBin, 'groups', 'describe', 'g1', '--json', '--bootstrap-server', b.bootstrap], { broker: b })).stdout);
  assert.deepEqual(described.offsets.map((o: { partition: number; committedOffset: number; lag: number }) => [o.partition, o.committedOffset, o.lag]), [[0, 3, 7], [1, 7, 3]]);

  // After DeleteRecords the earliest offset is the new log start.
  await admin.fetchTopicMetadata({ topics: ['ga'] });
  await admin.deleteTopicRecords({ topic: 'ga', partitions: [{ partition: 0, offset: '4' }] });
  // kafkajs commits the sentinel itself (-2 earliest, -1 latest), which Kafka stores as given;
  // resolveOffsets makes kafkajs turn it into a real offset (by joining and committing once more).
  await admin.resetOffsets({ groupId: 'g1', topic: 'ga', earliest: true });
  assert.deepEqual(await fetched(), [[0, '-2'], [1, '-2']]);
  const resolved = async () => (await admin.fetchOffsets({ groupId: 'g1', topics: ['ga'], resolveOffsets: true }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
  assert.deepEqual(await resolved(), [[0, '4'], [1, '0']]);
  await admin.resetOffsets({ groupId: 'g1', topic: 'ga', earliest: false });
  assert.deepEqual(await resolved(), [[0, '10'], [1, '10']]);

  await admin.deleteGroups(['g1']);
  assert.deepEqual((await admin.listGroups()).groups, []);
  await assert.rejects(admin.deleteGroups(['g1']), (err: Error & { groups?: { error?: { type?: string } }[] }) => {
    assert.equal(err.groups?.[0]?.error?.type, 'GROUP_ID_NOT_FOUND');
    return true;
  });
});
