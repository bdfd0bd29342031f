import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG } from '../../../../src/broker/log/log-config.js';
import {
  BROKER_CONFIGS, TOPIC_CONFIGS, describeBrokerConfigs, describeTopicConfigs, toLogConfig, validateTopicConfigs,
} from '../../../../src/broker/log/topic-configs.js';

test('the catalogue covers the topic configs Kafka 3.x documents', () => {
  const names = new Set(TOPIC_CONFIGS.map((d) => d.name));
  for (const n of [
    'cleanup.policy', 'compression.type', 'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms',
    'follower.replication.throttled.replicas', 'index.interval.bytes', 'leader.replication.throttled.replicas',
    'local.retention.bytes', 'local.retention.ms', 'max.compaction.lag.ms', 'max.message.bytes',
    'message.downconversion.enable', 'message.timestamp.type', 'message.timestamp.after.max.ms',
    'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms', 'min.cleanable.dirty.ratio',
    'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate', 'remote.storage.enable', 'retention.bytes',
    'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
  ]) assert.ok(names.has(n), n);
  for (const d of TOPIC_CONFIGS) assert.ok(d.documentation.length > 10 && d.isSensitive === false, d.name);
  for (const n of ['log.dirs', 'num.partitions', 'auto.create.topics.enable', 'default.replication.factor', 'log.retention.ms', 'log.segment.bytes', 'message.max.bytes', 'broker.id']) {
    assert.ok(BROKER_CONFIGS.some((d) => d.name === n), n);
  }
});

test('the defaults agree with DEFAULT_LOG_CONFIG', () => {
  assert.deepEqual(toLogConfig({}), DEFAULT_LOG_CONFIG);
});

test('validation checks type, range and allowed values', () => {
  assert.equal(validateTopicConfigs({ 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.2' }), null);
  assert.equal(validateTopicConfigs({ 'retention.ms': '-2' })?.name, 'retention.ms');
  assert.equal(validateTopicConfigs({ 'segment.bytes': '3000000000' })?.name, 'segment.bytes');
  assert.equal(validateTopicConfigs({ 'cleanup.policy': 'shred' })?.name, 'cleanup.policy');
  assert.equal(validateTopicConfigs({ 'message.timestamp.type': 'Now' })?.name, 'message.timestamp.type');
  assert.equal(validateTopicConfigs({ preallocate: 'yes' })?.name, 'preallocate');
  assert.equal(validateTopicConfigs({ 'min.cleanable.dirty.ratio': '1.5' })?.name, 'min.cleanable.dirty.ratio');
  assert.match(validateTopicConfigs({ 'bogus.config': '1' })!.errorMessage, /Unknown/);
});

test('toLogConfig layers topic overrides over broker defaults', () => {
  const c = toLogConfig({ 'segment.bytes': '5000', 'flush.ms': '9223372036854775807' }, { segmentBytes: 7000, retentionMs: 1000 });
  assert.equal(c.segmentBytes, 5000);
  assert.equal(c.retentionMs, 1000);
  assert.equal(c.flushMs, Number.MAX_SAFE_INTEGER);
});

test('describe reports value, source and synonyms', () => {
  const topic = describeTopicConfigs({ 'retention.ms': '5000' }, { segmentBytes: 7000 });
  const r = topic.find((e) => e.name === 'retention.ms')!;
  assert.equal(r.value, '5000');
  assert.equal(r.configSource, 1);
  assert.deepEqual(r.synonyms.map((s) => s.name), ['retention.ms', 'log.retention.ms']);
  const s = topic.find((e) => e.name === 'segment.bytes')!;
  assert.equal(s.value, '7000');
  assert.equal(s.configSource, 4);
  const f = topic.find((e) => e.name === 'flush.ms')!;
  assert.equal(f.value, '9223372036854775807');
  assert.equal(f.isDefault, true);
  const broker = describeBrokerConfigs({ 'broker.id': '0' });
  assert.equal(broker.find((e) => e.name === 'broker.id')!.value, '0');
  assert.equal(broker.find((e) => e.name === 'num.partitions')!.value, '1');
});
