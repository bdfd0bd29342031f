import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { batchesIn, buildBatch, defer, tempDir } from './batch-helper.js';

test('topics are created, persisted and reopened with their data and configs', async (t) => {
  const dir = tempDir(t);
  const m = await LogManager.open(dir, { retentionMs: 1000 });
  const info = await m.createTopic('orders', 3, { 'retention.ms': '5000', 'cleanup.policy': 'delete' });
  assert.equal(info.partitions.length, 3);
  assert.match(info.topicId, /^[0-9a-f-]{36}$/);
  assert.equal(m.partition('orders', 2)!.logEndOffset, 0);
  assert.equal(m.logConfigOf('orders')!.retentionMs, 5000);
  await m.partition('orders', 1)!.append(buildBatch({ records: 4 }), { durable: true, recordCount: 4 });
  await m.createTopic('__consumer_offsets', 1, {});
  await assert.rejects(m.createTopic('orders', 1, {}), { code: 'TOPIC_ALREADY_EXISTS' });
  await m.close();
  assert.ok(existsSync(join(dir, 'orders-0')) && existsSync(join(dir, 'orders-2')));

  const again = await LogManager.open(dir, { retentionMs: 1000 });
  defer(t, () => again.close());
  assert.deepEqual(again.topics().map((x) => x.name).sort(), ['__consumer_offsets', 'orders']);
  const orders = again.topic('orders')!;
  assert.equal(orders.topicId, info.topicId);
  assert.deepEqual(orders.configs, { 'retention.ms': '5000', 'cleanup.policy': 'delete' });
  assert.equal(orders.isInternal, false);
  assert.equal(again.topic('__consumer_offsets')!.isInternal, true);
  assert.equal(again.partition('orders', 1)!.logEndOffset, 4);
  assert.equal(batchesIn((await again.partition('orders', 1)!.read(2, 100, true)).records)[0]!.baseOffset, 0);
});

test('alterTopicConfigs validates, persists, and reaches the partitions', async (t) => {
  const dir = tempDir(t);
  const m = await LogManager.open(dir, {});
  await m.createTopic('t', 1, {});
  await assert.rejects(m.alterTopicConfigs('t', { 'retention.ms': 'soon' }), { code: 'INVALID_CONFIG' });
  await assert.rejects(m.alterTopicConfigs('t', { 'no.such.config': '1' }), { code: 'INVALID_CONFIG' });
  await m.alterTopicConfigs('t', { 'message.timestamp.type': 'LogAppendTime', 'segment.bytes': '2000' });
  assert.equal(m.partition('t', 0)!.currentConfig.messageTimestampType, 'LogAppendTime');
  await m.alterTopicConfigs('t', { 'segment.bytes': null });
  assert.equal(m.partition('t', 0)!.currentConfig.segmentBytes, 1073741824);
  await m.close();
  const again = await LogManager.open(dir, {});
  defer(t, () => again.close());
  assert.deepEqual(again.topic('t')!.configs, { 'message.timestamp.type': 'LogAppendTime' });
  assert.equal(again.partition('t', 0)!.currentConfig.messageTimestampType, 'LogAppendTime');
});

test('createPartitions adds partitions and persists the count', async (t) => {
  const dir = tempDir(t);
  const m = await LogManager.open(dir, {});
  await m.createTopic('p', 2, {});
  await assert.rejects(m.createPartitions('p', 2), { code: 'INVALID_PARTITIONS' });
  await assert.rejects(m.createPartitions('nope', 3), { code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  await m.createPartitions('p', 5);
  assert.equal(m.topic('p')!.partitions.length, 5);
  await m.partition('p', 4)!.append(buildBatch(), { durable: false, recordCount: 1 });
  await m.close();
  const again = await LogManager.open(dir, {});
  defer(t, () => again.close());
  assert.equal(again.topic('p')!.partitions.length, 5);
  assert.equal(again.partition('p', 4)!.logEndOffset, 1);
});

test('deleteTopic removes data and metadata; orphan directories are cleaned on open', async (t) => {
  const dir = tempDir(t);
  const m = await LogManager.open(dir, {});
  await m.createTopic('gone', 2, {});
  await m.createTopic('kept', 1, {});
  await m.partition('gone', 0)!.append(buildBatch(), { durable: false, recordCount: 1 });
  await m.deleteTopic('gone');
  assert.equal(m.topic('gone'), undefined);
  assert.ok(!existsSync(join(dir, 'gone-0')));
  await assert.rejects(m.deleteTopic('gone'), { code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  // Recreating gives a new, empty topic.
  const re = await m.createTopic('gone', 1, {});
  assert.equal(re.partitions[0]!.logEndOffset, 0);
  await m.close();
  mkdirSync(join(dir, 'orphan-0'));
  mkdirSync(join(dir, 'kept-7'));
  const again = await LogManager.open(dir, {});
  defer(t, () => again.close());
  assert.ok(!existsSync(join(dir, 'orphan-0')) && !existsSync(join(dir, 'kept-7')));
  assert.deepEqual(readdirSync(dir).sort(), ['@meta', 'gone-0', 'kept-0']);
});

test('topic names are validated as Kafka does', async (t) => {
  const m = await LogManager.open(tempDir(t), {});
  defer(t, () => m.close());
  for (const bad of ['', '.', '..', 'a/b', 'has space', 'ü', 'x'.repeat(250), '@meta']) {
    await assert.rejects(m.createTopic(bad, 1, {}), { code: 'INVALID_TOPIC_EXCEPTION' }, bad);
  }
  await m.createTopic('x'.repeat(249), 1, {});
  await m.createTopic('a.b_c-D9', 1, {});
  await assert.rejects(m.createTopic('zero', 0, {}), { code: 'INVALID_PARTITIONS' });
  await assert.rejects(m.createTopic('cfg', 1, { 'segment.bytes': '10' }), { code: 'INVALID_CONFIG' });
});

test('concurrent operations on one name are serialised: one creation wins, the rest see its outcome', async (t) => {
  const dir = tempDir(t);
  const m = await LogManager.open(dir, {});
  defer(t, () => m.close());
  // Two job instances starting together both create their changelog.
  const creations = await Promise.allSettled([m.createTopic('app-changelog', 4, {}), m.createTopic('app-changelog', 4, {}), m.createTopic('app-changelog', 4, {})]);
  assert.equal(creations.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of creations) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'TOPIC_ALREADY_EXISTS');
  assert.equal(m.topic('app-changelog')!.partitions.length, 4);

  const grows = await Promise.allSettled([m.createPartitions('app-changelog', 6), m.createPartitions('app-changelog', 6)]);
  assert.deepEqual(grows.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(m.topic('app-changelog')!.partitions.length, 6);

  const deletes = await Promise.allSettled([m.deleteTopic('app-changelog'), m.deleteTopic('app-changelog')]);
  assert.equal(deletes.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of deletes) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal(m.topic('app-changelog'), undefined);
});
