// A consume-transform-produce processor built only with Kappa's client, run as its own process by
// eos-kill.test.ts (so that a crash is a real SIGKILL). At start it initialises its transactional
// producer (which fences an earlier instance and aborts what it left open), then reads the group's
// committed offsets and consumes IN from there at read_committed. For every CHUNK records of a
// partition it writes them to the same partition of OUT (value prefixed with `out:`) and commits the
// next input offset in the same transaction. It reports JSON lines on stdout: `ready`, then `sent`
// (the chunk's records are acknowledged, transaction open), `offsets` (offsets sent, still open) and
// `commit` per transaction. Any error ends it with status 1; the test starts it again.
//
//   node eos-processor.js BOOTSTRAP IN OUT GROUP TRANSACTIONAL_ID NAME CHUNK PARTITIONS
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';

const [bootstrap, inTopic, outTopic, groupId, transactionalId, name, chunkArg, partitionsArg] = process.argv.slice(2);
if (!bootstrap || !inTopic || !outTopic || !groupId || !transactionalId || !name || !chunkArg || !partitionsArg) {
  console.error('usage: eos-processor.js BOOTSTRAP IN OUT GROUP TRANSACTIONAL_ID NAME CHUNK PARTITIONS');
  process.exit(2);
}
const chunk = Number(chunkArg);
const partitions = Array.from({ length: Number(partitionsArg) }, (_, i) => i);

function report(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ member: name, at: Date.now(), ...event }) + '\n');
}

function die(where: string, err: unknown): never {
  const e = err as Error;
  report({ type: 'fatal', where, error: `${e?.name}: ${e?.message}` });
  process.stderr.write(`${where}: ${e?.stack ?? String(err)}\n`);
  process.exit(1);
}

const kafka = new KafkaClient({ bootstrapServers: bootstrap, clientId: `eos-${name}` });
const producer = kafka.producer({ transactionalId, lingerMs: 1, transactionTimeoutMs: 10_000 });
try {
  // First: the previous instance's open transaction (records and offsets) is aborted before we read
  // the offsets, and a commit it had decided is complete.
  await producer.initTransactions();
} catch (err) {
  die('initTransactions', err);
}

let committed: { partition: number; offset: number }[];
try {
  committed = await new GroupAdmin(kafka.cluster).fetchOffsets(groupId, [{ topic: inTopic, partitions }]);
} catch (err) {
  die('fetchOffsets', err);
}
const consumer = kafka.consumer({ isolationLevel: 1, maxWaitMs: 100 });
consumer.assign(committed.map((o) => ({ topic: inTopic, partition: o.partition, offset: o.offset >= 0 ? o.offset : ('earliest' as const) })));
report({ type: 'ready', offsets: committed.map((o) => [o.partition, o.offset]) });

process.on('SIGTERM', () => {
  void consumer.close().then(() => kafka.close()).finally(() => process.exit(0));
});

try {
  for await (const batch of consumer.batches()) {
    const { partition, records } = batch;
    for (let i = 0; i < records.length; i += chunk) {
      const part = records.slice(i, i + chunk);
      const next = part[part.length - 1]!.offset + 1;
      producer.beginTransaction();
      await producer.send(outTopic, part.map((r) => ({ partition, key: r.key, value: `out:${r.value!.toString()}` })));
      report({ type: 'sent', partition, offset: next });
      await producer.sendOffsetsToTransaction([{ topic: inTopic, partition, offset: next }], { groupId });
      report({ type: 'offsets', partition, offset: next });
      await producer.commitTransaction();
      report({ type: 'commit', partition, offset: next });
    }
  }
} catch (err) {
  die('processing', err);
}
