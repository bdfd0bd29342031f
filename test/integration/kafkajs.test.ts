// kafkajs 2.2.4 against a real broker process: the admin API, and the producer with every
// compression codec and both acks=-1 and acks=1, read back by kcat. librdkafka decompresses
// independently of both kafkajs and Kappa, so a codec mistake on either side shows up here.
//
// kafkajs' consumer always joins a consumer group (there is no assign-only mode), and the group
// coordinator APIs arrive in a later issue: the consumer is deliberately not tested here yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Kafka as KafkaClient, Producer, RecordMetadata } from 'kafkajs';
import { requireTool, run, startBroker, type Broker, type CleanupContext } from '../helpers/broker.js';
import { CompressionCodec, compress, decompress } from '../../src/protocol/compression.js';

const { Kafka, CompressionTypes, CompressionCodecs, ConfigResourceTypes, logLevel } = kafkajs;

// kafkajs ships gzip only and looks other codecs up in this mutable registry. The adapters use
// Kappa's own codecs; kcat (librdkafka's codecs) then checks what they produced.
interface KafkajsEncoder {
  buffer: Buffer;
}
function registerCodec(type: number, codec: number): void {
  (CompressionCodecs as Record<number, () => unknown>)[type] = () => ({
    compress: async (encoder: KafkajsEncoder) => compress(codec, encoder.buffer),
    decompress: async (buffer: Buffer) => decompress(codec, buffer),
  });
}
registerCodec(CompressionTypes.Snappy, CompressionCodec.snappy);
registerCodec(CompressionTypes.LZ4, CompressionCodec.lz4);
registerCodec(CompressionTypes.ZSTD, CompressionCodec.zstd);

function client(b: Broker): KafkaClient {
  return new Kafka({
    clientId: 'kappa-kafkajs-test',
    brokers: [b.bootstrap],
    logLevel: logLevel.ERROR,
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    // Few retries: a broker bug should fail the test quickly with kafkajs' own error.
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

async function connectedAdmin(t: CleanupContext, b: Broker): Promise<Admin> {
  const admin = client(b).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  return admin;
}

async function connectedProducer(t: CleanupContext, b: Broker): Promise<Producer> {
  // allowAutoTopicCreation false: the tests create their topics, so an unknown topic is a bug.
  const producer = client(b).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  return producer;
}

/** Rejects with a message that includes kafkajs' error type and the broker's output. */
async function withBrokerOutput<T>(b: Broker, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error & { type?: string; errors?: unknown[] };
    throw new Error(`${what} failed: ${e.name} ${e.type ?? ''} ${e.message}\n--- broker output ---\n${b.output()}`, { cause: err });
  }
}

/** `kcat -C` of the whole topic, one `partition|key|value|offset` line per message. */
async function kcatAll(b: Broker, topic: string): Promise<string[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', b.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-m', '20', '-X', 'socket.timeout.ms=20000', '-f', '%p|%k|%s|%o\n'],
    { broker: b, timeoutMs: 40_000 },
  );
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'kcat output ends with a newline');
  return lines;
}

/** The compression codec of every batch stored in a partition's segment files, read off the disk. */
function storedCodecs(b: Broker, topic: string, partition: number): number[] {
  const dir = join(b.dataDir, `${topic}-${partition}`);
  const codecs: number[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const log = readFileSync(join(dir, name));
    // baseOffset i64, batchLength i32, partitionLeaderEpoch i32, magic i8, crc u32, attributes i16.
    for (let pos = 0; pos + 23 <= log.length; pos += 12 + log.readInt32BE(pos + 8)) {
      if (log.readInt32BE(pos + 8) === 0) break; // preallocated tail
      codecs.push(log.readInt16BE(pos + 21) & 0x07);
    }
  }
  return codecs;
}

