// A bounded job over a topic written in transactions (another job's exactly-once output, say) ends at
// the topic's end: commit markers and aborted records occupy offsets after the last record, and the
// runner must move past them to reach the end offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaClient } from '../../../src/client/index.js';
import { Serdes, StreamJob } from '../../../src/stream/index.js';
import { runOnCluster } from '../../../src/stream/runtime/kafka-runner.js';
import { startBroker } from '../../helpers/broker.js';
import { readCommitted } from '../../helpers/jobs.js';

test('a bounded job over a transactionally written topic ends, and reads only committed records', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const committed: string[] = [];
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'txn-writer' });
  try {
    await client.admin().createTopics([{ name: 'txin', partitions: 2 }]);
    const producer = client.producer({ transactionalId: 'txin-writer', acks: -1 });
    await producer.initTransactions();
    for (let txn = 0; txn < 6; txn++) {
      producer.beginTransaction();
      const values = Array.from({ length: 50 }, (_, i) => `t${txn}-${i}`);
      await producer.send('txin', values.map((v, i) => ({ key: `k${i % 7}`, value: v })));
      // The last transaction is aborted: the topic then ends with aborted records and an abort marker.
      if (txn % 2 === 1 || txn === 5) {
        await producer.abortTransaction();
      } else {
        await producer.commitTransaction();
        committed.push(...values);
      }
    }
  } finally {
    await client.close();
  }

  const job = new StreamJob({ applicationId: 'bounded-txn' });
  job.fromTopic<string | null>('txin', { value: Serdes.string(), bounded: true }).toTopic('txout', { value: Serdes.string() });
  const result = await Promise.race([
    runOnCluster(job, { bootstrapServers: b.bootstrap, processingGuarantee: 'exactly_once' }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the bounded job did not end within 60 s')), 60_000)),
  ]);
  assert.equal(result.recordsIn, 150);
  const out = await readCommitted(b.bootstrap, 'txout');
  const values = [...out.values()].flat().map(([, v]) => v).sort();
  assert.deepEqual(values, committed.sort(), 'exactly the records of committed transactions');
});
