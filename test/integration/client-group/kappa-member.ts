// One of our GroupConsumers in its own process (so a crash is a real SIGKILL: no LeaveGroup, no
// final commit), driven by the client-group tests. Reports JSON lines on stdout: assigned / revoked /
// lost (partitions, generation), batch (partition, offsets, values), commit, commit_failed, fatal, closed.
// Commits after each batch and in onPartitionsRevoked. `close` on stdin (or SIGTERM) closes it.
//
//   node kappa-member.js BOOTSTRAP TOPIC GROUP NAME [OPTIONS_JSON]
// OPTIONS_JSON is merged into the GroupConsumerOptions (e.g. {"groupInstanceId":"i1"}).
import { createInterface } from 'node:readline';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { CommitFailedError } from '../../../src/client/group-consumer.js';

const [bootstrap, topic, groupId, name, optionsJson] = process.argv.slice(2);
if (!bootstrap || !topic || !groupId || !name) {
  console.error('usage: kappa-member.js BOOTSTRAP TOPIC GROUP NAME [OPTIONS_JSON]');
  process.exit(2);
}

function report(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ member: name, at: Date.now(), ...event }) + '\n');
}

const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: `kappa-${name}` });
const consumer = client.groupConsumer({
  groupId,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 300,
  fromBeginning: true,
  maxWaitMs: 200,
  log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  ...(optionsJson ? JSON.parse(optionsJson) : {}),
});
const generation = () => consumer.groupMetadata().generationId;
const commit = async () => {
  try {
    await consumer.commit();
    report({ type: 'commit', offsets: Object.fromEntries(consumer.assignment().map((tp) => [tp.partition, consumer.position(tp.topic, tp.partition)])) });
  } catch (err) {
    if (!(err instanceof CommitFailedError)) throw err;
    report({ type: 'commit_failed', reason: err.reason });
  }
};
consumer.subscribe([topic], {
  async onPartitionsRevoked(tps) {
    await commit();
    report({ type: 'revoked', partitions: tps.map((tp) => tp.partition), generation: generation() });
  },
  onPartitionsAssigned(tps) {
    report({ type: 'assigned', partitions: tps.map((tp) => tp.partition), generation: generation(), memberId: consumer.groupMetadata().memberId });
  },
  onPartitionsLost(tps) {
    report({ type: 'lost', partitions: tps.map((tp) => tp.partition), generation: generation() });
  },
});

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await consumer.close();
  await client.close();
  report({ type: 'closed' });
  process.exit(0);
}
process.on('SIGTERM', () => void close());
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'close') void close();
});

try {
  await consumer.run({
    async eachBatch(batch) {
      report({ type: 'batch', partition: batch.partition, offsets: batch.records.map((r) => r.offset), values: batch.records.map((r) => r.value!.toString()), generation: generation() });
      await commit();
    },
  });
} catch (err) {
  // A fatal group error (fenced static member): report it, close (onPartitionsLost, no LeaveGroup), exit 3.
  report({ type: 'fatal', code: (err as { code?: string }).code, message: (err as Error).message });
  await consumer.close();
  await client.close();
  report({ type: 'closed' });
  process.exit(3);
}
