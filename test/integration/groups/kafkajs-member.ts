// One kafkajs group member in its own process, driven by the group tests: it reports, as JSON lines
// on stdout, each assignment it receives (with the generation), each batch it processes (partition,
// offsets, values, wall-clock start/end) and each commit the broker acknowledged. SIGTERM makes it
// leave the group cleanly (LeaveGroup); SIGKILL is the crash.
//
//   node kafkajs-member.js BOOTSTRAP TOPIC GROUP NAME [SESSION_TIMEOUT_MS] [HEARTBEAT_MS]
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

const [bootstrap, topic, groupId, name, sessionArg, heartbeatArg] = process.argv.slice(2);
if (!bootstrap || !topic || !groupId || !name) {
  console.error('usage: kafkajs-member.js BOOTSTRAP TOPIC GROUP NAME [SESSION_TIMEOUT_MS] [HEARTBEAT_MS]');
  process.exit(2);
}

function report(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ member: name, ...event }) + '\n');
}

let generation = -1;
let memberId = '';

// kafkajs says which generation an assignment belongs to only in its debug log ('Received assignment');
// GROUP_JOIN carries the assignment without it.
const logCreator = () => (entry: LogEntry) => {
  const { log } = entry;
  if (log.message === 'Received assignment') {
    generation = Number(log.generationId);
    memberId = String(log.memberId);
    const partitions = ((log.memberAssignment as Record<string, number[]>)[topic] ?? []).slice().sort((a, b) => a - b);
    report({ type: 'assignment', generation, memberId, partitions, at: Date.now() });
  } else if (entry.level <= logLevel.WARN) {
    process.stderr.write(`${entry.label} ${entry.namespace} ${log.message} ${JSON.stringify(log)}\n`);
  }
};

const kafka = new Kafka({ brokers: [bootstrap], clientId: `member-${name}`, logLevel: logLevel.DEBUG, logCreator });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: Number(sessionArg ?? 6000),
  heartbeatInterval: Number(heartbeatArg ?? 500),
  rebalanceTimeout: 20_000,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  report({ type: 'join', memberId: e.payload.memberId, partitions: e.payload.memberAssignment[topic] ?? [], at: Date.now() });
});
consumer.on(consumer.events.CRASH, (e) => report({ type: 'crash', error: String(e.payload.error), restart: e.payload.restart }));

let leaving = false;
process.on('SIGTERM', () => {
  if (leaving) return;
  leaving = true;
  consumer
    .disconnect()
    .then(() => report({ type: 'left', at: Date.now() }))
    .finally(() => process.exit(0));
});

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch, heartbeat }) => {
    if (batch.messages.length === 0) return;
    const startedAt = Date.now();
    const gen = generation;
    const values = batch.messages.map((m) => m.value!.toString());
    const first = Number(batch.messages[0]!.offset);
    const last = Number(batch.messages[batch.messages.length - 1]!.offset);
    report({ type: 'batch', generation: gen, partition: batch.partition, first, last, count: values.length, values, startedAt, endedAt: Date.now() });
    // Commit after processing: what was reported is what the group may skip from now on.
    await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(last + 1) }]);
    report({ type: 'commit', generation: gen, partition: batch.partition, offset: last + 1 });
    await heartbeat();
  },
});
report({ type: 'running', at: Date.now() });
