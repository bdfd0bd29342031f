// Membership over time, with a GroupConsumer in a child process: killed with SIGKILL (no LeaveGroup)
// it is removed after its session timeout and its partitions go to the survivor, which resumes from
// the dead member's commits; a static member (group.instance.id) that restarts within its session
// timeout gets its partitions back without the group rebalancing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, startBroker, type CleanupContext } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { brokerConfig, diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { checkHandovers, startTrackedMember, type LogEvent } from './tracked-member.js';

const memberScript = join(dirname(fileURLToPath(import.meta.url)), 'kappa-member.js');
const ALL = [0, 1, 2, 3];

function spawnKappaMember(t: CleanupContext, name: string, args: string[]): MemberProcess {
  const child = spawn(process.execPath, [memberScript, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const m = new MemberProcess(name, child);
  t.after(() => m.kill9());
  return m;
}

/** What a child member owns after the callbacks it reported. */
function ownedBy(m: MemberProcess): number[] {
  const set = new Set<number>();
  for (const e of m.events) {
    const parts = (e.partitions as number[] | undefined) ?? [];
    if (e.type === 'assigned') for (const p of parts) set.add(p);
    if (e.type === 'revoked' || e.type === 'lost') for (const p of parts) set.delete(p);
  }
  return [...set].sort((a, b) => a - b);
}

async function setup(t: CleanupContext, topic: string) {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'membership-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: topic, partitions: 4 }]);
  const producer = client.producer();
  const produce = async (perPartition: number, tag: string) => {
    for (const p of ALL) await producer.send(topic, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
  };
  return { b, client, produce };
}

test('a member killed with SIGKILL is removed after its session timeout; the survivor takes over from its commits', async (t) => {
  const TOPIC = 'crashy';
  const GROUP = 'crashy-job';
  const { b, client, produce } = await setup(t, TOPIC);
  await produce(30, 'first');

  const log: LogEvent[] = [];
  const x = spawnKappaMember(t, 'x', [b.bootstrap, TOPIC, GROUP, 'x']);
  const why = () => `${diagnostics(b, [x])}\n--- y ---\n${JSON.stringify(log.filter((e) => e.type !== 'batch'))}`;
  await waitUntil('x to own all partitions', () => ownedBy(x).length === 4, 20_000, why);
  const y = startTrackedMember(log, 'y', b.bootstrap, TOPIC, { groupId: GROUP });
  t.after(() => y.close());
  await waitUntil('x and y to split the partitions', () => ownedBy(x).length === 2 && y.owned().length === 2, 20_000, why);
  await waitUntil('x to consume its partitions', () => x.of('batch').flatMap((e) => e.offsets as number[]).length >= 60 || x.of('commit').length > 4, 20_000, why);

  await x.kill9();
  const killedAt = Date.now();
  await produce(10, 'second');
  await waitUntil('y to own all partitions', () => y.owned().length === 4, 20_000, why);
  const tookOver = log.find((e) => e.type === 'assigned' && e.at >= killedAt)!.at - killedAt;
  // No LeaveGroup came: only the 6 s session timeout (less the last heartbeat's age) frees them.
  assert.ok(tookOver >= 5000, `y took over ${tookOver} ms after the kill\n${why()}`);
  assert.ok(tookOver < 15_000, `y took over ${tookOver} ms after the kill\n${why()}`);
  // y was not fenced meanwhile: it revoked (eager) and got everything, nothing lost.
  assert.deepEqual(log.filter((e) => e.type === 'lost' || e.type === 'commit-failed'), []);

  // Nothing is missed; only what x handled but had not committed when it died may come twice.
  const counts = new Map<string, number>();
  for (const e of x.of('batch')) for (const o of e.offsets as number[]) counts.set(`${e.partition}:${o}`, (counts.get(`${e.partition}:${o}`) ?? 0) + 1);
  await waitUntil('all 160 records to be consumed', () => {
    const all = new Set(counts.keys());
    for (const e of log) if (e.type === 'batch') for (const o of e.offsets) all.add(`${e.partition}:${o}`);
    return all.size === 160;
  }, 20_000, why);
  const committedByX = new Map<number, number>();
  for (const e of x.of('commit')) for (const [p, o] of Object.entries(e.offsets as Record<string, number>)) committedByX.set(Number(p), Math.max(committedByX.get(Number(p)) ?? 0, o));
  for (const e of log) {
    if (e.type !== 'batch') continue;
    for (const o of e.offsets) {
      if (!counts.has(`${e.partition}:${o}`)) continue;
      assert.ok(o >= (committedByX.get(e.partition) ?? 0), `y re-read ${e.partition}:${o}, which x had committed\n${why()}`);
    }
  }
  assert.deepEqual(checkHandovers(log), []);
  await y.close();
  const offsets = await new GroupAdmin(client.cluster).fetchOffsets(GROUP, [{ topic: TOPIC, partitions: ALL }]);
  assert.deepEqual(offsets.map((o) => o.offset), [40, 40, 40, 40]);
});

test('a static member that restarts within its session timeout gets its partitions back without a rebalance', async (t) => {
  const TOPIC = 'steady';
  const GROUP = 'steady-job';
  const { b, client, produce } = await setup(t, TOPIC);
  await produce(10, 'first');

  const log: LogEvent[] = [];
  const members: MemberProcess[] = [];
  const why = () => `${diagnostics(b, members)}\n--- y ---\n${JSON.stringify(log.filter((e) => e.type !== 'batch'))}`;
  const startStatic = (name: string) => {
    const m = spawnKappaMember(t, name, [b.bootstrap, TOPIC, GROUP, name, JSON.stringify({ groupInstanceId: 'instance-s' })]);
    members.push(m);
    return m;
  };
  const s1 = startStatic('s1');
  await waitUntil('s1 to own all partitions', () => ownedBy(s1).length === 4, 20_000, why);
  const y = startTrackedMember(log, 'y', b.bootstrap, TOPIC, { groupId: GROUP });
  t.after(() => y.close());
  await waitUntil('s1 and y to split the partitions', () => ownedBy(s1).length === 2 && y.owned().length === 2, 20_000, why);
  const before = ownedBy(s1);
  const generation = y.consumer.groupMetadata().generationId;
  const marks = log.length;

  // A static member's close sends no LeaveGroup: the group keeps its place for it.
  s1.command('close');
  assert.deepEqual(await s1.exited, { code: 0, signal: null }, why());
  assert.equal((await new GroupAdmin(client.cluster).describeGroup(GROUP)).members.length, 2);
  const s2 = startStatic('s2');
  await waitUntil('s2 to get s1\'s partitions', () => ownedBy(s2).length === 2, 20_000, why);
  assert.deepEqual(ownedBy(s2), before);
  assert.equal(s2.of('assigned')[0]!.generation, generation, `same generation: no rebalance\n${why()}`);
  await produce(10, 'second');
  await waitUntil('s2 to consume the new records', () => s2.of('batch').flatMap((e) => e.offsets as number[]).length >= 20, 20_000, why);
  assert.deepEqual(log.slice(marks).filter((e) => e.type !== 'batch'), [], 'y saw no rebalance');
  assert.equal(y.consumer.groupMetadata().generationId, generation);
  // s2 starts where s1 committed.
  const firstOffsets = Object.fromEntries(before.map((p) => [p, Math.min(...s2.of('batch').filter((e) => e.partition === p).flatMap((e) => e.offsets as number[]))]));
  assert.deepEqual(Object.values(firstOffsets), before.map(() => 10), why());
  s2.command('close');
  await s2.exited;
  await y.close();
});

test('a second process with the same group.instance.id fences the first: it stops with FENCED_INSTANCE_ID and reports its partitions lost', async (t) => {
  const TOPIC = 'fenced';
  const GROUP = 'fenced-job';
  const { b, produce } = await setup(t, TOPIC);
  await produce(5, 'first');
  const members: MemberProcess[] = [];
  const why = () => diagnostics(b, members);
  const start = (name: string) => {
    const m = spawnKappaMember(t, name, [b.bootstrap, TOPIC, GROUP, name, JSON.stringify({ groupInstanceId: 'the-one' })]);
    members.push(m);
    return m;
  };
  const first = start('first');
  await waitUntil('the first instance to own everything', () => ownedBy(first).length === 4, 20_000, why);
  const second = start('second');
  await waitUntil('the second instance to own everything', () => ownedBy(second).length === 4, 20_000, why);
  assert.deepEqual(await first.exited, { code: 3, signal: null }, why());
  assert.equal(first.of('fatal')[0]!.code, 'FENCED_INSTANCE_ID', why());
  // Fenced: its partitions are lost (someone else has them), not revoked with a commit.
  assert.deepEqual(first.of('lost').flatMap((e) => e.partitions as number[]), [0, 1, 2, 3], why());
  assert.equal(first.of('revoked').length, 0, why());
  second.command('close');
  assert.deepEqual(await second.exited, { code: 0, signal: null }, why());
});
