// A decoder nobody here wrote checks the control records the broker writes. kafka-python 2.0.2
// (Debian's python3-kafka) predates transactions: it reads read_uncommitted and, unlike newer
// clients, does not skip control batches, so it hands the COMMIT/ABORT markers to the application as
// records. That makes their bytes visible: each marker must be one record of a control batch whose
// key is Kafka's ControlRecordType (int16 version 0, int16 type: 0 abort, 1 commit) and whose value
// is EndTransactionMarker (int16 version 0, int32 coordinatorEpoch), at the offset right after the
// transaction's records, and the data records around it must come through intact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { python3, requireTool, run, startBroker } from '../../helpers/broker.js';
import { createTopics } from './txn-helpers.js';

const READ_ALL = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic = sys.argv[1:3]
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek_to_beginning(tp)
end = c.end_offsets([tp])[tp]
out = []
while c.position(tp) < end:
    for m in c.poll(timeout_ms=1000).get(tp, []):
        out.append([m.offset, m.key.hex() if m.key is not None else None, m.value.hex() if m.value is not None else None])
c.close()
print(json.dumps({"end": end, "records": out}))
`;

test('kafka-python 2.0.2 (no control-batch skipping) sees the markers as Kafka encodes them: ControlRecordType key, EndTransactionMarker value', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  const b = await startBroker(t);
  await createTopics(b, [{ topic: 'markers', numPartitions: 1 }]);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'markers', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: 'markers-txn', idempotent: true, maxInFlightRequests: 1 });
  const plain = kafka.producer();
  await producer.connect();
  await plain.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic: 'markers', messages: [{ value: 'c0' }, { value: 'c1' }, { value: 'c2' }] }); // offsets 0-2
    await committed.commit(); // marker at 3
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'markers', messages: [{ value: 'a0' }, { value: 'a1' }] }); // 4-5
    await aborted.abort(); // marker at 6
    // Markers are written after EndTxn answers: the plain record lands after them once they are.
    const deadline = Date.now() + 10_000;
    const admin = kafka.admin();
    await admin.connect();
    for (;;) {
      const [p] = await admin.fetchTopicOffsets('markers');
      if (Number(p!.high) >= 7 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await admin.disconnect();
    await plain.send({ topic: 'markers', acks: -1, messages: [{ value: 'p0' }] }); // 7
  } finally {
    await producer.disconnect();
    await plain.disconnect();
  }
  const { stdout } = await run(python3, ['-c', READ_ALL, b.bootstrap, 'markers'], { broker: b });
  const res = JSON.parse(stdout) as { end: number; records: [number, string | null, string | null][] };
  const hex = (s: string) => Buffer.from(s).toString('hex');
  assert.deepEqual(res, {
    end: 8,
    records: [
      [0, null, hex('c0')],
      [1, null, hex('c1')],
      [2, null, hex('c2')],
      [3, '00000001', '000000000000'], // COMMIT, coordinatorEpoch 0
      [4, null, hex('a0')],
      [5, null, hex('a1')],
      [6, '00000000', '000000000000'], // ABORT
      [7, null, hex('p0')],
    ],
  }, `kafka-python's view of the log\n--- broker output ---\n${b.output()}`);
});
