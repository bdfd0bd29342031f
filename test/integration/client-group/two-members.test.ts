// Two of our GroupConsumers in one group on a 4-partition topic, used as a stream job uses them:
// process a batch, commit after processing, commit in onPartitionsRevoked to hand a partition over.
// They split the partitions 2/2; closing one moves its partitions to the other; every record is
// handled exactly once across the two; no partition ever has two owners; callbacks come in order.
// Then new partitions of the topic are noticed (metadata refresh) and assigned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { brokerConfig, waitUntil } from '../groups/members.js';
import { checkHandovers, ownership, startTrackedMember, type LogEvent } from './tracked-member.js';

const TOPIC = 'orders';
const GROUP = 'orders-job';

test('two GroupConsumers split 4 partitions 2/2, hand over on close, and consume every record exactly once', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'two-members-test' });
  t.after(() => client.close());
  const admin = client.admin();
  await admin.createTopics([{ name: TOPIC, partitions: 4 }]);
  const producer = client.producer();
  let produced = 0;
  const produce = async (perPartition: number, tag: string) => {
    for (let p = 0; p < 4; p++) {
      await producer.send(TOPIC, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
    }
    produced += perPartition * 4;
  };

  const log: LogEvent[] = [];
  const why = () => `${JSON.stringify(log.filter((e) => e.type !== 'batch'), null, 0)}\n--- broker ---\n${b.output().slice(-6000)}`;
  const options = { groupId: GROUP, metadataMaxAgeMs: 1000 };

  await produce(50, 'first');
  const a = startTrackedMember(log, 'a', b.bootstrap, TOPIC, options);
  t.after(() => a.close());
  await waitUntil('a to own all four partitions', () => a.owned().length === 4, 20_000, why);

  const c = startTrackedMember(log, 'c', b.bootstrap, TOPIC, options);
  t.after(() => c.close());
  await Promise.all([produce(50, 'second'), waitUntil('a and c to own two partitions each', () => a.owned().length === 2 && c.owned().length === 2, 20_000, why)]);
  assert.deepEqual([...a.owned(), ...c.owned()].sort(), [0, 1, 2, 3]);

  // Range over the two member ids, as Kafka's RangeAssignor would do it.
  const described = await new GroupAdmin(client.cluster).describeGroup(GROUP);
  assert.equal(described.state, 'Stable');
  assert.equal(described.protocol, 'range');
  const first = [a, c].sort((x, y) => (x.consumer.groupMetadata().memberId < y.consumer.groupMetadata().memberId ? -1 : 1))[0]!;
  assert.deepEqual(first.owned(), [0, 1], why());
  for (const m of [a, c]) {
    const meta = m.consumer.groupMetadata();
    assert.equal(meta.groupId, GROUP);
    assert.equal(meta.groupInstanceId, null);
    assert.ok(described.members.some((d) => d.memberId === meta.memberId && d.assignment[TOPIC]!.join() === m.owned().join()), `${m.name}: ${JSON.stringify(described)}`);
  }
  assert.equal(a.consumer.groupMetadata().generationId, c.consumer.groupMetadata().generationId);

  // a leaves: its partitions move to c after a revoked (and committed) them.
  await a.close();
  await waitUntil('c to own all four partitions', () => c.owned().length === 4, 20_000, why);
  await produce(25, 'third');

  const handled = () => log.filter((e): e is Extract<LogEvent, { type: 'batch' }> => e.type === 'batch');
  await waitUntil(`all ${produced} records to be handled`, () => handled().reduce((n, e) => n + e.offsets.length, 0) >= produced, 20_000, why);

  // New partitions are picked up by the periodic metadata check, and assigned from their start.
  await admin.createPartitions(TOPIC, 6);
  await waitUntil('c to own the new partitions', () => c.owned().length === 6, 20_000, why);
  await producer.send(TOPIC, Array.from({ length: 5 }, (_, i) => ({ partition: 5, value: `fourth-5-${i}` })));
  produced += 5;
  await waitUntil(`all ${produced} records to be handled`, () => handled().reduce((n, e) => n + e.offsets.length, 0) >= produced, 20_000, why);
  await c.close();

  // Exactly once: every offset of every partition once, across both members.
  const seen = new Map<string, string>();
  for (const e of handled()) {
    e.offsets.forEach((o, i) => {
      const k = `${e.partition}:${o}`;
      assert.ok(!seen.has(k), `offset ${k} handled twice (${seen.get(k)} and ${e.member})\n${why()}`);
      seen.set(k, e.member);
      assert.equal(e.values[i]!.split('-')[1], String(e.partition));
    });
  }
  assert.equal(seen.size, produced, why());
  assert.deepEqual(checkHandovers(log), [], why());
  assert.deepEqual(log.filter((e) => e.type === 'commit-failed' || e.type === 'lost'), []);

  // Callback order per member: assigned first; revoked and assigned alternate (eager); revoked last, then closed.
  for (const name of ['a', 'c']) {
    const seq = log.filter((e) => e.member === name && e.type !== 'batch').map((e) => e.type);
    assert.equal(seq[0], 'assigned', `${name}: ${seq}`);
    for (let i = 1; i < seq.length - 1; i++) assert.notEqual(seq[i], seq[i - 1], `${name}: ${seq}`);
    assert.deepEqual(seq.slice(-2), ['revoked', 'closed'], `${name}: ${seq}`);
  }
  // a's revocations happened before c was assigned a's partitions in the next generation.
  const aRevoke = log.findIndex((e) => e.member === 'a' && e.type === 'revoked' && e.partitions.length === 2);
  const cTakes = log.findIndex((e, i) => i > aRevoke && e.member === 'c' && e.type === 'assigned' && e.partitions.length === 4);
  assert.ok(aRevoke >= 0 && cTakes > aRevoke, why());

  // Committed offsets are the log-end offsets, and the group is empty after both left.
  const offsets = await new GroupAdmin(client.cluster).fetchOffsets(GROUP, [{ topic: TOPIC, partitions: [0, 1, 2, 3, 4, 5] }]);
  assert.deepEqual(offsets.map((o) => o.offset), [125, 125, 125, 125, 0, 5]);
  assert.equal((await new GroupAdmin(client.cluster).describeGroup(GROUP)).state, 'Empty');
  assert.ok(ownership(log).get('c')!.size === 0);
});
