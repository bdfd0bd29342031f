// Fetch semantics that the real clients in this suite do not exercise on their own: long polling,
// size limits (KIP-74), fetching from inside a batch, error codes, topic ids (v13+), and incremental
// fetch sessions (KIP-227), which Java clients use and librdkafka 2.0 / kafkajs do not. Requests are
// sent at exact versions through Kappa's client connection against a broker process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type Broker } from '../helpers/broker.js';
import { Connection } from '../../src/client/connection.js';
import { encodeBatch, iterateBatches, decodeRecords } from '../../src/protocol/record-batch.js';
import type { FetchResponse } from '../../src/protocol/generated/fetch.js';
import type { MetadataResponse } from '../../src/protocol/generated/metadata.js';

const PRODUCE = 0;
const FETCH = 1;
const METADATA = 3;
const CREATE_TOPICS = 19;

async function connect(t: { after(fn: () => unknown): void }, b: Broker): Promise<Connection> {
  const c = await Connection.connect({ host: '127.0.0.1', port: b.port, requestTimeoutMs: 60_000 });
  t.after(() => c.destroy());
  return c;
}

async function createTopic(c: Connection, name: string, partitions: number): Promise<string> {
  const res = await c.send(CREATE_TOPICS, { topics: [{ name, numPartitions: partitions, replicationFactor: 1 }], timeoutMs: 10_000 }, { version: 7 });
  assert.equal(res.topics[0].errorCode, 0);
  return res.topics[0].topicId as string;
}

async function produce(c: Connection, topic: string, partition: number, values: string[]): Promise<number> {
  const batch = encodeBatch(values.map((v) => ({ key: null, value: v })));
  const res = await c.send(PRODUCE, { acks: 1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] }, { version: 9 });
  const p = res.responses[0].partitionResponses[0];
  assert.equal(p.errorCode, 0);
  return p.baseOffset as number;
}

interface FetchArgs {
  version?: number;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  sessionId?: number;
  sessionEpoch?: number;
  partitions?: { topic: string; topicId?: string; partition: number; fetchOffset: number; partitionMaxBytes?: number }[];
  forgotten?: { topic: string; partitions: number[] }[];
}

function fetch(c: Connection, a: FetchArgs): Promise<FetchResponse> {
  const byTopic = new Map<string, { topic: string; topicId?: string; partitions: object[] }>();
  for (const p of a.partitions ?? []) {
    const entry = byTopic.get(p.topic) ?? { topic: p.topic, topicId: p.topicId, partitions: [] };
    entry.partitions.push({ partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 });
    byTopic.set(p.topic, entry);
  }
  return c.send(
    FETCH,
    {
      replicaId: -1,
      maxWaitMs: a.maxWaitMs ?? 0,
      minBytes: a.minBytes ?? 1,
      maxBytes: a.maxBytes ?? 50 << 20,
      isolationLevel: 0,
      sessionId: a.sessionId ?? 0,
      sessionEpoch: a.sessionEpoch ?? -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: (a.forgotten ?? []).map((f) => ({ topic: f.topic, partitions: f.partitions })),
      rackId: '',
    },
    { version: a.version ?? 12, timeoutMs: (a.maxWaitMs ?? 0) + 30_000 },
  );
}

const valuesOf = (records: Buffer | null): string[] => {
  const out: string[] = [];
  for (const batch of iterateBatches(records ?? Buffer.alloc(0))) for (const r of decodeRecords(batch).records) out.push(r.value!.toString());
  return out;
};

