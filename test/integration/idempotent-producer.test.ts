// Kappa's own idempotent producer against a real broker process, with responses lost on the way back:
// the connection is closed right after the broker answered a Produce request (so the broker wrote
// it, and every other request pipelined on that connection is lost with it). The producer retries
// with the same sequence numbers; the broker answers the retries with the original offsets, so every
// record is in the log once, in order. The same faults without idempotence duplicate records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../src/client/kafka-client.js';
import type { Connection } from '../../src/client/connection.js';
import { ConnectionError } from '../../src/client/errors.js';
import { startBroker, type Broker } from '../helpers/broker.js';

const PRODUCE = 0;

/** A client whose Produce requests numbered in `drop` lose their response (after the broker wrote them). */
function faultyClient(b: Broker, drop: Set<number>): { kafka: KafkaClient; dropped: () => number } {
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'idem-test' });
  const cluster = kafka.cluster;
  const original = cluster.brokerConnection.bind(cluster);
  const patched = new WeakSet<Connection>();
  let requests = 0;
  let dropped = 0;
  cluster.brokerConnection = async (nodeId: number) => {
    const conn = await original(nodeId);
    if (!patched.has(conn)) {
      patched.add(conn);
      const send = conn.send.bind(conn);
      // Responses arrive in order: once one is lost, so is every later one on the connection (the
      // broker still processed those requests). `dead` makes that so even for responses that were
      // already read from the socket in the same chunk.
      let dead = false;
      conn.send = (async (apiKey: number, body: object, options?: object) => {
        const n = apiKey === PRODUCE ? ++requests : 0;
        const res = await send(apiKey, body, options);
        if (!dead && drop.has(n)) {
          dead = true;
          dropped++;
          void conn.close();
        }
        if (dead) throw new ConnectionError(`connection to ${conn.address} closed (test: responses from ${n} on dropped)`);
        return res;
      }) as Connection['send'];
    }
    return conn;
  };
  return { kafka, dropped: () => dropped };
}

async function readAll(b: Broker, topic: string, partitions: number): Promise<string[][]> {
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap });
  try {
    const admin = kafka.admin();
    const ends = await admin.listOffsets(topic, 'latest');
    const out: string[][] = Array.from({ length: partitions }, () => []);
    const total = ends.reduce((n, e) => n + e.offset, 0);
    const consumer = kafka.consumer({ maxWaitMs: 100 });
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })));
    let seen = 0;
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) out[r.partition]!.push(r.value!.toString());
      seen += batch.records.length;
      if (seen >= total) break;
    }
    await consumer.close();
    return out;
  } finally {
    await kafka.close();
  }
}

const N = 3000;
const records = Array.from({ length: N }, (_, i) => ({ value: `r${String(i).padStart(5, '0')}`, partition: i % 2 }));

async function produce(b: Broker, topic: string, idempotent: boolean): Promise<{ offsets: number[]; dropped: number }> {
  const { kafka, dropped } = faultyClient(b, new Set([3, 10, 20, 30]));
  try {
    await kafka.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = kafka.producer({ idempotent, lingerMs: 0, batchSize: 1024, maxInFlight: 5 });
    const sends = [];
    for (let i = 0; i < N; i += 100) sends.push(producer.send(topic, records.slice(i, i + 100)));
    const meta = (await Promise.all(sends)).flat();
    await producer.close();
    return { offsets: meta.map((m) => m.offset), dropped: dropped() };
  } finally {
    await kafka.close();
  }
}

test('idempotent producer: responses lost after the broker wrote the batches do not duplicate records', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);

  const idem = await produce(b, 'idem', true);
  assert.equal(idem.dropped, 4);
  const log = await readAll(b, 'idem', 2);
  for (const p of [0, 1]) assert.deepEqual(log[p], records.filter((r) => r.partition === p).map((r) => r.value), `partition ${p}: each record once, in order`);
  // Each acknowledged offset is where the record is (retries were answered with the original offsets).
  records.forEach((r, i) => assert.equal(log[r.partition]![idem.offsets[i]!], r.value));

  // One producer id per partition, its last sequence the partition's record count - 1.
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap });
  try {
    const producers = await kafka.admin().describeProducers([{ topic: 'idem' }]);
    assert.deepEqual(producers.map((p) => [p.partition, p.producers.length, p.producers[0]?.lastSequence]), [
      [0, 1, N / 2 - 1],
      [1, 1, N / 2 - 1],
    ]);
  } finally {
    await kafka.close();
  }

  // The same faults without idempotence: the retried batches are written again.
  const plain = await produce(b, 'plain', false);
  assert.equal(plain.dropped, 4);
  const dup = await readAll(b, 'plain', 2);
  assert.ok(dup[0]!.length + dup[1]!.length > N, `expected duplicates without idempotence, got ${dup[0]!.length + dup[1]!.length} records`);
});
