// confluent-kafka consumers with cooperative-sticky assignment (KIP-429: incremental rebalancing on
// top of the classic JoinGroup/SyncGroup protocol), each in its own process: two members share a
// 4-partition topic, a third joins and takes partitions without the others giving up the rest, one
// leaves and only its partitions move; commits after processing; a member started later resumes
// exactly from the committed offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { requireTool, startBroker } from '../../helpers/broker.js';
import { brokerConfig, diagnostics, spawnPythonMember, waitUntil, type MemberEvent, type MemberProcess } from './members.js';

const TOPIC = 'coop';
const GROUP = 'coop-app';
const ALL = [0, 1, 2, 3];

interface Rec {
  p: number;
  o: number;
  v: string;
}

/** The partitions a member owns after the callbacks it reported. */
function owned(m: MemberProcess): number[] {
  const set = new Set<number>();
  for (const e of m.events) {
    const parts = (e.partitions as number[] | undefined) ?? [];
    if (e.type === 'assign') for (const p of parts) set.add(p);
    if (e.type === 'revoke' || e.type === 'lost') for (const p of parts) set.delete(p);
  }
  return [...set].sort((a, b) => a - b);
}

const since = (m: MemberProcess, mark: number, type: string) => m.events.slice(mark).filter((e: MemberEvent) => e.type === type).flatMap((e) => e.partitions as number[]);

/** The given members own every partition between them, each at least one, without overlap. */
function covers(members: MemberProcess[]): boolean {
  const sets = members.map(owned);
  return sets.every((s) => s.length > 0) && sets.flat().sort((a, b) => a - b).join() === ALL.join();
}

test('confluent-kafka cooperative-sticky: incremental rebalances as members join and leave; commits; a later member resumes from them', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'coop-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] });
  const producer = kafka.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const produce = async (perPartition: number, tag: string) => {
    for (const p of ALL) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
  };
  const committed = async () => {
    const parts = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions;
    return parts.map((p) => Number(p.offset)).join();
  };

  const members = new Map<string, MemberProcess>();
  const why = () => diagnostics(b, members.values());
  const spawn = (name: string) => {
    const m = spawnPythonMember(t, name, 'coop-member.py', [b.bootstrap, TOPIC, GROUP, name]);
    members.set(name, m);
    return m;
  };
  const records = () => [...members.values()].flatMap((m) => m.of('record') as unknown as Rec[]);
  const consumedUpTo = (end: number) => {
    const seen = new Set(records().map((r) => `${r.p}:${r.o}`));
    return ALL.every((p) => Array.from({ length: end }, (_, o) => seen.has(`${p}:${o}`)).every(Boolean));
  };
  const close = async (m: MemberProcess) => {
    m.command('close');
    assert.deepEqual(await m.exited, { code: 0, signal: null }, why());
    assert.equal(m.of('closed').length, 1, why());
  };

  await produce(100, 'first');
  const a = spawn('a');
  const bb = spawn('b');
  await waitUntil('a and b to share the four partitions', () => covers([a, bb]), 30_000, why);
  const before = { a: owned(a), b: owned(bb) };
  const marks = { a: a.events.length, b: bb.events.length };

  // c joins: a and b each revoke only what moves to c and keep the rest, never giving up everything.
  // (Records keep arriving meanwhile, so partitions move with processed-but-uncommitted records.)
  const c = spawn('c');
  await Promise.all([produce(50, 'second'), waitUntil('a, b and c to share the four partitions', () => covers([a, bb, c]), 30_000, why)]);
  const revoked = [...since(a, marks.a, 'revoke'), ...since(bb, marks.b, 'revoke')].sort();
  assert.deepEqual(revoked, owned(c), `a and b revoked ${revoked} while c got ${owned(c)}\n${why()}`);
  assert.ok(revoked.length < ALL.length, 'an incremental rebalance does not revoke everything');
  assert.deepEqual(owned(a), before.a.filter((p) => !revoked.includes(p)), why());
  assert.deepEqual(owned(bb), before.b.filter((p) => !revoked.includes(p)), why());
  assert.deepEqual([...since(a, marks.a, 'assign'), ...since(bb, marks.b, 'assign')], [], 'a and b gained nothing');
  assert.deepEqual([...since(a, marks.a, 'lost'), ...since(bb, marks.b, 'lost')], [], why());

  await waitUntil('all 600 records to be consumed', () => consumedUpTo(150), 30_000, why);

  // b leaves: only b's partitions move, to a and c, which revoke nothing.
  const beforeLeave = { a: owned(a), b: owned(bb), c: owned(c) };
  const marks2 = { a: a.events.length, c: c.events.length };
  await close(bb);
  await waitUntil('a and c to share the four partitions', () => covers([a, c]), 30_000, why);
  assert.deepEqual([...since(a, marks2.a, 'revoke'), ...since(c, marks2.c, 'revoke'), ...since(a, marks2.a, 'lost'), ...since(c, marks2.c, 'lost')], [], why());
  assert.deepEqual([...since(a, marks2.a, 'assign'), ...since(c, marks2.c, 'assign')].sort(), beforeLeave.b, why());
  assert.deepEqual(owned(a), [...beforeLeave.a, ...since(a, marks2.a, 'assign')].sort(), why());

  // Commits after processing reach the end of every partition; a and c leave.
  await waitUntil('the commits to reach offset 150 everywhere', async () => (await committed()) === '150,150,150,150', 20_000, why);
  await close(a);
  await close(c);
  t.diagnostic(`commit errors (fenced by rebalances, retried): ${JSON.stringify([...members.values()].flatMap((m) => m.of('commit_error')))}`);
  for (const m of members.values()) {
    for (const e of m.of('commit_error')) assert.ok(['ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID'].includes(e.error as string), `${m.name}: ${JSON.stringify(e)}`);
  }
  // Every record was consumed, and each offset always carried the same value.
  const valueAt = new Map<string, string>();
  for (const r of records()) {
    const before = valueAt.get(`${r.p}:${r.o}`);
    assert.ok(before === undefined || before === r.v, `offset ${r.p}:${r.o}: ${before} vs ${r.v}`);
    valueAt.set(`${r.p}:${r.o}`, r.v);
  }
  assert.equal(valueAt.size, 600);

  // A member started later resumes from the committed offsets: the new records only.
  await produce(25, 'third');
  const d = spawn('d');
  await waitUntil('d to consume the 100 new records', () => d.of('record').length >= 100, 30_000, why);
  const dRecords = d.of('record') as unknown as Rec[];
  for (const p of ALL) assert.equal(dRecords.find((r) => r.p === p)?.o, 150, `d's first offset of partition ${p}\n${why()}`);
  assert.ok(dRecords.every((r) => r.v.startsWith('third-')), why());
  assert.deepEqual(owned(d), ALL);
  await waitUntil("d's commits", async () => (await committed()) === '175,175,175,175', 20_000, why);
  await close(d);
});