test('long poll: a parked fetch wakes when data arrives, and an empty wait ends at maxWaitMs', async (t) => {
  const b = await startBroker(t);
  const c = await connect(t, b);
  const producer = await connect(t, b);
  await createTopic(c, 'poll', 1);

  // No data and a short wait: an empty answer, no error.
  const empty = await fetch(c, { maxWaitMs: 200, partitions: [{ topic: 'poll', partition: 0, fetchOffset: 0 }] });
  assert.equal(empty.errorCode, 0);
  assert.equal(empty.responses[0]!.partitions[0]!.errorCode, 0);
  assert.equal(empty.responses[0]!.partitions[0]!.records?.length ?? 0, 0);

  // A 60 s wait that data cuts short: the fetch must not sit out its whole wait.
  const started = Date.now();
  const parked = fetch(c, { maxWaitMs: 60_000, partitions: [{ topic: 'poll', partition: 0, fetchOffset: 0 }] });
  await new Promise((r) => setTimeout(r, 300));
  await produce(producer, 'poll', 0, ['woken']);
  const res = await parked;
  assert.ok(Date.now() - started < 30_000, 'the fetch waited out (most of) its 60 s instead of waking on the append');
  assert.deepEqual(valuesOf(res.responses[0]!.partitions[0]!.records), ['woken']);
  assert.equal(res.responses[0]!.partitions[0]!.highWatermark, 1);
});

test('sizes: a batch larger than the limits still comes back whole; maxBytes spans partitions', async (t) => {
  const b = await startBroker(t);
  const c = await connect(t, b);
  await createTopic(c, 'sizes', 2);
  const big = Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(200, '.'));
  await produce(c, 'sizes', 0, big);
  await produce(c, 'sizes', 1, big);

  // partitionMaxBytes far below the batch: KIP-74 returns the first batch anyway.
  const one = await fetch(c, { partitions: [{ topic: 'sizes', partition: 0, fetchOffset: 0, partitionMaxBytes: 10 }] });
  assert.deepEqual(valuesOf(one.responses[0]!.partitions[0]!.records), big);

  // maxBytes below one batch: the first partition's batch is returned, the second gets nothing.
  const both = await fetch(c, {
    maxBytes: 100,
    partitions: [
      { topic: 'sizes', partition: 0, fetchOffset: 0 },
      { topic: 'sizes', partition: 1, fetchOffset: 0 },
    ],
  });
  const parts = both.responses[0]!.partitions;
  assert.equal(valuesOf(parts[0]!.records).length, 50);
  assert.equal(parts[1]!.records?.length ?? 0, 0);
  assert.equal(parts[1]!.errorCode, 0);
  assert.equal(parts[1]!.highWatermark, 50);
});