test('kafkajs admin: create, list, describe, grow and delete topics; offsets by time; cluster', async (t) => {
  const b = await startBroker(t);
  const admin = await connectedAdmin(t, b);

  const created = await withBrokerOutput(b, 'createTopics', () =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: 'admin-a',
          numPartitions: 3,
          configEntries: [
            { name: 'retention.ms', value: '3600000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
        { topic: 'admin-b', numPartitions: 1 },
      ],
    }),
  );
  assert.equal(created, true);
  // kafkajs resolves false (not an error) when every topic already exists.
  assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 3 }] }), false);

  const listed = await admin.listTopics();
  assert.ok(listed.includes('admin-a') && listed.includes('admin-b'), `listTopics: ${listed.join(', ')}`);

  const cluster = await withBrokerOutput(b, 'describeCluster', () => admin.describeCluster());
  assert.equal(cluster.brokers.length, 1);
  const nodeId = cluster.brokers[0]!.nodeId;
  assert.deepEqual(cluster.brokers, [{ nodeId, host: '127.0.0.1', port: b.port }]);
  assert.equal(cluster.controller, nodeId);
  assert.ok(cluster.clusterId.length > 0, 'a cluster id');

  const md = await withBrokerOutput(b, 'fetchTopicMetadata', () => admin.fetchTopicMetadata({ topics: ['admin-a'] }));
  assert.equal(md.topics.length, 1);
  assert.equal(md.topics[0]!.name, 'admin-a');
  assert.deepEqual(
    md.topics[0]!.partitions
      .map((p) => ({ partitionId: p.partitionId, partitionErrorCode: p.partitionErrorCode, leader: p.leader, replicas: p.replicas, isr: p.isr }))
      .sort((x, y) => x.partitionId - y.partitionId),
    [0, 1, 2].map((partitionId) => ({ partitionId, partitionErrorCode: 0, leader: nodeId, replicas: [nodeId], isr: [nodeId] })),
  );

  // Offsets: an empty topic, then records with explicit CreateTime timestamps.
  const empty = await admin.fetchTopicOffsets('admin-a');
  assert.deepEqual(
    empty.map((o) => [o.partition, o.low, o.high, o.offset]).sort((x, y) => Number(x[0]) - Number(y[0])),
    [0, 1, 2].map((p) => [p, '0', '0', '0']),
  );
  const producer = await connectedProducer(t, b);
  const base = Date.UTC(2024, 0, 1);
  await withBrokerOutput(b, 'send', () =>
    producer.send({
      topic: 'admin-a',
      acks: -1,
      messages: [
        ...[0, 1, 2, 3].map((i) => ({ partition: 0, key: `k${i}`, value: `v${i}`, timestamp: String(base + i * 1000) })),
        ...[0, 1].map((i) => ({ partition: 1, key: `k${i}`, value: `v${i}`, timestamp: String(base + 10_000 + i * 1000) })),
      ],
    }),
  );
  const offsets = await admin.fetchTopicOffsets('admin-a');
  assert.deepEqual(
    offsets.map((o) => [o.partition, o.low, o.high, o.offset]).sort((x, y) => Number(x[0]) - Number(y[0])),
    [
      [0, '0', '4', '4'],
      [1, '0', '2', '2'],
      [2, '0', '0', '0'],
    ],
  );
  const byTime = async (ts: number) =>
    (await admin.fetchTopicOffsetsByTimestamp('admin-a', ts)).map((o) => [o.partition, o.offset]).sort((x, y) => Number(x[0]) - Number(y[0]));
  // The first offset whose timestamp is >= ts; kafkajs substitutes the high watermark where the
  // broker answers -1 (no such record).
  assert.deepEqual(await byTime(base), [[0, '0'], [1, '0'], [2, '0']]);
  assert.deepEqual(await byTime(base + 1500), [[0, '2'], [1, '0'], [2, '0']]);
  assert.deepEqual(await byTime(base + 3000), [[0, '3'], [1, '0'], [2, '0']]);
  assert.deepEqual(await byTime(base + 10_500), [[0, '4'], [1, '1'], [2, '0']]);
  assert.deepEqual(await byTime(base + 60_000), [[0, '4'], [1, '2'], [2, '0']]);

  // DescribeConfigs, topic resource: the overrides as TOPIC_CONFIG, everything else as defaults.
  const topicConfigs = await withBrokerOutput(b, 'describeConfigs(topic)', () =>
    admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin-a' }] }),
  );
  assert.equal(topicConfigs.resources.length, 1);
  const topicResource = topicConfigs.resources[0]!;
  assert.equal(topicResource.errorCode, 0, topicResource.errorMessage ?? '');
  assert.equal(topicResource.resourceName, 'admin-a');
  assert.equal(topicResource.resourceType, ConfigResourceTypes.TOPIC);
  const entry = (name: string) => {
    const e = topicResource.configEntries.find((c) => c.configName === name);
    assert.ok(e, `config ${name} in ${topicResource.configEntries.map((c) => c.configName).join(', ')}`);
    return e;
  };
  for (const [name, value] of [['retention.ms', '3600000'], ['cleanup.policy', 'delete'], ['max.message.bytes', '2000000']] as const) {
    const e = entry(name);
    assert.equal(e.configValue, value, name);
    assert.equal(e.isDefault, false, `${name} was set at creation`);
    assert.equal(e.configSource, 1 /* TOPIC_CONFIG */, name);
  }
  for (const [name, value] of [['segment.bytes', '1073741824'], ['compression.type', 'producer'], ['min.insync.replicas', '1']] as const) {
    const e = entry(name);
    assert.equal(e.configValue, value, name);
    assert.equal(e.isDefault, true, `${name} is a default`);
  }
  // Only the named configs when configNames is given.
  const named = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin-a', configNames: ['retention.ms', 'segment.bytes'] }],
  });
  assert.deepEqual(
    named.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]).sort(),
    [
      ['retention.ms', '3600000'],
      ['segment.bytes', '1073741824'],
    ],
  );
  // DescribeConfigs, broker resource (named by node id, as Kafka does).
  const brokerConfigs = await withBrokerOutput(b, 'describeConfigs(broker)', () =>
    admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(nodeId) }] }),
  );
  const brokerResource = brokerConfigs.resources[0]!;
  assert.equal(brokerResource.errorCode, 0, brokerResource.errorMessage ?? '');
  assert.equal(brokerResource.resourceType, ConfigResourceTypes.BROKER);
  assert.equal(brokerResource.resourceName, String(nodeId));
  const brokerEntry = (name: string) => brokerResource.configEntries.find((c) => c.configName === name);
  assert.equal(brokerEntry('broker.id')?.configValue, String(nodeId));
  assert.equal(brokerEntry('message.max.bytes')?.configValue, '1048588');
  assert.equal(brokerEntry('log.cleanup.policy')?.configValue, 'delete');

  // CreatePartitions: grow, and shrinking is refused.
  // (kafkajs 2.2.4 resolves undefined here despite its typings' boolean.)
  await withBrokerOutput(b, 'createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic: 'admin-b', count: 4 }] }));
  const grown = await admin.fetchTopicMetadata({ topics: ['admin-b'] });
  assert.deepEqual(grown.topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3]);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'admin-b', count: 2 }] }), (err: Error & { errors?: { type?: string }[]; type?: string }) => {
    const types = [err.type, ...(err.errors ?? []).map((e) => e.type)];
    assert.ok(types.includes('INVALID_PARTITIONS'), `error types: ${types.join(', ')} (${err.message})`);
    return true;
  });
  // The new partitions take writes.
  const meta = await producer.send({ topic: 'admin-b', acks: -1, messages: [{ partition: 3, value: 'on-3' }] });
  assert.deepEqual(
    meta.map((m) => [m.topicName, m.partition, m.errorCode, m.baseOffset]),
    [['admin-b', 3, 0, '0']],
  );

  await withBrokerOutput(b, 'deleteTopics', () => admin.deleteTopics({ topics: ['admin-b'] }));
  const after = await admin.listTopics();
  assert.ok(!after.includes('admin-b'), `admin-b still listed: ${after.join(', ')}`);
  assert.ok(after.includes('admin-a'));
  await assert.rejects(admin.fetchTopicMetadata({ topics: ['admin-b'] }), /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i);
});

