// Idempotent producers of clients nobody here wrote survive a broker restart mid-stream without
// duplicates or gaps: kafkajs (`idempotent: true`) and confluent-kafka (`enable.idempotence`) write
// sequence-numbered values (value v to partition v % 3) while the broker is restarted (SIGTERM) or
// killed (kill -9) and started again. Requests in flight at that moment are retried with the same
// producer id, epoch and sequence numbers; the restarted broker rebuilds each producer's state from
// its snapshot or by scanning the log, answers a retried batch it already holds with the original
// offsets, and so every value is in the log exactly once, in order, per partition.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { python3, repoRoot, requireTool, startBroker, type Broker } from '../../helpers/broker.js';
import { diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { createTopics, kcatRead, txnPy } from './txn-helpers.js';

const PARTITIONS = 3;

/** Empty when partition p holds exactly p, p+3, p+6, … < total in offset order; otherwise what is wrong. */
export function sequenceProblems(byPartition: Map<number, string[]>, total: number, partitions: number): string[] {
  const problems: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const got = (byPartition.get(p) ?? []).map(Number);
    const expected = Math.floor((total - 1 - p) / partitions) + 1;
    const seen = new Set<number>();
    let previous = -1;
    for (let i = 0; i < got.length && problems.length < 20; i++) {
      const v = got[i]!;
      if (seen.has(v)) problems.push(`partition ${p}: ${v} again at position ${i}`);
      else if (v % partitions !== p || v >= total || Number.isNaN(v)) problems.push(`partition ${p}: unexpected value ${v} at position ${i}`);
      else if (v !== previous + partitions && !(previous === -1 && v === p)) problems.push(`partition ${p}: ${v} follows ${previous === -1 ? 'nothing' : previous} at position ${i}`);
      seen.add(v);
      previous = v;
    }
    if (got.length !== expected) problems.push(`partition ${p}: ${got.length} values, expected ${expected} (distinct ${seen.size})`);
  }
  return problems;
}

async function restartMidStream(b: Broker, how: 'restart' | 'kill -9'): Promise<void> {
  if (how === 'kill -9') await b.kill9();
  await b.restart();
}

async function verify(b: Broker, topic: string, total: number, context: () => string): Promise<void> {
  const read = await kcatRead(b, topic, 'read_uncommitted');
  const problems = sequenceProblems(read, total, PARTITIONS);
  assert.deepEqual(problems, [], `every value exactly once and in order per partition\n${context()}`);
}

for (const how of ['restart', 'kill -9'] as const) {
  test(`kafkajs idempotent producer: broker ${how} mid-stream, no duplicates or gaps`, { timeout: 180_000 }, async (t) => {
    if (!requireTool(t, 'kcat')) return;
    const b = await startBroker(t);
    const topic = 'idem-kafkajs';
    await createTopics(b, [{ topic, numPartitions: PARTITIONS }]);
    const TOTAL = 30_000;
    const CHUNK = 150;
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'idem-kafkajs', logLevel: logLevel.NOTHING });
    // idempotent: acks=-1, one request in flight, retries without limit (kafkajs' defaults for it).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let acked = 0;
    let ackedAtRestart = -1;
    const errors: string[] = [];
    const why = () => `acked ${acked} of ${TOTAL}, acked when the broker went down ${ackedAtRestart}, send errors: ${errors.join('; ')}\n--- broker output ---\n${b.output().slice(-8000)}`;
    const sending = (async () => {
      for (let base = 0; base < TOTAL; base += CHUNK) {
        const messages = Array.from({ length: Math.min(CHUNK, TOTAL - base) }, (_, i) => ({ partition: (base + i) % PARTITIONS, value: String(base + i) }));
        try {
          await producer.send({ topic, messages });
        } catch (err) {
          // Not retried by hand: a resend would carry new sequence numbers and could duplicate.
          errors.push(`${(err as Error).name}: ${(err as Error).message}`);
          throw err;
        }
        acked += messages.length;
      }
    })();
    try {
      await waitUntil(`a third of the values acknowledged`, () => acked >= TOTAL / 3 || errors.length > 0, 60_000, why);
      ackedAtRestart = acked;
      assert.ok(ackedAtRestart < TOTAL, `the restart must come mid-stream\n${why()}`);
      await restartMidStream(b, how);
      await sending;
    } finally {
      await sending.catch(() => undefined);
      await producer.disconnect();
    }
    assert.deepEqual(errors, [], why());
    await verify(b, topic, TOTAL, why);
  });

  test(`confluent-kafka enable.idempotence producer: broker ${how} mid-stream, no duplicates or gaps`, { timeout: 180_000 }, async (t) => {
    if (!requireTool(t, 'kcat') || !requireTool(t, 'python:confluent_kafka')) return;
    const b = await startBroker(t);
    const topic = 'idem-confluent';
    await createTopics(b, [{ topic, numPartitions: PARTITIONS }]);
    const TOTAL = 60_000;
    const child = spawn(python3, ['-u', txnPy, b.bootstrap, 'idem', topic, String(PARTITIONS), String(TOTAL)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const producer = new MemberProcess('confluent-idempotent', child);
    t.after(() => producer.kill9());
    const why = () => diagnostics(b, [producer]);
    const acked = () => Math.max(0, ...producer.of('progress').map((e) => e.acked as number));
    await waitUntil('a quarter of the values acknowledged', () => acked() >= TOTAL / 4 || !producer.running, 60_000, why);
    assert.ok(acked() < TOTAL, `the restart must come mid-stream\n${why()}`);
    await restartMidStream(b, how);
    await waitUntil('the producer to finish', () => !producer.running, 150_000, why);
    assert.deepEqual(await producer.exited, { code: 0, signal: null }, why());
    const done = producer.of('done')[0];
    assert.ok(done, why());
    assert.equal(done.acked, TOTAL, `every value acknowledged\n${why()}`);
    assert.equal(done.error_count, 0, `no delivery errors\n${why()}`);
    const clientErrors = done.client_errors as { name: string; fatal: boolean }[];
    assert.ok(clientErrors.every((e) => !e.fatal), `no fatal error\n${why()}`);
    // The producer was connected when the broker went away: the restart really came mid-stream.
    assert.ok(clientErrors.some((e) => e.name === '_TRANSPORT'), `librdkafka saw the disconnection\n${why()}`);
    await verify(b, topic, TOTAL, why);
  });
}
