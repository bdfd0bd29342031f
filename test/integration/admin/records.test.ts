// DeleteRecords, OffsetForLeaderEpoch and DescribeLogDirs: kafkajs' admin deletes records and kcat
// then starts at the new log start; the epoch and log-dir answers are checked at exact versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, run, requireTool } from '../../helpers/broker.js';
import { Connection } from '../../../src/client/connection.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const OFFSET_FOR_LEADER_EPOCH = 23;
const DESCRIBE_LOG_DIRS = 35;
const LIST_OFFSETS = 2;

test('DeleteRecords moves the log start (kafkajs), kcat reads from it, and it survives a restart', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'admin-records', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'dr', numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'dr', acks: -1, messages: [{ value: `v${i}`, partition: 0 }, { value: `w${i}`, partition: 1 }] });
  await producer.disconnect();

  // kafkajs looks leaders up in its metadata cache without refreshing it; load the topic first.
  await admin.fetchTopicMetadata({ topics: ['dr'] });
  await admin.deleteTopicRecords({ topic: 'dr', partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '-1' }] });
  const low = async () => (await admin.fetchTopicOffsets('dr')).map((o) => [o.partition, o.low, o.high]).sort();
  assert.deepEqual(await low(), [[0, '7', '10'], [1, '10', '10']]);

  const read = await run('kcat', ['-b', b.bootstrap, '-C', '-t', 'dr', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o:%s\n']);
  assert.deepEqual(read.stdout.trim().split('\n'), ['7:v7', '8:v8', '9:v9']);

  // Beyond the high watermark is OFFSET_OUT_OF_RANGE.
  await assert.rejects(admin.deleteTopicRecords({ topic: 'dr', partitions: [{ partition: 0, offset: '11' }] }));

  await b.restart();
  const after = kafka.admin();
  await after.connect();
  await after.fetchTopicMetadata({ topics: ['dr'] });
  t.after(() => after.disconnect());
  assert.deepEqual((await after.fetchTopicOffsets('dr')).map((o) => [o.partition, o.low, o.high]).sort(), [[0, '7', '10'], [1, '10', '10']]);
});

test('OffsetForLeaderEpoch answers epoch 0 up to the log end; DescribeLogDirs lists partition sizes', async (t) => {
  const b = await startBroker(t);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'epochs', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'ep', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'ep', acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
  await producer.disconnect();

  const c = await Connection.connect({ host: '127.0.0.1', port: b.port });
  t.after(() => c.destroy());
  const epochs = await c.send(
    OFFSET_FOR_LEADER_EPOCH,
    {
      replicaId: -1,
      topics: [
        { topic: 'ep', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }, { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 5 }, { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 }] },
        { topic: 'missing', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      ],
    },
    { version: 4 },
  );
  assert.deepEqual(
    epochs.topics.map((x: { partitions: { errorCode: number; leaderEpoch: number; endOffset: number }[] }) => x.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset])),
    [
      [
        [0, 0, 3],
        [0, -1, -1],
        [75 /* UNKNOWN_LEADER_EPOCH */, -1, -1],
      ],
      [[3 /* UNKNOWN_TOPIC_OR_PARTITION */, -1, -1]],
    ],
  );

  // Stored batches carry the leader epoch the broker stamped on append (0), as Kafka's leader does.
  const listed = await c.send(LIST_OFFSETS, { replicaId: -1, topics: [{ name: 'ep', partitions: [{ partitionIndex: 0, timestamp: -1, currentLeaderEpoch: -1 }] }] }, { version: 4 });
  assert.equal(listed.topics[0].partitions[0].leaderEpoch, 0);

  const dirs = await c.send(DESCRIBE_LOG_DIRS, { topics: null }, { version: 4 });
  assert.equal(dirs.results.length, 1);
  const dir = dirs.results[0];
  assert.equal(dir.errorCode, 0);
  assert.equal(dir.logDir, b.dataDir);
  assert.ok(dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes);
  const ep = dir.topics.find((x: { name: string }) => x.name === 'ep');
  assert.ok(ep.partitions[0].partitionSize > 0, 'the partition holds the three records');
  const only = await c.send(DESCRIBE_LOG_DIRS, { topics: [{ topic: 'ep', partitions: [0] }] }, { version: 1 });
  assert.deepEqual(only.results[0].topics.map((x: { name: string }) => x.name), ['ep']);

  // Our client's describeLogDirs: a partition's size is the bytes of its segment files on disk.
  const ours = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'log-dirs' });
  t.after(() => ours.close());
  const [described] = await ours.admin().describeLogDirs([{ topic: 'ep', partitions: [0] }]);
  const onDisk = readdirSync(join(b.dataDir, 'ep-0')).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(b.dataDir, 'ep-0', f)).size, 0);
  assert.deepEqual(described, {
    brokerId: 0, logDir: b.dataDir, totalBytes: dir.totalBytes, usableBytes: described!.usableBytes,
    partitions: [{ topic: 'ep', partition: 0, size: onDisk, offsetLag: 0 }],
  });
  assert.ok(onDisk > 0);
});
