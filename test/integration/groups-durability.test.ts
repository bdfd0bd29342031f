// Consumer groups with clients nobody here wrote: confluent-kafka's cooperative-sticky (incremental)
// rebalancing, and committed offsets plus group metadata surviving kill -9 of the broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { python3, repoRoot, requireTool, run, startBroker, tempDir } from '../helpers/broker.js';

const script = join(repoRoot, 'test', 'integration', 'groups-py', 'cooperative.py');

function fastGroups(t: Parameters<typeof tempDir>[0]): string {
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  return config;
}

test('confluent-kafka cooperative-sticky: a joining member takes partitions without a full revoke; a leaving one hands them back', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka') || !requireTool(t, 'kcat')) return;
  const b = await startBroker(t, { config: fastGroups(t) });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'coop', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'coop', numPartitions: 4 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (let p = 0; p < 4; p++) await producer.send({ topic: 'coop', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ partition: p, value: `p${p}-${i}` })) });
  await producer.disconnect();

  const res = await run(python3, [script, b.bootstrap, 'coop', 'coop-group'], { timeoutMs: 120_000, broker: b });
  const out = JSON.parse(res.stdout) as {
    ok: boolean[];
    before: Record<string, number[]>;
    during: { member: string; kind: string; partitions: number[] }[];
    afterJoin: Record<string, number[]>;
    afterLeave: Record<string, number[]>;
    consumed: number;
    duplicates: number;
    committed: Record<string, number>;
    commitErrors: string[];
  };
  assert.deepEqual(out.ok, [true, true, true], JSON.stringify(out));
  // Two members split four partitions, then three; then two again.
  assert.deepEqual([...out.before.a!, ...out.before.b!].sort(), [0, 1, 2, 3]);
  assert.deepEqual([...out.afterJoin.a!, ...out.afterJoin.b!, ...out.afterJoin.c!].sort(), [0, 1, 2, 3]);
  assert.ok(out.afterJoin.c!.length > 0);
  assert.deepEqual([...out.afterLeave.a!, ...out.afterLeave.b!].sort(), [0, 1, 2, 3]);
  // Incremental: when c joined, a and b revoked only what moved to c, and kept the rest.
  const revoked = out.during.filter((e) => e.kind === 'revoke' && e.member !== 'c').flatMap((e) => e.partitions);
  assert.deepEqual([...revoked].sort(), [...out.afterJoin.c!].sort(), JSON.stringify(out.during));
  for (const m of ['a', 'b']) for (const p of out.afterJoin[m]!) assert.ok(out.before[m]!.includes(p), `${m} gained ${p} while c joined`);
  // Everything was consumed, and the commits reached the end of every partition.
  assert.equal(out.consumed, 400);
  assert.deepEqual(out.committed, { 0: 100, 1: 100, 2: 100, 3: 100 });
  // The only commit failures allowed are the fencing answers a rebalance produces.
  for (const e of out.commitErrors) assert.ok(['ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID'].includes(e), e);
});

test('committed offsets and group metadata survive kill -9 of the broker', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t, { config: fastGroups(t) });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kill9', logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'k9', numPartitions: 3 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (let p = 0; p < 3; p++) await producer.send({ topic: 'k9', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ partition: p, value: `${p}-${i}` })) });
  await producer.disconnect();
  await admin.disconnect();

  // kcat (librdkafka) joins, consumes 90 of the 150 records, and commits what it consumed.
  await run('kcat', ['-b', b.bootstrap, '-G', 'survivor', 'k9', '-o', 'beginning', '-c', '90', '-q', '-X', 'auto.commit.interval.ms=100'], { timeoutMs: 60_000, broker: b });
  const before = kafka.admin();
  await before.connect();
  const committed = (await before.fetchOffsets({ groupId: 'survivor', topics: ['k9'] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
  await before.disconnect();
  // -1: nothing committed for that partition (kcat may not have read it at all).
  const total = committed.reduce((n, [, o]) => n + Math.max(0, Number(o)), 0);
  assert.equal(total, 90, JSON.stringify(committed));

  await b.kill9();
  await b.restart();

  const after = kafka.admin();
  await after.connect();
  t.after(() => after.disconnect());
  assert.deepEqual((await after.fetchOffsets({ groupId: 'survivor', topics: ['k9'] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), committed);
  const described = (await after.describeGroups(['survivor'])).groups[0]!;
  assert.equal(described.protocolType, 'consumer');
  assert.equal(described.state, 'Empty');
  assert.ok((await after.listGroups()).groups.some((g) => g.groupId === 'survivor'));

  // A new member resumes exactly where the group left off: the remaining records, none committed again.
  const remaining = 150 - total;
  // (auto.offset.reset only applies to partitions without a committed offset; kcat's -o would override.)
  const rest = await run('kcat', ['-b', b.bootstrap, '-G', 'survivor', 'k9', '-X', 'auto.offset.reset=earliest', '-c', String(remaining), '-q', '-f', '%p:%o\n'], { timeoutMs: 60_000, broker: b });
  const seen = rest.stdout.trim().split('\n');
  assert.equal(seen.length, remaining);
  for (const line of seen) {
    const [p, o] = line.split(':').map(Number) as [number, number];
    const c = Math.max(0, Number(committed.find(([cp]) => cp === p)![1]));
    assert.ok(o >= c, `offset ${p}:${o} was already committed (${c})`);
  }
});
