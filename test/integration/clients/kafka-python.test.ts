// kafka-python 2.0.2 (Debian's python3-kafka) against a real broker process. kafka-python guesses
// the broker's release from ApiVersions and then uses fixed versions, so this catches an
// ApiVersions answer that leads it to requests we do not serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool, runPython, startBroker, type Broker } from '../../helpers/broker.js';

const script = 'kafka-python-client.py';
const py = <T>(b: Broker, args: string[]) => runPython<T>(script, ['--bootstrap', b.bootstrap, ...args], { broker: b });

test('kafka-python admin: create_topics, list_topics, describe_topics, delete_topics', async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  const b = await startBroker(t);
  const out = await py<{
    create_errors: [string, number][];
    after_create: string[];
    create_again_error: string | null;
    described: [string, number, number][];
    delete_errors: [string, number][];
    after_delete: string[];
  }>(b, ['admin', '--topic', 'kp-admin-a', '--topic', 'kp-admin-b', '--partitions', '3']);

  assert.deepEqual(out.create_errors.sort(), [
    ['kp-admin-a', 0],
    ['kp-admin-b', 0],
  ]);
  assert.ok(out.after_create.includes('kp-admin-a') && out.after_create.includes('kp-admin-b'), `listed: ${out.after_create}`);
  assert.equal(out.create_again_error, 'TopicAlreadyExistsError');
  assert.deepEqual(out.described, [
    ['kp-admin-a', 0, 3],
    ['kp-admin-b', 0, 3],
  ]);
  assert.deepEqual(out.delete_errors.sort(), [
    ['kp-admin-a', 0],
    ['kp-admin-b', 0],
  ]);
  assert.ok(!out.after_delete.includes('kp-admin-a') && !out.after_delete.includes('kp-admin-b'), `listed: ${out.after_delete}`);
});

interface Produced {
  acked: number;
  errors: string[];
  records: [partition: number, offset: number][];
}

interface Consumed {
  partitions: number[];
  records: [partition: number, offset: number, key: string | null, value: string | null, timestamp: number][];
  beginning_offsets: Record<string, number>;
  end_offsets: Record<string, number>;
  offsets_for_times: Record<string, Record<string, [offset: number, timestamp: number] | null>>;
}

async function produceAndConsume(b: Broker, topic: string, n: number, extraProduceArgs: string[] = []) {
  const partitions = 3;
  const created = await py<{ create_errors: [string, number][] }>(b, ['create', '--topic', topic, '--partitions', String(partitions)]);
  assert.deepEqual(created.create_errors, [[topic, 0]]);

  // Explicit timestamps, increasing with the record index, so offsets_for_times has exact answers.
  const base = Date.now() - 60_000;
  const produced = await py<Produced>(b, ['produce', '--topic', topic, '--count', String(n), '--timestamp-base', String(base), ...extraProduceArgs]);
  assert.deepEqual(produced.errors, []);
  assert.equal(produced.acked, n);

  const probe = [base + Math.floor(n / 2), base + n + 1_000];
  const consumed = await py<Consumed>(b, ['consume', '--topic', topic, '--expect', String(n), '--times', ...probe.map(String)]);
  assert.deepEqual(consumed.partitions, [0, 1, 2]);
  assert.equal(consumed.records.length, n, 'every acknowledged record is read back exactly once');

  const byPosition = new Map(consumed.records.map((r) => [`${r[0]}/${r[1]}`, r]));
  const perPartition = [0, 0, 0];
  produced.records.forEach(([partition, offset], i) => {
    const r = byPosition.get(`${partition}/${offset}`);
    assert.ok(r, `record ${i} acknowledged at ${partition}/${offset} was not read back`);
    assert.deepEqual(r.slice(2), [`key-${i}`, `value-${i}`, base + i], `record ${i} at ${partition}/${offset}`);
    perPartition[partition]!++;
  });
  for (const p of [0, 1, 2]) {
    const offsets = consumed.records.filter((r) => r[0] === p).map((r) => r[1]);
    assert.deepEqual(offsets, Array.from({ length: perPartition[p]! }, (_, k) => k), `partition ${p} reads back in offset order`);
    assert.equal(consumed.beginning_offsets[p], 0);
    assert.equal(consumed.end_offsets[p], perPartition[p]);
  }
  assert.ok(perPartition.filter((c) => c > 0).length > 1, `keys spread over partitions: ${perPartition}`);

  // The first record of each partition at or after the probe time; none past the last one.
  for (const p of [0, 1, 2]) {
    const expected = produced.records
      .map(([partition, offset], i) => ({ partition, offset, ts: base + i }))
      .filter((r) => r.partition === p && r.ts >= probe[0]!)
      .sort((x, y) => x.offset - y.offset)[0];
    assert.deepEqual(consumed.offsets_for_times[String(probe[0])]![p], expected ? [expected.offset, expected.ts] : null, `partition ${p}`);
    assert.equal(consumed.offsets_for_times[String(probe[1])]![p], null, `partition ${p}: nothing after the last record`);
  }
}

test('kafka-python producer (acks=all, keys) and assign()-only consumer with offset lookups', async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  const b = await startBroker(t);
  await produceAndConsume(b, 'kp-data', 600);
});

test('kafka-python with gzip compression', async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  const b = await startBroker(t);
  // Debian ships kafka-python without the snappy/lz4/zstd modules; gzip is the codec it always has.
  await produceAndConsume(b, 'kp-gzip', 300, ['--compression', 'gzip']);
});
