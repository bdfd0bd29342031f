// The incremental (cooperative) protocol, KIP-429: two of our GroupConsumers with the
// cooperative-sticky assignor and a confluent-kafka (librdkafka) member with its own
// cooperative-sticky in one group. A member joining takes partitions without the others giving up
// the rest; a member leaving moves only its own partitions; a partition never has two owners; every
// record is consumed, each offset always with the same value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python3, repoRoot, requireTool, startBroker, type CleanupContext } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { brokerConfig, diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { checkHandovers, startTrackedMember, type LogEvent } from './tracked-member.js';

const TOPIC = 'incremental';
const GROUP = 'incremental-app';
const ALL = [0, 1, 2, 3, 4, 5];

function spawnLibrdkafkaMember(t: CleanupContext, name: string, args: string[]): MemberProcess {
  const child = spawn(python3, ['-u', join(repoRoot, 'test', 'integration', 'client-group', 'py', 'librdkafka-member.py'), ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const m = new MemberProcess(name, child);
  t.after(() => m.kill9());
  return m;
}

/** Incremental callbacks: assign adds, revoke and lost remove. */
function ownedBy(m: MemberProcess): number[] {
  const set = new Set<number>();
  for (const e of m.events) {
    const parts = (e.partitions as number[] | undefined) ?? [];
    if (e.type === 'assign') for (const p of parts) set.add(p);
    if (e.type === 'revoke' || e.type === 'lost') for (const p of parts) set.delete(p);
  }
  return [...set].sort((a, b) => a - b);
}

test('cooperative-sticky: our members and a librdkafka one rebalance incrementally, never owning a partition twice', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'coop-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: TOPIC, partitions: ALL.length }]);
  const producer = client.producer();
  let produced = 0;
  const produce = async (perPartition: number, tag: string) => {
    for (const p of ALL) await producer.send(TOPIC, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
    produced += perPartition * ALL.length;
  };

  const log: LogEvent[] = [];
  const rdk: MemberProcess[] = [];
  const why = () => `${diagnostics(b, rdk)}\n--- ours ---\n${JSON.stringify(log.filter((e) => e.type !== 'batch'))}`;
  const options = { groupId: GROUP, assignors: ['cooperative-sticky' as const] };
  const since = (mark: number, member: string, type: string) => log.slice(mark).filter((e) => e.member === member && e.type === type).flatMap((e) => ('partitions' in e ? e.partitions : []));
  const covers = (sets: number[][]) => sets.every((s) => s.length > 0) && sets.flat().sort((x, y) => x - y).join() === ALL.join();

  await produce(40, 'first');
  const a = startTrackedMember(log, 'a', b.bootstrap, TOPIC, options);
  t.after(() => a.close());
  await waitUntil('a to own everything', () => a.owned().length === 6, 20_000, why);
  const c = startTrackedMember(log, 'c', b.bootstrap, TOPIC, options);
  t.after(() => c.close());
  await waitUntil('a and c to split the partitions', () => covers([a.owned(), c.owned()]) && a.owned().length === 3, 20_000, why);
  // Incremental: a gave up only what c took, in a revocation of those alone.
  assert.deepEqual(since(0, 'a', 'revoked').sort(), c.owned(), why());
  assert.equal((await new GroupAdmin(client.cluster).describeGroup(GROUP)).protocol, 'cooperative-sticky');

  // librdkafka joins: each of a and c hands over one partition, keeping the rest.
  const before = { a: a.owned(), c: c.owned() };
  const mark = log.length;
  const r = spawnLibrdkafkaMember(t, 'r', [b.bootstrap, TOPIC, GROUP, 'r', 'cooperative-sticky']);
  rdk.push(r);
  await Promise.all([produce(20, 'second'), waitUntil('a, c and r to share the partitions', () => covers([a.owned(), c.owned(), ownedBy(r)]) && ownedBy(r).length === 2, 30_000, why)]);
  const revoked = [...since(mark, 'a', 'revoked'), ...since(mark, 'c', 'revoked')].sort((x, y) => x - y);
  assert.deepEqual(revoked, ownedBy(r), why());
  assert.deepEqual(a.owned(), before.a.filter((p) => !revoked.includes(p)), why());
  assert.deepEqual(c.owned(), before.c.filter((p) => !revoked.includes(p)), why());
  assert.deepEqual([...since(mark, 'a', 'assigned'), ...since(mark, 'c', 'assigned')], [], why());

  // a leaves: only its partitions move; c and r revoke nothing.
  const beforeLeave = { a: a.owned(), c: c.owned(), r: ownedBy(r) };
  const mark2 = log.length;
  const rMark = r.events.length;
  await a.close();
  await waitUntil('c and r to share the partitions', () => covers([c.owned(), ownedBy(r)]), 30_000, why);
  assert.deepEqual(since(mark2, 'c', 'revoked'), [], why());
  assert.deepEqual(r.events.slice(rMark).filter((e) => e.type === 'revoke' || e.type === 'lost'), [], why());
  const gained = [...since(mark2, 'c', 'assigned'), ...r.events.slice(rMark).filter((e) => e.type === 'assign').flatMap((e) => e.partitions as number[])].sort((x, y) => x - y);
  assert.deepEqual(gained, beforeLeave.a, why());
  assert.ok(beforeLeave.c.every((p) => c.owned().includes(p)) && beforeLeave.r.every((p) => ownedBy(r).includes(p)), why());

  await produce(10, 'third');
  const consumed = () => {
    const values = new Map<string, Set<string>>();
    const add = (p: number, o: number, v: string) => {
      const k = `${p}:${o}`;
      values.set(k, (values.get(k) ?? new Set()).add(v));
    };
    for (const e of log) if (e.type === 'batch') e.offsets.forEach((o, i) => add(e.partition, o, e.values[i]!));
    for (const rec of r.of('record')) add(rec.p as number, rec.o as number, rec.v as string);
    return values;
  };
  await waitUntil(`all ${produced} records to be consumed`, () => consumed().size === produced, 30_000, why);
  for (const [k, vs] of consumed()) assert.equal(vs.size, 1, `offset ${k} had values ${[...vs]}`);
  assert.deepEqual(checkHandovers(log), [], why());
  assert.deepEqual(log.filter((e) => e.type === 'lost'), [], why());
  r.command('close');
  assert.deepEqual(await r.exited, { code: 0, signal: null }, why());
  await c.close();
});
