// Restart with a data directory of 1,000 partitions (100 topics × 10, created through the
// protocol), after a clean stop and after kill -9: every topic, partition and acknowledged record is
// there again. The startup time the broker reports is printed, not asserted (bench/ is for timing).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { requireTool, run, startBroker, type Broker } from '../helpers/broker.js';

const { Kafka, logLevel } = kafkajs;

const TOPICS = 100;
const PARTITIONS = 10;
const topicName = (i: number) => `startup-${String(i).padStart(3, '0')}`;
/** Every tenth topic gets records: partition p holds p + 1 of them. */
const WRITTEN = Array.from({ length: TOPICS }, (_, i) => i).filter((i) => i % 10 === 3);
const value = (topic: string, p: number, i: number) => `${topic}/${p}/${i}`;

function kafka(b: Broker) {
  return new Kafka({
    clientId: 'kappa-startup-test',
    brokers: [b.bootstrap],
    logLevel: logLevel.ERROR,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

async function withAdmin<T>(b: Broker, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka(b).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- broker output ---\n${b.output()}`, { cause: err });
  } finally {
    await admin.disconnect();
  }
}

async function populate(b: Broker): Promise<void> {
  await withAdmin(b, async (admin) => {
    const created = await admin.createTopics({
      timeout: 30_000,
      topics: Array.from({ length: TOPICS }, (_, i) => ({ topic: topicName(i), numPartitions: PARTITIONS })),
    });
    assert.equal(created, true);
  });
  const producer = kafka(b).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const meta = await producer.sendBatch({
      acks: -1,
      topicMessages: WRITTEN.map((i) => {
        const topic = topicName(i);
        const messages = [];
        for (let p = 0; p < PARTITIONS; p++) for (let n = 0; n <= p; n++) messages.push({ partition: p, key: `k${n}`, value: value(topic, p, n) });
        return { topic, messages };
      }),
    });
    // Acknowledged (acks=all) with no error: these are the records the broker promised to keep.
    assert.equal(meta.length, WRITTEN.length * PARTITIONS);
    for (const m of meta) assert.equal(m.errorCode, 0, `${m.topicName}-${m.partition}`);
  } finally {
    await producer.disconnect();
  }
}

/** The last "opened N topic(s), P partition(s) in X ms" line of the broker's log. */
function openedLine(b: Broker): { topics: number; partitions: number; ms: number } {
  const all = [...b.output().matchAll(/opened (\d+) topic\(s\), (\d+) partition\(s\) in (\d+) ms/g)];
  const last = all[all.length - 1];
  assert.ok(last, `no "opened N topic(s), P partition(s) in X ms" line in the broker output:\n${b.output()}`);
  return { topics: Number(last[1]), partitions: Number(last[2]), ms: Number(last[3]) };
}

async function verify(t: TestContext, b: Broker): Promise<void> {
  const opened = openedLine(b);
  assert.equal(opened.topics, TOPICS);
  assert.equal(opened.partitions, TOPICS * PARTITIONS);
  t.diagnostic(`broker reopened ${opened.topics} topics, ${opened.partitions} partitions in ${opened.ms} ms`);

  await withAdmin(b, async (admin) => {
    const names = Array.from({ length: TOPICS }, (_, i) => topicName(i));
    const listed = new Set(await admin.listTopics());
    for (const name of names) assert.ok(listed.has(name), `${name} listed after restart`);
    const md = await admin.fetchTopicMetadata({ topics: names });
    assert.equal(md.topics.length, TOPICS);
    for (const topic of md.topics) {
      assert.deepEqual(
        topic.partitions.map((p) => [p.partitionId, p.partitionErrorCode]).sort((x, y) => Number(x[0]) - Number(y[0])),
        Array.from({ length: PARTITIONS }, (_, p) => [p, 0]),
        topic.name,
      );
    }
    // High watermarks of every partition: p + 1 where records were written, 0 elsewhere.
    await Promise.all(
      names.map(async (name, i) => {
        const offsets = await admin.fetchTopicOffsets(name);
        assert.deepEqual(
          offsets.map((o) => [o.partition, o.low, o.high]).sort((x, y) => Number(x[0]) - Number(y[0])),
          Array.from({ length: PARTITIONS }, (_, p) => [p, '0', WRITTEN.includes(i) ? String(p + 1) : '0']),
          name,
        );
      }),
    );
  });

  // The records themselves, through librdkafka.
  await Promise.all(
    WRITTEN.map(async (i) => {
      const topic = topicName(i);
      const { stdout } = await run(
        'kcat',
        ['-C', '-b', b.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-m', '20', '-X', 'socket.timeout.ms=20000', '-f', '%p|%o|%k|%s\n'],
        { broker: b, timeoutMs: 40_000 },
      );
      const got = stdout.split('\n').filter((l) => l !== '').sort();
      const want: string[] = [];
      for (let p = 0; p < PARTITIONS; p++) for (let n = 0; n <= p; n++) want.push(`${p}|${n}|k${n}|${value(topic, p, n)}`);
      assert.deepEqual(got, want.sort(), topic);
    }),
  );
}

test('1,000 partitions: a clean stop and restart keeps every topic, partition and record', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await populate(b);
  await b.stop();
  await b.restart();
  await verify(t, b);
});

test('1,000 partitions: after kill -9 and restart every acknowledged record is readable', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await populate(b);
  await b.kill9();
  await b.restart();
  await verify(t, b);
});
