// A group mixing our GroupConsumer with confluent-kafka (librdkafka) consumers, all on the range (or
// all on the roundrobin) assignor: whichever client leads, the partitions are split as Kafka's
// assignor of that name splits them (by member id), never owned twice, and every record is
// consumed; both hand over by committing in their revoke callbacks, so a partition continues where
// its previous owner stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool, startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { rangeAssignor, roundRobinAssignor } from '../../../src/client/assignors.js';
import { brokerConfig, diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python3, repoRoot, type CleanupContext } from '../../helpers/broker.js';
import { startTrackedMember, type LogEvent } from './tracked-member.js';

const TOPIC = 'mixed';
const ALL = [0, 1, 2, 3];

function spawnLibrdkafkaMember(t: CleanupContext, name: string, args: string[]): MemberProcess {
  const child = spawn(python3, ['-u', join(repoRoot, 'test', 'integration', 'client-group', 'py', 'librdkafka-member.py'), ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const m = new MemberProcess(name, child);
  t.after(() => m.kill9());
  return m;
}

/** The partitions a librdkafka member owns after the callbacks it reported. */
function ownedBy(m: MemberProcess): number[] {
  const set = new Set<number>();
  for (const e of m.events) {
    const parts = (e.partitions as number[] | undefined) ?? [];
    if (e.type === 'assign') {
      // Eager: each assign replaces the assignment.
      set.clear();
      for (const p of parts) set.add(p);
    }
    if (e.type === 'revoke' || e.type === 'lost') for (const p of parts) set.delete(p);
  }
  return [...set].sort((a, b) => a - b);
}

for (const [strategy, assignor] of [['range', rangeAssignor], ['roundrobin', roundRobinAssignor]] as const) {
  test(`our GroupConsumer and confluent-kafka consumers share a ${strategy} group: Kafka's ${strategy} split whoever leads, no overlap, nothing missed`, async (t) => {
    const GROUP = `mixed-${strategy}`;
    if (!requireTool(t, 'python:confluent_kafka')) return;
    const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
    const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'mixed-test' });
    t.after(() => client.close());
    await client.admin().createTopics([{ name: TOPIC, partitions: 4 }]);
    const producer = client.producer();
    let produced = 0;
    const produce = async (perPartition: number, tag: string) => {
      for (const p of ALL) await producer.send(TOPIC, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
      produced += perPartition * ALL.length;
    };
    const groups = new GroupAdmin(client.cluster);

    const log: LogEvent[] = [];
    const rdk: MemberProcess[] = [];
    const why = () => `${diagnostics(b, rdk)}\n--- ours ---\n${JSON.stringify(log.filter((e) => e.type !== 'batch'))}`;
    /** The group's split must be what Kafka's assignor of that name makes of its member ids. */
    const expectRangeSplit = async () => {
      const g = await groups.describeGroup(GROUP);
      assert.equal(g.protocol, strategy);
      const expected = assignor.assign(
        g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: [TOPIC], userData: null, ownedPartitions: [], generationId: -1, rackId: null })),
        new Map([[TOPIC, 4]]),
      );
      for (const m of g.members) assert.deepEqual(m.assignment[TOPIC] ?? [], expected.get(m.memberId)!.map((tp) => tp.partition), `${m.clientId}: ${JSON.stringify(g)}`);
      return g;
    };
    const splitBetween = (ours: number[], theirs: number[]) => ours.length === 2 && theirs.length === 2 && [...ours, ...theirs].sort().join() === ALL.join();

    await produce(100, 'first');
    // librdkafka joins first and leads.
    const p1 = spawnLibrdkafkaMember(t, 'p1', [b.bootstrap, TOPIC, GROUP, 'p1', strategy]);
    rdk.push(p1);
    await waitUntil('p1 to own all partitions', () => ownedBy(p1).length === 4, 30_000, why);
    const k = startTrackedMember(log, 'k', b.bootstrap, TOPIC, { groupId: GROUP, assignors: [strategy] });
    t.after(() => k.close());
    await Promise.all([produce(50, 'second'), waitUntil('k and p1 to split the partitions', () => splitBetween(k.owned(), ownedBy(p1)), 30_000, why)]);
    const g1 = await expectRangeSplit();
    assert.ok(g1.members.find((m) => m.clientId === 'rdk-p1'), 'p1 is in the group');

    // p1 leaves: k takes everything, and leads from now on.
    p1.command('close');
    assert.deepEqual(await p1.exited, { code: 0, signal: null }, why());
    await waitUntil('k to own all partitions', () => k.owned().length === 4, 30_000, why);

    // A new librdkafka member joins a group our client leads.
    const p2 = spawnLibrdkafkaMember(t, 'p2', [b.bootstrap, TOPIC, GROUP, 'p2', strategy]);
    rdk.push(p2);
    await Promise.all([produce(50, 'third'), waitUntil('k and p2 to split the partitions', () => splitBetween(k.owned(), ownedBy(p2)), 30_000, why)]);
    await expectRangeSplit();

    // Everything is consumed, and each offset by one member only.
    const consumed = () => {
      const seen = new Map<string, string[]>();
      const add = (p: number, o: number, who: string) => {
        const key = `${p}:${o}`;
        seen.set(key, [...(seen.get(key) ?? []), who]);
      };
      for (const e of log) if (e.type === 'batch') for (const o of e.offsets) add(e.partition, o, 'k');
      for (const m of rdk) for (const r of m.of('record')) add(r.p as number, r.o as number, m.name);
      return seen;
    };
    await waitUntil(`all ${produced} records to be consumed`, () => consumed().size >= produced, 30_000, why);
    p2.command('close');
    assert.deepEqual(await p2.exited, { code: 0, signal: null }, why());
    await k.close();
    const seen = consumed();
    assert.equal(seen.size, produced);
    const twice = [...seen].filter(([, who]) => who.length > 1);
    assert.deepEqual(twice, [], `records consumed more than once\n${why()}`);
    const offsets = await groups.fetchOffsets(GROUP, [{ topic: TOPIC, partitions: ALL }]);
    assert.deepEqual(offsets.map((o) => o.offset), [200, 200, 200, 200]);
  });
}
