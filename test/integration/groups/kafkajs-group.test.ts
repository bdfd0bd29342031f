// The first proof: kafkajs members (each its own process) share a 6-partition topic while a
// producer writes 60,000 keyed records; one member leaves (LeaveGroup), one crashes (SIGKILL, so only
// its session timeout removes it), then a new one joins. Within every generation the assignments are
// disjoint, no partition is ever processed by two members at once, and with commits after processing
// every produced record is processed at least once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { startBroker } from '../../helpers/broker.js';
import { brokerConfig, diagnostics, spawnKafkajsMember, waitUntil, type MemberEvent, type MemberProcess } from './members.js';

const TOPIC = 'orders';
const GROUP = 'orders-app';
const PARTITIONS = 6;
const BATCHES = 60;
const PER_BATCH = 1000;

interface Assignment {
  member: string;
  generation: number;
  partitions: number[];
}
interface Batch {
  member: string;
  generation: number;
  partition: number;
  first: number;
  last: number;
  count: number;
  values: string[];
  startedAt: number;
  endedAt: number;
}

const asAssignment = (e: MemberEvent) => e as unknown as Assignment;
const asBatch = (e: MemberEvent) => e as unknown as Batch;

function latestAssignment(m: MemberProcess): Assignment | undefined {
  const all = m.of('assignment');
  return all.length ? asAssignment(all[all.length - 1]!) : undefined;
}

/** The generation in which exactly these members hold all partitions between them, if they are there now. */
function settledOn(members: MemberProcess[]): number | undefined {
  const latest = members.map(latestAssignment);
  if (latest.some((a) => a === undefined)) return undefined;
  const gen = latest[0]!.generation;
  if (latest.some((a) => a!.generation !== gen)) return undefined;
  const all = latest.flatMap((a) => a!.partitions).sort((x, y) => x - y);
  return all.join() === Array.from({ length: PARTITIONS }, (_, i) => i).join() ? gen : undefined;
}

