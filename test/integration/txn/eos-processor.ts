// An exactly-once read-process-write processor built with kafkajs, run as its own process by the
// EOS test (so that a crash is a real SIGKILL). It consumes IN as a member of GROUP (read_committed,
// no auto-commit) and, for every CHUNK records of a partition, writes them to the same partition of
// OUT (value prefixed with `out:`) and commits the input position in the same transaction
// (sendOffsets). It reports JSON lines on stdout: `ready`, `assigned`, and `commit` (partition, next
// offset) after each committed transaction, `sent` once a transaction's records are acknowledged and
// `offsets` once its offsets are (so that the test can kill it at those points). On any error it exits with status 1 (fail fast: its
// supervisor, the test, starts it again; the new instance's InitProducerId fences and aborts what
// this one left open).
//
//   node eos-processor.js BOOTSTRAP IN OUT GROUP TRANSACTIONAL_ID NAME [CHUNK]
import { Kafka, logLevel, type Transaction } from 'kafkajs';

const [bootstrap, inTopic, outTopic, groupId, transactionalId, name, chunkArg] = process.argv.slice(2);
if (!bootstrap || !inTopic || !outTopic || !groupId || !transactionalId || !name) {
  console.error('usage: eos-processor.js BOOTSTRAP IN OUT GROUP TRANSACTIONAL_ID NAME [CHUNK]');
  process.exit(2);
}
const chunk = Number(chunkArg ?? 1000);

function report(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ member: name, at: Date.now(), ...event }) + '\n');
}

function die(where: string, err: unknown): never {
  const e = err as Error;
  report({ type: 'fatal', where, error: `${e?.name}: ${e?.message}` });
  process.stderr.write(`${where}: ${e?.stack ?? String(err)}\n`);
  process.exit(1);
}

const kafka = new Kafka({
  brokers: [bootstrap],
  clientId: `eos-${name}`,
  logLevel: logLevel.ERROR,
  // Retries cover CONCURRENT_TRANSACTIONS while the previous transaction's markers are written and
  // short outages; a longer one ends the process.
  retry: { retries: 6, initialRetryTime: 100, maxRetryTime: 2000 },
});

// The producer first: its InitProducerId completes or aborts whatever an earlier instance with this
// transactional id left open, before the consumer reads the group's committed offsets.
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 15_000 });
try {
  await producer.connect();
} catch (err) {
  die('producer.connect', err);
}

const consumer = kafka.consumer({
  groupId,
  readUncommitted: false,
  sessionTimeout: 3000,
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 200,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
});
consumer.on(consumer.events.GROUP_JOIN, (e) => report({ type: 'assigned', partitions: e.payload.memberAssignment[inTopic] ?? [] }));
consumer.on(consumer.events.CRASH, (e) => die('consumer crash', e.payload.error));

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  consumer
    .disconnect()
    .then(() => producer.disconnect())
    .then(() => report({ type: 'stopped' }))
    .finally(() => process.exit(0));
});

try {
  await consumer.connect();
  await consumer.subscribe({ topic: inTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const { partition, messages } = batch;
      for (let i = 0; i < messages.length; i += chunk) {
        if (!isRunning() || isStale() || stopping) return;
        const part = messages.slice(i, i + chunk);
        const next = String(Number(part[part.length - 1]!.offset) + 1);
        let txn: Transaction | undefined;
        try {
          txn = await producer.transaction();
          await txn.send({ topic: outTopic, messages: part.map((m) => ({ partition, key: m.key, value: `out:${m.value!.toString()}` })) });
          report({ type: 'sent', partition, offset: Number(next) });
          await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: inTopic, partitions: [{ partition, offset: next }] }] });
          report({ type: 'offsets', partition, offset: Number(next) });
          await txn.commit();
        } catch (err) {
          if (txn?.isActive()) await txn.abort().catch(() => undefined);
          die(`transaction at ${inTopic}-${partition}@${part[0]!.offset}`, err);
        }
        resolveOffset(part[part.length - 1]!.offset);
        report({ type: 'commit', partition, offset: Number(next), count: part.length });
        await heartbeat();
      }
    },
  });
  report({ type: 'ready' });
} catch (err) {
  die('consumer', err);
}
