// Produce validation as Kafka does it, seen through the protocol: compacted topics refuse records
// without a key; a corrupt batch is refused without harming what was acknowledged before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../helpers/broker.js';
import { Connection } from '../../src/client/connection.js';
import { encodeBatch } from '../../src/protocol/record-batch.js';

const PRODUCE = 0;
const CREATE_TOPICS = 19;
const LIST_OFFSETS = 2;

test('produce: keyless records to a compacted topic are INVALID_RECORD; corrupt batches are CORRUPT_MESSAGE', async (t) => {
  const b = await startBroker(t);
  const c = await Connection.connect({ host: '127.0.0.1', port: b.port });
  t.after(() => c.destroy());
  const created = await c.send(
    CREATE_TOPICS,
    {
      topics: [
        { name: 'table', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { name: 'plain', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 10_000,
    },
    { version: 5 },
  );
  assert.deepEqual(created.topics.map((x: { errorCode: number }) => x.errorCode), [0, 0]);

  const send = async (topic: string, records: Buffer) => {
    const res = await c.send(PRODUCE, { acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, { version: 9 });
    return res.responses[0].partitionResponses[0] as { errorCode: number; errorMessage: string | null; baseOffset: number };
  };

  const keyed = await send('table', encodeBatch([{ key: 'k1', value: 'v1' }, { key: 'k2', value: null }]));
  assert.equal(keyed.errorCode, 0);
  const keyless = await send('table', encodeBatch([{ key: 'k3', value: 'v3' }, { key: null, value: 'no key' }], { compression: 1 }));
  assert.equal(keyless.errorCode, 87 /* INVALID_RECORD */);
  assert.match(keyless.errorMessage ?? '', /without key/);
  assert.equal((await send('plain', encodeBatch([{ key: null, value: 'fine here' }]))).errorCode, 0);

  const corrupt = encodeBatch([{ key: 'k', value: 'v' }]);
  corrupt[corrupt.length - 1] ^= 0xff;
  assert.equal((await send('plain', corrupt)).errorCode, 2 /* CORRUPT_MESSAGE */);

  // Nothing of the refused batches was appended: the compacted topic holds exactly the first two records.
  const offsets = await c.send(LIST_OFFSETS, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'table', partitions: [{ partitionIndex: 0, timestamp: -1 }] }, { name: 'plain', partitions: [{ partitionIndex: 0, timestamp: -1 }] }] }, { version: 5 });
  assert.deepEqual(offsets.topics.map((x: { partitions: { offset: number }[] }) => x.partitions[0]!.offset), [2, 1]);
});