test('kafkajs group: members leave, crash and join while 60,000 records are produced; ownership is exclusive and nothing is lost', async (t) => {
  const config = brokerConfig(t, ['group.initial.rebalance.delay.ms=0']);
  const b = await startBroker(t, { config });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'group-proof', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

  const members = new Map<string, MemberProcess>();
  const spawnMember = (name: string) => {
    const m = spawnKafkajsMember(t, name, [b.bootstrap, TOPIC, GROUP, name, '6000', '500']);
    members.set(name, m);
    return m;
  };
  const why = () => diagnostics(b, members.values());
  const settle = async (names: string[], what: string) => {
    const ms = names.map((n) => members.get(n)!);
    await waitUntil(what, () => settledOn(ms) !== undefined, 40_000, why);
  };

  // The producer runs throughout, one batch of 1,000 keyed records every 100 ms, up to a limit each
  // phase raises: records keep arriving while members leave, crash and join, and each phase's last
  // records arrive after its rebalance, so every member that ends a phase gets some.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  t.after(() => producer.disconnect());
  let limit = 0;
  let sent = 0;
  let produceError: unknown;
  const pump = (async () => {
    while (sent < BATCHES) {
      if (sent >= limit) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const messages = Array.from({ length: PER_BATCH }, (_, j) => {
        const seq = sent * PER_BATCH + j;
        return { key: `customer-${seq % 997}`, value: String(seq) };
      });
      await producer.send({ topic: TOPIC, acks: -1, messages });
      sent++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })().catch((err: unknown) => (produceError = err));
  const produceUpTo = async (n: number) => {
    limit = n;
    await waitUntil(`${n} batches to be produced`, () => produceError !== undefined || sent >= n, 30_000, why);
    assert.equal(produceError, undefined);
  };

  for (const name of ['a', 'b', 'c']) spawnMember(name);
  await settle(['a', 'b', 'c'], 'a, b and c to share the six partitions');
  await produceUpTo(10);

  // a leaves cleanly (kafkajs disconnect: stop fetching, then LeaveGroup) while records keep coming.
  const a = members.get('a')!;
  limit = 20;
  a.child.kill('SIGTERM');
  await settle(['b', 'c'], 'b and c to take over after a left');
  assert.deepEqual(await a.exited, { code: 0, signal: null }, why());
  assert.equal(a.of('left').length, 1, why());
  await produceUpTo(25);

  // b crashes mid-stream: no LeaveGroup, so only the expiry of its 6 s session hands its partitions to c.
  limit = 40;
  await waitUntil('production to resume', () => sent >= 28, 10_000, why);
  const bMember = members.get('b')!;
  await bMember.kill9();
  await settle(['c'], "c to own everything once b's session expired");
  await produceUpTo(45);

  // A new member joins and takes its share.
  limit = 50;
  spawnMember('d');
  await settle(['c', 'd'], 'c and d to share the partitions');
  await produceUpTo(BATCHES);
  await pump;
  assert.equal(sent, BATCHES);

  const highs = new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]));
  assert.equal([...highs.values()].reduce((s, h) => s + h, 0), BATCHES * PER_BATCH);

  const batches = () => [...members.values()].flatMap((m) => m.of('batch').map(asBatch));
  const processedOffsets = () => {
    const seen = new Set<string>();
    for (const bt of batches()) for (let o = bt.first; o <= bt.last; o++) seen.add(`${bt.partition}:${o}`);
    return seen;
  };
  await waitUntil('every produced record to be processed', () => processedOffsets().size >= BATCHES * PER_BATCH, 40_000, why);

  // Commits after processing reach the end of every partition.
  await waitUntil(
    'the committed offsets to reach the end of every partition',
    async () => {
      const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions;
      return committed.every((p) => Number(p.offset) === highs.get(p.partition));
    },
    20_000,
    why,
  );

  const all = batches();
  // Every offset below the high watermark was processed, each offset always carried the same record,
  // and every produced record (by its sequence number) was seen: none lost.
  const valueAt = new Map<string, string>();
  for (const bt of all) {
    assert.equal(bt.count, bt.last - bt.first + 1, `member ${bt.member}: batch ${bt.partition}:${bt.first}-${bt.last} has ${bt.count} records`);
    bt.values.forEach((v, i) => {
      const key = `${bt.partition}:${bt.first + i}`;
      const before = valueAt.get(key);
      assert.ok(before === undefined || before === v, `offset ${key} was ${before} once and ${v} another time`);
      valueAt.set(key, v);
    });
  }
  const missing: string[] = [];
  for (const [p, high] of highs) for (let o = 0; o < high; o++) if (!valueAt.has(`${p}:${o}`)) missing.push(`${p}:${o}`);
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} offsets were never processed`);
  const seqs = new Set([...valueAt.values()].map(Number));
  assert.equal(seqs.size, BATCHES * PER_BATCH);
  for (let s = 0; s < BATCHES * PER_BATCH; s++) if (!seqs.has(s)) assert.fail(`record ${s} was produced but never processed`);

  // Within each generation the members' assignments are disjoint.
  const assignments = [...members.values()].flatMap((m) => m.of('assignment').map(asAssignment));
  const byGeneration = new Map<number, Assignment[]>();
  for (const as of assignments) byGeneration.set(as.generation, [...(byGeneration.get(as.generation) ?? []), as]);
  for (const [gen, list] of byGeneration) {
    const owners = new Map<number, string>();
    for (const as of list) {
      for (const p of as.partitions) {
        assert.ok(!owners.has(p), `generation ${gen}: partition ${p} assigned to ${owners.get(p)} and ${as.member}`);
        owners.set(p, as.member);
      }
    }
  }
  assert.ok(byGeneration.size >= 4, `expected at least four generations, saw ${[...byGeneration.keys()]}`);

  // A member processes only partitions of its assignment in the generation it processes them in,
  // and no two members process a partition in the same generation.
  const processors = new Map<string, Set<string>>();
  for (const bt of all) {
    const own = assignments.find((as) => as.member === bt.member && as.generation === bt.generation);
    assert.ok(own?.partitions.includes(bt.partition), `member ${bt.member} processed partition ${bt.partition} in generation ${bt.generation} with assignment ${JSON.stringify(own?.partitions)}`);
    const key = `${bt.generation}/${bt.partition}`;
    processors.set(key, (processors.get(key) ?? new Set()).add(bt.member));
  }
  for (const [key, who] of processors) assert.equal(who.size, 1, `generation/partition ${key} processed by ${[...who]}`);

  // Exclusive in time too: no batch of a partition starts before another member's batch of it ended.
  for (let p = 0; p < PARTITIONS; p++) {
    const ofP = all.filter((bt) => bt.partition === p).sort((x, y) => x.startedAt - y.startedAt);
    const lastEnd = new Map<string, number>();
    for (const bt of ofP) {
      for (const [other, end] of lastEnd) {
        if (other !== bt.member) assert.ok(bt.startedAt >= end, `partition ${p}: ${bt.member} started a batch at ${bt.startedAt} while ${other} processed until ${end}`);
      }
      lastEnd.set(bt.member, Math.max(lastEnd.get(bt.member) ?? 0, bt.endedAt));
    }
  }

  assert.ok(members.get('d')!.of('batch').length > 0, 'd processed nothing');
  const perMember = [...members.values()].map((m) => `${m.name}: ${m.of('batch').length}`).join(', ');
  const reprocessed = all.reduce((n, bt) => n + bt.count, 0) - valueAt.size;
  t.diagnostic(`generations ${[...byGeneration.keys()].sort((x, y) => x - y)}; batches per member ${perMember}; records processed twice ${reprocessed}`);

  const group = (await admin.describeGroups([GROUP])).groups[0]!;
  assert.equal(group.state, 'Stable');
  assert.deepEqual(group.members.map((m) => m.clientId).sort(), ['member-c', 'member-d']);
  for (const m of members.values()) assert.equal(m.of('crash').length, 0, m.describe());

  // c and d leave cleanly while the broker still runs.
  for (const name of ['c', 'd']) members.get(name)!.child.kill('SIGTERM');
  for (const name of ['c', 'd']) assert.deepEqual(await members.get(name)!.exited, { code: 0, signal: null }, why());
});
