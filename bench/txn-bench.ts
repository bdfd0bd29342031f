// Transactional producer throughput against the broker in its own process (fresh temp data dir):
//
//   npm run bench:txn -- [--small 200] [--large 20] [--size 100] [--partitions 1] [--json]
//
// For each client and transaction size, records of --size bytes are written in transactions (begin,
// send, commit): --small transactions of 100 records and --large transactions of 10,000, to a new
// topic of --partitions partitions (max.message.bytes 16 MiB, so that kafkajs may send 10,000
// records as one batch), one transaction after the other, each committed before the next begins.
// Timed from the
// first begin to the last commit's answer (InitProducerId before it is not timed); the same number
// of records sent by an idempotent, non-transactional producer in sends of the same size is the
// baseline. Afterwards kcat reads the topic read_committed and must find every record.
// Clients: kafkajs (in this process) with its default retry settings and with a 10 ms
// initialRetryTime (kafkajs waits a retry interval after CONCURRENT_TRANSACTIONS, which the broker
// answers while the previous transaction's markers are being written, as Kafka does), and
// confluent-kafka (librdkafka 2.0.2, a python child process) when Debian's python3 has it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker-process.js';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type RetryOptions } from 'kafkajs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const python3 = '/usr/bin/python3';
const txnPy = join(root, 'test', 'integration', 'txn', 'py', 'confluent-txn.py');

const { values: opts } = parseArgs({
  options: {
    small: { type: 'string', default: '200' },
    large: { type: 'string', default: '20' },
    size: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(opts.size);
const partitions = Number(opts.partitions);
const CASES = [
  { perTxn: 100, txns: Number(opts.small) },
  { perTxn: 10_000, txns: Number(opts.large) },
];

if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).error) {
  console.error('bench:txn needs kcat (apt-get install kcat) to check what was written');
  process.exit(2);
}
const haveConfluent = spawnSync(python3, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;

interface Row {
  client: string;
  mode: 'transactional' | 'idempotent';
  perTxn: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  txnsPerSecond: number;
  /** Median and 99th percentile of one begin–send–commit cycle (or one send). */
  cycleMedianMs: number;
  cycleP99Ms: number;
}

function row(client: string, mode: Row['mode'], perTxn: number, cyclesMs: number[]): Row {
  const seconds = cyclesMs.reduce((a, c) => a + c, 0) / 1000;
  const sorted = [...cyclesMs].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const n = perTxn * cyclesMs.length;
  return {
    client, mode, perTxn, records: n, seconds: +seconds.toFixed(2),
    recordsPerSecond: Math.round(n / seconds), txnsPerSecond: +(cyclesMs.length / seconds).toFixed(1),
    cycleMedianMs: +pick(0.5).toFixed(1), cycleP99Ms: +pick(0.99).toFixed(1),
  };
}

let topicSeq = 0;

async function newTopic(kafka: Kafka): Promise<string> {
  const topic = `txn-bench-${++topicSeq}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: [{ name: 'max.message.bytes', value: String(16 << 20) }] }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

/** read_committed count by kcat: what the transactions wrote must all be visible. */
function checkCommitted(bootstrap: string, topic: string, expected: number): void {
  const r = spawnSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '.', '-X', 'isolation.level=read_committed'], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });
  if (r.stdout.length !== expected) throw new Error(`${topic}: kcat read ${r.stdout.length} committed records, expected ${expected}\n${r.stderr}`);
}

async function kafkajsCase(bootstrap: string, client: string, retry: RetryOptions | undefined, mode: Row['mode'], perTxn: number, cycles: number): Promise<Row> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'txn-bench', logLevel: logLevel.NOTHING });
  const topic = await newTopic(kafka);
  const producer =
    mode === 'transactional'
      ? kafka.producer({ transactionalId: `bench-${topic}`, idempotent: true, maxInFlightRequests: 1, ...(retry ? { retry } : {}) })
      : kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const value = Buffer.alloc(size, 'x');
  const messages = Array.from({ length: perTxn }, (_, i) => ({ partition: i % partitions, value }));
  const cyclesMs: number[] = [];
  try {
    for (let c = 0; c < cycles; c++) {
      const started = performance.now();
      if (mode === 'transactional') {
        const txn = await producer.transaction();
        await txn.send({ topic, messages });
        await txn.commit();
      } else {
        await producer.send({ topic, acks: -1, messages });
      }
      cyclesMs.push(performance.now() - started);
    }
  } finally {
    await producer.disconnect();
  }
  checkCommitted(bootstrap, topic, cycles * perTxn);
  return row(client, mode, perTxn, cyclesMs);
}

async function confluentCase(bootstrap: string, perTxn: number, cycles: number): Promise<Row> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'txn-bench', logLevel: logLevel.NOTHING });
  const topic = await newTopic(kafka);
  const r = spawnSync(python3, [txnPy, bootstrap, 'txnbench', topic, String(perTxn), String(cycles), String(size)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`confluent-kafka txnbench failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const { cycles: seconds } = JSON.parse(r.stdout) as { cycles: number[] };
  checkCommitted(bootstrap, topic, cycles * perTxn);
  return row('confluent-kafka (librdkafka 2.0.2)', 'transactional', perTxn, seconds.map((s) => s * 1000));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-txn-'));
  const broker = await startBroker(join(dir, 'data'));
  const rows: Row[] = [];
  const log = (r: Row) => {
    rows.push(r);
    if (!opts.json) console.error(`  ${r.client} ${r.mode} ${r.perTxn}: ${r.recordsPerSecond.toLocaleString()} records/s`);
  };
  try {
    if (!opts.json) console.error(`records of ${size} bytes, ${partitions} partition(s)`);
    for (const { perTxn, txns } of CASES) {
      log(await kafkajsCase(broker.bootstrap, 'kafkajs 2.2.4', undefined, 'idempotent', perTxn, txns));
      log(await kafkajsCase(broker.bootstrap, 'kafkajs 2.2.4', undefined, 'transactional', perTxn, txns));
      log(await kafkajsCase(broker.bootstrap, 'kafkajs 2.2.4, retry.initialRetryTime 10', { initialRetryTime: 10, retries: 50 }, 'transactional', perTxn, txns));
      if (haveConfluent) log(await confluentCase(broker.bootstrap, perTxn, txns));
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.json) {
    console.log(JSON.stringify({ cases: CASES, recordBytes: size, partitions, rows }, null, 2));
    return;
  }
  const header = ['client', 'mode', 'records/txn', 'records', 'records/s', 'txns/s', 'cycle p50 / p99 ms'];
  const lines = rows.map((r) => [r.client, r.mode, r.perTxn.toLocaleString(), r.records.toLocaleString(), r.recordsPerSecond.toLocaleString(), String(r.txnsPerSecond), `${r.cycleMedianMs} / ${r.cycleP99Ms}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