test('offsets: inside a batch returns the whole batch; past the end is OFFSET_OUT_OF_RANGE; unknown topics and ids', async (t) => {
  const b = await startBroker(t);
  const c = await connect(t, b);
  const topicId = await createTopic(c, 'offs', 1);
  await produce(c, 'offs', 0, ['a', 'b', 'c']);
  await produce(c, 'offs', 0, ['d']);

  const mid = await fetch(c, { partitions: [{ topic: 'offs', partition: 0, fetchOffset: 1 }] });
  const batches = [...iterateBatches(mid.responses[0]!.partitions[0]!.records!)];
  assert.equal(decodeRecords(batches[0]!).baseOffset, 0, 'the batch holding offset 1 starts at 0');
  assert.deepEqual(valuesOf(mid.responses[0]!.partitions[0]!.records), ['a', 'b', 'c', 'd']);

  const atEnd = await fetch(c, { partitions: [{ topic: 'offs', partition: 0, fetchOffset: 4 }] });
  assert.equal(atEnd.responses[0]!.partitions[0]!.errorCode, 0);
  const past = await fetch(c, { partitions: [{ topic: 'offs', partition: 0, fetchOffset: 5 }] });
  assert.equal(past.responses[0]!.partitions[0]!.errorCode, 1 /* OFFSET_OUT_OF_RANGE */);

  const unknown = await fetch(c, { partitions: [{ topic: 'nope', partition: 0, fetchOffset: 0 }] });
  assert.equal(unknown.responses[0]!.partitions[0]!.errorCode, 3 /* UNKNOWN_TOPIC_OR_PARTITION */);

  // v13+ names topics by id.
  const byId = await fetch(c, { version: 13, partitions: [{ topic: '', topicId, partition: 0, fetchOffset: 3 }] });
  assert.equal(byId.responses[0]!.topicId, topicId);
  assert.deepEqual(valuesOf(byId.responses[0]!.partitions[0]!.records), ['d']);
  const badId = await fetch(c, { version: 13, partitions: [{ topic: '', topicId: '0123abcd-0000-4000-8000-000000000000', partition: 0, fetchOffset: 0 }] });
  assert.equal(badId.responses[0]!.partitions[0]!.errorCode, 100 /* UNKNOWN_TOPIC_ID */);

  const meta: MetadataResponse = await c.send(METADATA, { topics: [{ name: 'offs', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false }, { version: 12 });
  assert.equal(meta.topics[0]!.topicId, topicId);
});

test('incremental fetch sessions: full, incremental, forgotten partitions, epochs and closing', async (t) => {
  const b = await startBroker(t);
  const c = await connect(t, b);
  await createTopic(c, 'sess', 2);
  await produce(c, 'sess', 0, ['p0-a']);
  await produce(c, 'sess', 1, ['p1-a']);

  // Full fetch that opens a session.
  const full = await fetch(c, {
    sessionId: 0,
    sessionEpoch: 0,
    partitions: [
      { topic: 'sess', partition: 0, fetchOffset: 0 },
      { topic: 'sess', partition: 1, fetchOffset: 0 },
    ],
  });
  assert.equal(full.errorCode, 0);
  const sessionId = full.sessionId;
  assert.ok(sessionId > 0, 'a session id is handed out');
  assert.deepEqual(full.responses[0]!.partitions.map((p) => [p.partitionIndex, valuesOf(p.records)]), [
    [0, ['p0-a']],
    [1, ['p1-a']],
  ]);

  // Incremental: the client moves both positions past what it read. Nothing new: no partitions.
  const quiet = await fetch(c, {
    sessionId,
    sessionEpoch: 1,
    maxWaitMs: 100,
    partitions: [
      { topic: 'sess', partition: 0, fetchOffset: 1 },
      { topic: 'sess', partition: 1, fetchOffset: 1 },
    ],
  });
  assert.equal(quiet.errorCode, 0);
  assert.equal(quiet.sessionId, sessionId);
  assert.deepEqual(quiet.responses, []);

  // New data on partition 0 only; the request lists no partitions, the session remembers them.
  await produce(c, 'sess', 0, ['p0-b']);
  const news = await fetch(c, { sessionId, sessionEpoch: 2, maxWaitMs: 1000 });
  assert.equal(news.errorCode, 0);
  assert.deepEqual(news.responses.map((r) => r.partitions.map((p) => [p.partitionIndex, valuesOf(p.records)])), [[[0, ['p0-b']]]]);

  // A stale epoch and an unknown session are refused with Kafka's codes.
  assert.equal((await fetch(c, { sessionId, sessionEpoch: 2 })).errorCode, 71 /* INVALID_FETCH_SESSION_EPOCH */);
  assert.equal((await fetch(c, { sessionId: sessionId + 1, sessionEpoch: 1 })).errorCode, 70 /* FETCH_SESSION_ID_NOT_FOUND */);

  // Forget partition 1: new data there no longer shows up.
  const forget = await fetch(c, { sessionId, sessionEpoch: 3, maxWaitMs: 100, partitions: [{ topic: 'sess', partition: 0, fetchOffset: 2 }], forgotten: [{ topic: 'sess', partitions: [1] }] });
  assert.equal(forget.errorCode, 0);
  await produce(c, 'sess', 1, ['p1-b']);
  const after = await fetch(c, { sessionId, sessionEpoch: 4, maxWaitMs: 200 });
  assert.deepEqual(after.responses, []);

  // Closing the session (final epoch) answers as a sessionless full fetch; the id is gone after.
  const closed = await fetch(c, { sessionId, sessionEpoch: -1, partitions: [{ topic: 'sess', partition: 1, fetchOffset: 1 }] });
  assert.equal(closed.errorCode, 0);
  assert.equal(closed.sessionId, 0);
  assert.deepEqual(valuesOf(closed.responses[0]!.partitions[0]!.records), ['p1-b']);
  assert.equal((await fetch(c, { sessionId, sessionEpoch: 5 })).errorCode, 70);
});
