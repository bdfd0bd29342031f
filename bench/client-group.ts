// The group consumer's cost on the fetch path: the same records read by Kappa's assignment-based
// Consumer and by a GroupConsumer (one member; the group only decides what to fetch, batches pass
// through as fetched). Broker in its own process on a fresh data dir, group.initial.rebalance.delay.ms=0.
//
//   npm run build && node dist/bench/client-group.js [records=1000000] [size=100] [partitions=4]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from './broker-process.js';
import { KafkaClient } from '../src/client/kafka-client.js';

const N = Number(process.argv[2] ?? 1_000_000);
const SIZE = Number(process.argv[3] ?? 100);
const PARTITIONS = Number(process.argv[4] ?? 4);
const TOPIC = 'bench-group';

const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString('en-US')} rec/s, ${((N * SIZE) / 1048576 / (ms / 1000)).toFixed(1)} MiB/s`;
const line = (label: string, ms: number, extra = '') => console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${rate(ms)}${extra}`);

const dataDir = mkdtempSync(join(tmpdir(), 'kappa-bench-group-'));
const config = join(dataDir, 'server.properties');
writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
const broker = await startBroker(join(dataDir, 'data'), ['--config', config]);
const client = new KafkaClient({ bootstrapServers: broker.bootstrap, clientId: 'bench-group' });
try {
  await client.admin().createTopics([{ name: TOPIC, partitions: PARTITIONS }]);
  const producer = client.producer();
  const value = Buffer.alloc(SIZE, 'x');
  const perSend = 5000;
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < N; i += perSend) {
    const partition = (i / perSend) % PARTITIONS;
    sends.push(producer.send(TOPIC, Array.from({ length: Math.min(perSend, N - i) }, () => ({ partition, value }))));
    if (sends.length >= 8) await sends.shift();
  }
  await Promise.all(sends);
  await producer.close();

  {
    const consumer = client.consumer({ maxWaitMs: 100 });
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 'earliest' as const })));
    const start = performance.now();
    let n = 0;
    for await (const batch of consumer.batches()) {
      n += batch.records.length;
      if (n >= N) break;
    }
    await consumer.close();
    line('Consumer (assign)', performance.now() - start);
  }

  for (const run of [1, 2]) {
    const consumer = client.groupConsumer({ groupId: `bench-${run}`, fromBeginning: true, maxWaitMs: 100 });
    let joinedAt = 0;
    consumer.subscribe([TOPIC], { onPartitionsAssigned: () => void (joinedAt ||= performance.now()) });
    const start = performance.now();
    let n = 0;
    for await (const batch of consumer.batches()) {
      n += batch.records.length;
      if (n >= N) break;
    }
    const end = performance.now();
    await consumer.commit();
    await consumer.close();
    line(`GroupConsumer (1 member), run ${run}`, end - joinedAt, `  (join ${(joinedAt - start).toFixed(0)} ms before that)`);
  }
} finally {
  await client.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