const CODECS = [
  { name: 'none', type: CompressionTypes.None, codec: CompressionCodec.none },
  { name: 'gzip', type: CompressionTypes.GZIP, codec: CompressionCodec.gzip },
  { name: 'snappy', type: CompressionTypes.Snappy, codec: CompressionCodec.snappy },
  { name: 'lz4', type: CompressionTypes.LZ4, codec: CompressionCodec.lz4 },
  { name: 'zstd', type: CompressionTypes.ZSTD, codec: CompressionCodec.zstd },
] as const;

test('kafkajs producer: every codec with acks=-1 and acks=1, read back by kcat', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const admin = await connectedAdmin(t, b);
  const producer = await connectedProducer(t, b);
  const partitions = 2;
  const cases = CODECS.flatMap((c) => [-1, 1].map((acks) => ({ ...c, acks, topic: `kafkajs-${c.name}-acks${acks === -1 ? 'all' : acks}` })));
  await admin.createTopics({ waitForLeaders: true, topics: cases.map((c) => ({ topic: c.topic, numPartitions: partitions })) });

  for (const c of cases) {
    await t.test(`${c.name}, acks=${c.acks}`, async () => {
      // Several sends, so each partition holds several batches; values repeat enough to compress,
      // and each carries its own number so order and offsets are checkable.
      const expected: string[][] = Array.from({ length: partitions }, () => []);
      const sends = 4;
      const perSend = 150;
      for (let s = 0; s < sends; s++) {
        const before = expected.map((e) => e.length);
        const messages = Array.from({ length: perSend }, (_, j) => {
          const i = s * perSend + j;
          const partition = i % partitions;
          const key = `key-${i}`;
          const value = `${c.name}-${i}-${'abc'.repeat(i % 40)}`;
          expected[partition]!.push(`${partition}|${key}|${value}|${expected[partition]!.length}`);
          return { partition, key, value };
        });
        const meta: RecordMetadata[] = await withBrokerOutput(b, `send ${c.topic}`, () =>
          producer.send({ topic: c.topic, acks: c.acks, compression: c.type, messages }),
        );
        assert.deepEqual(
          meta.map((m) => [m.topicName, m.partition, m.errorCode, m.baseOffset]).sort((x, y) => Number(x[1]) - Number(y[1])),
          Array.from({ length: partitions }, (_, p) => [c.topic, p, 0, String(before[p])]),
          `send ${s}: base offsets`,
        );
      }

      const got = await kcatAll(b, c.topic);
      const want = expected.flat();
      assert.equal(got.length, want.length, `kcat read ${got.length} of ${want.length} messages`);
      for (let p = 0; p < partitions; p++) {
        // kcat interleaves partitions; within one, order and offsets must match exactly.
        const mine = got.filter((l) => l.startsWith(`${p}|`));
        for (let i = 0; i < expected[p]!.length; i++) {
          if (mine[i] !== expected[p]![i]) assert.fail(`partition ${p} message ${i}: expected "${expected[p]![i]}", got "${mine[i]}"`);
        }
        // The codec really was applied (and the broker kept the producer's batches as they came).
        assert.deepEqual(storedCodecs(b, c.topic, p), Array(sends).fill(c.codec), `partition ${p}: stored batch codecs`);
      }
    });
  }
});
