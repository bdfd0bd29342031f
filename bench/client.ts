// Client throughput: kafkajs vs Kappa's own client against a Kappa broker running as a separate
// process (so broker and client do not share one event loop). Produces N records of SIZE bytes
// with each client into its own topic, then consumes them back from the beginning.
//
//   npm run build && node dist/bench/client.js [records=1000000] [size=100] [kappa]
// ("kappa": only Kappa's client, plain and idempotent, skipping kafkajs.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { KafkaClient } from '../src/client/kafka-client.js';

const N = Number(process.argv[2] ?? 1_000_000);
const SIZE = Number(process.argv[3] ?? 100);
// kafkajs turns one send() into one batch per partition: keep it under message.max.bytes (1 MB).
const GROUP = 5_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function startBroker(): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kappa-bench-'));
  const proc = spawn(process.execPath, [join(root, 'bin', 'kappa.js'), 'broker', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /listening on (\S+):(\d+)/.exec(buf);
      if (m) resolve(Number(m[2]));
    });
    proc.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    bootstrap: `127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const value = Buffer.alloc(SIZE, 'x');
const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString('en-US')} rec/s, ${((N * SIZE) / 1048576 / (ms / 1000)).toFixed(1)} MiB/s`;

async function timed(label: string, fn: () => Promise<void>): Promise<void> {
  const start = performance.now();
  try {
    await fn();
    const ms = performance.now() - start;
    console.log(`${label.padEnd(32)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${rate(ms)}`);
  } catch (err) {
    console.log(`${label.padEnd(32)} failed: ${(err as Error).message}`);
  }
}

async function kafkajsProduce(bootstrap: string, topic: string): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'bench', logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < N; i += GROUP) {
    const messages = Array.from({ length: Math.min(GROUP, N - i) }, () => ({ value }));
    const p = producer.send({ topic, acks: -1, messages });
    p.catch(() => {});
    pending.push(p);
    if (pending.length >= 5) await pending.shift();
  }
  await Promise.all(pending);
  await producer.disconnect();
}

async function kafkajsConsume(bootstrap: string, topic: string): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'bench', logLevel: kafkajs.logLevel.NOTHING });
  // kafkajs can only consume through a consumer group.
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}`, maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out after 120 s')), 120_000);
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= N) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

async function kappaProduce(bootstrap: string, topic: string, idempotent = false): Promise<void> {
  const client = new KafkaClient({ bootstrapServers: bootstrap });
  const producer = client.producer({ acks: -1, idempotent });
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < N; i += GROUP) {
    const records = Array.from({ length: Math.min(GROUP, N - i) }, () => ({ value }));
    const p = producer.send(topic, records);
    p.catch(() => {});
    pending.push(p);
    if (pending.length >= 8) await pending.shift();
  }
  await Promise.all(pending);
  await client.close();
}

async function kappaConsume(bootstrap: string, topic: string): Promise<void> {
  const client = new KafkaClient({ bootstrapServers: bootstrap });
  const consumer = client.consumer({ maxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
  let seen = 0;
  for await (const batch of consumer.batches()) {
    seen += batch.records.length;
    if (seen >= N) break;
  }
  await client.close();
}

const broker = await startBroker();
console.log(`${N.toLocaleString('en-US')} records of ${SIZE} bytes, one partition, acks=all, broker ${broker.bootstrap}, node ${process.version}`);
const kappaOnly = process.argv[4] === 'kappa';
try {
  if (!kappaOnly) await timed('kafkajs 2.2.4 produce', () => kafkajsProduce(broker.bootstrap, 'bench-kafkajs'));
  await timed('kappa client produce', () => kappaProduce(broker.bootstrap, 'bench-kappa'));
  await timed('kappa client produce idempotent', () => kappaProduce(broker.bootstrap, 'bench-kappa-idempotent', true));
  if (!kappaOnly) await timed('kafkajs 2.2.4 consume (group)', () => kafkajsConsume(broker.bootstrap, 'bench-kafkajs'));
  await timed('kappa client consume', () => kappaConsume(broker.bootstrap, 'bench-kappa'));
} finally {
  await broker.stop();
}
