// kafka-python's own group code (KafkaConsumer(group_id=…), synchronous commits): a consumer reads
// part of a topic and commits; the next one resumes exactly where the commits point (each record read
// once across the two); after a broker restart another resumes again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { python3, requireTool, run, startBroker, type Broker } from '../../helpers/broker.js';
import { brokerConfig, groupsPyDir } from './members.js';

const TOPIC = 'ledger';
const GROUP = 'ledger-readers';

interface Result {
  records: [number, number, string][];
  committed: Record<string, number>;
}

async function consume(b: Broker, count: number): Promise<Result> {
  const res = await run(python3, [join(groupsPyDir, 'kafka-python-consume.py'), b.bootstrap, TOPIC, GROUP, String(count)], { broker: b, timeoutMs: 60_000 });
  return JSON.parse(res.stdout) as Result;
}

const firstOffsets = (r: Result) => {
  const first: Record<string, number> = {};
  for (const [p, o] of r.records) if (!(p in first)) first[p] = o;
  return first;
};

test('kafka-python KafkaConsumer(group_id) commits synchronously, resumes from its commits, and again after a broker restart', async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kp-test', logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  let admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  const produce = async (perPartition: number, tag: string) => {
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
    await producer.disconnect();
  };
  const committed = async () => {
    const parts = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions;
    return Object.fromEntries(parts.filter((p) => p.offset !== '-1').map((p) => [String(p.partition), Number(p.offset)]));
  };
  const key = ([p, o, v]: [number, number, string]) => `${p}:${o}:${v}`;

  await produce(50, 'a');
  const first = await consume(b, 100);
  assert.equal(first.records.length, 100);
  assert.equal(new Set(first.records.map(key)).size, 100, 'no record twice');
  // What the broker holds is what the consumer's synchronous commits said it accepted.
  assert.deepEqual(await committed(), first.committed);

  const second = await consume(b, 50);
  assert.equal(second.records.length, 50);
  for (const [p, o] of Object.entries(firstOffsets(second))) assert.equal(o, first.committed[p] ?? 0, `partition ${p} resumed at ${o}`);
  const all = [...first.records, ...second.records].map(key);
  assert.equal(new Set(all).size, 150, 'the two consumers together read every record exactly once');
  assert.deepEqual(await committed(), { 0: 50, 1: 50, 2: 50 });

  await produce(20, 'b');
  await admin.disconnect();
  await b.restart();
  admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.deepEqual(await committed(), { 0: 50, 1: 50, 2: 50 });
  const third = await consume(b, 60);
  assert.deepEqual(firstOffsets(third), { 0: 50, 1: 50, 2: 50 });
  assert.ok(third.records.every(([, , v]) => v.startsWith('b-')));
  assert.equal(new Set(third.records.map(key)).size, 60);
  assert.deepEqual(await committed(), { 0: 70, 1: 70, 2: 70 });
});
