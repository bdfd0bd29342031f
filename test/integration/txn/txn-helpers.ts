// Helpers shared by the transaction proofs: the python client script, topic creation and
// whole-topic reads by clients nobody here wrote (kcat, confluent-kafka), per partition in offset order.
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { python3, repoRoot, run, type Broker, type RunOptions } from '../../helpers/broker.js';

/** Python scripts are not compiled: always from the sources. */
export const txnPy = join(repoRoot, 'test', 'integration', 'txn', 'py', 'confluent-txn.py');

/** Runs a confluent-txn.py command and parses the JSON it prints; failures carry its stderr and the broker's output. */
export async function confluentTxn<T>(b: Broker, args: string[], opts: RunOptions = {}): Promise<T> {
  const res = await run(python3, [txnPy, b.bootstrap, ...args], { broker: b, timeoutMs: 90_000, ...opts });
  try {
    return JSON.parse(res.stdout) as T;
  } catch (err) {
    throw new Error(`confluent-txn.py ${args.join(' ')} did not print JSON (${(err as Error).message})\n--- stdout ---\n${res.stdout}\n--- stderr ---\n${res.stderr}\n--- broker output ---\n${b.output()}`);
  }
}

export type Isolation = 'read_committed' | 'read_uncommitted';

/** partition → [offset, value][] in offset order. */
export type TopicRecords = Record<string, [number, string][]>;

/** Every partition from the beginning to its end for this isolation level, read by confluent-kafka. */
export async function confluentRead(b: Broker, topic: string, isolation: Isolation): Promise<TopicRecords> {
  return (await confluentTxn<{ partitions: TopicRecords }>(b, ['read', topic, isolation])).partitions;
}

/** The same read by kcat: partition → values in offset order. */
export async function kcatRead(b: Broker, topic: string, isolation: Isolation, timeoutMs = 60_000): Promise<Map<number, string[]>> {
  const { stdout } = await run('kcat', ['-C', '-b', b.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %s\\n', '-X', `isolation.level=${isolation}`, '-X', 'fetch.max.bytes=16777216'], { broker: b, timeoutMs });
  const byPartition = new Map<number, string[]>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const p = Number(line.slice(0, space));
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(line.slice(space + 1));
  }
  return byPartition;
}

export function allValues(records: TopicRecords | Map<number, string[]>): string[] {
  const lists = records instanceof Map ? [...records.values()] : Object.values(records).map((r) => r.map(([, v]) => v));
  return lists.flat().sort();
}

export async function createTopics(b: Broker, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = new Kafka({ brokers: [b.bootstrap], clientId: 'txn-test-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export const range = (n: number, f: (i: number) => string, from = 0): string[] => Array.from({ length: n }, (_, i) => f(from + i));

/**
 * Reads until at least `count` values are visible (or the deadline passes) and returns the last read.
 * EndTxn answers once a transaction is decided; as in Kafka its markers follow, so right after a
 * commit a read_committed reader may still stop before it.
 */
export async function readAtLeast<R extends TopicRecords | Map<number, string[]>>(count: number, read: () => Promise<R>, timeoutMs = 20_000): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await read();
    if (allValues(r).length >= count || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}
