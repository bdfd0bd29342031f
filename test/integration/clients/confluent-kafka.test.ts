// confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka) against a real broker
// process: the admin API, a producer with delivery reports, and an assign()-only consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool, runPython, startBroker, type Broker } from '../../helpers/broker.js';

const script = 'confluent-kafka-client.py';
const py = <T>(b: Broker, args: string[]) => runPython<T>(script, ['--bootstrap', b.bootstrap, ...args], { broker: b });

interface AdminOut {
  create_error: string | null;
  create_again_error: string | null;
  brokers: [id: number, host: string, port: number][];
  topics: string[];
  partitions: number[] | null;
  configs: Record<string, { value: string | null; is_default: boolean; is_read_only: boolean }>;
  create_partitions_error: string | null;
  partitions_after_grow: number[];
  shrink_error: string | null;
  delete_error: string | null;
  topics_after_delete: string[];
}

test('confluent-kafka admin: create (with configs), list, describe_configs, create_partitions, delete', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t);
  const out = await py<AdminOut>(b, [
    'admin', '--topic', 'ck-admin', '--partitions', '2', '--grow-to', '4',
    '--config', 'retention.ms', '3600000', '--config', 'cleanup.policy', 'delete',
  ]);

  assert.equal(out.create_error, null);
  assert.equal(out.create_again_error, 'TOPIC_ALREADY_EXISTS');
  assert.equal(out.brokers.length, 1);
  assert.deepEqual(out.brokers[0]!.slice(1), ['127.0.0.1', b.port]);
  assert.ok(out.topics.includes('ck-admin'), `topics: ${out.topics}`);
  assert.deepEqual(out.partitions, [0, 1]);

  const retention = out.configs['retention.ms'];
  assert.ok(retention, `retention.ms in DescribeConfigs: ${Object.keys(out.configs).join(', ')}`);
  assert.equal(retention.value, '3600000');
  assert.equal(retention.is_default, false, 'a config set at creation is not reported as a default');
  // DescribeConfigs lists every topic config with its effective value, not only those overridden.
  const maxMessageBytes = out.configs['max.message.bytes'];
  assert.ok(maxMessageBytes, 'max.message.bytes (never set) is listed too');
  assert.match(maxMessageBytes.value ?? '', /^\d+$/);
  assert.equal(maxMessageBytes.is_default, true);

  assert.equal(out.create_partitions_error, null);
  assert.deepEqual(out.partitions_after_grow, [0, 1, 2, 3]);
  assert.equal(out.shrink_error, 'INVALID_PARTITIONS');
  assert.equal(out.delete_error, null);
  assert.ok(!out.topics_after_delete.includes('ck-admin'), `topics after delete: ${out.topics_after_delete}`);
});

interface Produced {
  delivered: number;
  errors: string[];
  undelivered: number;
  records: [partition: number, offset: number, key: string][];
}

interface Consumed {
  partitions: number[];
  records: [partition: number, offset: number, key: string | null, value: string | null, timestamp: number][];
  errors: string[];
  watermarks: Record<string, [low: number, high: number]>;
  offsets_for_times: Record<string, Record<string, number>>;
}

async function produceAndConsume(b: Broker, topic: string, n: number, compression: string) {
  const created = await py<{ create_error: string | null }>(b, ['create', '--topic', topic, '--partitions', '3']);
  assert.equal(created.create_error, null);

  const base = Date.now() - 60_000;
  const produced = await py<Produced>(b, [
    'produce', '--topic', topic, '--count', String(n), '--timestamp-base', String(base), '--compression', compression,
  ]);
  assert.deepEqual(produced.errors, []);
  assert.equal(produced.undelivered, 0);
  assert.equal(produced.delivered, n, 'the delivery callback reported every message as delivered');

  const probe = [base + Math.floor(n / 2), base + n + 1_000];
  const consumed = await py<Consumed>(b, ['consume', '--topic', topic, '--expect', String(n), '--times', ...probe.map(String)]);
  assert.deepEqual(consumed.errors, []);
  assert.deepEqual(consumed.partitions, [0, 1, 2]);
  assert.equal(consumed.records.length, n, 'every delivered message is read back exactly once');

  const byPosition = new Map(consumed.records.map((r) => [`${r[0]}/${r[1]}`, r]));
  const perPartition = [0, 0, 0];
  for (const [partition, offset, key] of produced.records) {
    const i = Number(key.slice('key-'.length));
    const r = byPosition.get(`${partition}/${offset}`);
    assert.ok(r, `${key} delivered at ${partition}/${offset} was not read back`);
    assert.deepEqual(r.slice(2), [key, `value-${i}`, base + i], `${key} at ${partition}/${offset}`);
    perPartition[partition]!++;
  }
  for (const p of [0, 1, 2]) {
    const offsets = consumed.records.filter((r) => r[0] === p).map((r) => r[1]);
    assert.deepEqual(offsets, Array.from({ length: perPartition[p]! }, (_, k) => k), `partition ${p} reads back in offset order`);
    assert.deepEqual(consumed.watermarks[p], [0, perPartition[p]], `partition ${p} watermarks`);
  }
  assert.ok(perPartition.filter((c) => c > 0).length > 1, `keys spread over partitions: ${perPartition}`);

  for (const p of [0, 1, 2]) {
    const expected = produced.records
      .map(([partition, offset, key]) => ({ partition, offset, ts: base + Number(key.slice(4)) }))
      .filter((r) => r.partition === p && r.ts >= probe[0]!)
      .sort((x, y) => x.offset - y.offset)[0];
    // librdkafka reports "no such message" as the logical end offset, -1.
    assert.equal(consumed.offsets_for_times[String(probe[0])]![p], expected ? expected.offset : -1, `partition ${p}`);
    assert.equal(consumed.offsets_for_times[String(probe[1])]![p], -1, `partition ${p}: nothing after the last message`);
  }
}

test('confluent-kafka producer (acks=all, delivery callback) and assign()-only consumer', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t);
  await produceAndConsume(b, 'ck-data', 1000, 'none');
});

test('confluent-kafka with zstd compression', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t);
  // kcat covers every codec; this checks zstd once more through a second librdkafka binding.
  await produceAndConsume(b, 'ck-zstd', 500, 'zstd');
});
