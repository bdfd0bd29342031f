// The coordinator on a real log: __consumer_offsets is created compacted on first write, records go to
// the group's partition, and a fresh coordinator on the reopened log rebuilds the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { GroupCoordinator } from '../../../../src/broker/group/coordinator.js';
import { OffsetsTopic } from '../../../../src/broker/group/offsets-topic.js';
import { ManualTimers } from '../../../../src/broker/group/timers.js';
import { decodeKey, partitionForGroup } from '../../../../src/broker/group/offsets-records.js';
import { decodeRecords, iterateBatches } from '../../../../src/protocol/record-batch.js';
import { tempDir } from '../../../helpers/broker.js';

const commit = (c: GroupCoordinator, groupId: string, topic: string, partition: number, offset: number, metadata = '') =>
  c.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic, partition, offset, leaderEpoch: 0, metadata }] });

test('offsets survive a reopen of the log; deleted groups and offsets stay deleted', async (t) => {
  const dir = tempDir(t);
  const logs = await LogManager.open(dir);
  const store = new OffsetsTopic(logs, 5);
  const c = new GroupCoordinator(store, new ManualTimers());
  assert.equal(await commit(c, 'g1', 'orders', 0, 10, 'first'), 0);
  assert.equal(await commit(c, 'g1', 'orders', 0, 12, 'second'), 0);
  assert.equal(await commit(c, 'g1', 'orders', 1, 3), 0);
  assert.equal(await commit(c, 'g2', 'orders', 0, 99), 0);
  assert.equal(await commit(c, 'gone', 'orders', 0, 1), 0);
  assert.deepEqual(await c.deleteGroups(['gone']), [{ groupId: 'gone', errorCode: 0 }]);
  assert.equal((await c.deleteOffsets('g1', [{ name: 'orders', partitions: [1] }])).errorCode, 0);

  const topic = logs.topic('__consumer_offsets')!;
  assert.equal(topic.isInternal, true);
  assert.equal(topic.partitions.length, 5);
  assert.deepEqual(topic.configs, { 'cleanup.policy': 'compact' });
  // Every record of g1 is in g1's partition, keyed as Kafka keys it.
  const p = topic.partitions[partitionForGroup('g1', 5)]!;
  const { records } = await p.read(0, 1 << 20, true);
  const keys = [...iterateBatches(records)].flatMap((b) => decodeRecords(b).records).map((r) => decodeKey(r.key!));
  assert.ok(keys.some((k) => k.type === 'offset' && k.group === 'g1' && k.topic === 'orders' && k.partition === 0));
  await logs.close();

  const reopened = await LogManager.open(dir);
  const store2 = new OffsetsTopic(reopened, 5);
  const c2 = new GroupCoordinator(store2, new ManualTimers());
  await c2.load((visit) => store2.readAll(visit));
  assert.deepEqual(c2.fetchOffsets('g1', null).topics, [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 12, committedLeaderEpoch: 0, metadata: 'second', errorCode: 0 }] }]);
  assert.equal(c2.fetchOffsets('g2', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset, 99);
  assert.equal(c2.group('gone'), undefined);
  assert.deepEqual(c2.list().groups.map((g) => g.groupId).sort(), ['g1', 'g2']);
  await reopened.close();
});
