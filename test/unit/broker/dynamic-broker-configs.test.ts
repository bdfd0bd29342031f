import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBrokerConfig } from '../../../src/broker/broker-config.js';
import { DYNAMIC_BROKER_CONFIGS, DYNAMIC_CONFIGS_FILE, DynamicBrokerConfigs } from '../../../src/broker/dynamic-broker-configs.js';
import { LogManager } from '../../../src/broker/log/log-manager.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }, raw: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-dynamic-'));
  let current: LogManager | null = null;
  t.after(async () => {
    await current?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = parseBrokerConfig(raw);
  const open = async () => {
    await current?.close();
    const logs = (current = await LogManager.open(dir, config.logDefaults));
    return { logs, dynamic: DynamicBrokerConfigs.open(config, logs) };
  };
  return { dir, open };
}

test('only the log defaults Kafka lets change at runtime are dynamic', () => {
  for (const name of ['log.retention.ms', 'log.retention.hours', 'log.segment.bytes', 'log.roll.ms', 'log.cleanup.policy', 'log.flush.interval.messages',
    'log.flush.interval.ms', 'message.max.bytes', 'log.cleaner.min.cleanable.ratio', 'log.cleaner.delete.retention.ms', 'log.cleaner.backoff.ms']) {
    assert.ok(DYNAMIC_BROKER_CONFIGS.has(name), name);
  }
  for (const name of ['node.id', 'broker.id', 'log.dirs', 'log.dir', 'listeners', 'num.partitions', 'log.cleaner.enable', 'offsets.topic.num.partitions']) {
    assert.ok(!DYNAMIC_BROKER_CONFIGS.has(name), name);
  }
});

test('validate: unknown names, read-only configs and bad values are refused with Kafka\'s wording', async (t) => {
  const { open } = await setup(t);
  const { dynamic } = await open();
  assert.equal(dynamic.validate('broker', { 'log.retention.ms': '1000', 'log.cleanup.policy': 'compact,delete' }), null);
  assert.equal(dynamic.validate('broker', { 'node.id': '3', 'log.dirs': '/x' }), 'Cannot update these configs dynamically: node.id, log.dirs');
  assert.equal(dynamic.validate('default', { 'no.such.config': '1' }), 'Unknown broker configs: no.such.config');
  assert.match(dynamic.validate('broker', { 'log.segment.bytes': '10' })!, /Invalid value 10 for configuration log.segment.bytes: Value must be at least 14/);
  assert.match(dynamic.validate('broker', { 'log.retention.hours': 'x' })!, /Invalid value x for configuration log.retention.hours: Not a number of type INT/);
  assert.match(dynamic.validate('broker', { 'log.cleaner.min.cleanable.ratio': '1.5' })!, /Value must be in \[0, 1\]/);
});

test('per-broker over cluster default over server.properties; applied to topics without an override; persisted', async (t) => {
  const { dir, open } = await setup(t, { 'log.retention.hours': '48', 'log.segment.bytes': '5000000' });
  let { logs, dynamic } = await open();
  await logs.createTopic('plain', 1, {});
  await logs.createTopic('own', 1, { 'retention.ms': '1000' });
  assert.equal(logs.partition('plain', 0)!.currentConfig.retentionMs, 48 * 3_600_000);

  await dynamic.replace('default', { 'log.retention.minutes': '30', 'log.segment.bytes': '4000000' });
  assert.equal(logs.partition('plain', 0)!.currentConfig.retentionMs, 30 * 60_000, 'minutes beat hours');
  assert.equal(logs.partition('plain', 0)!.currentConfig.segmentBytes, 4000000);
  await dynamic.replace('broker', { 'log.segment.bytes': '3000000' });
  assert.equal(logs.partition('plain', 0)!.currentConfig.segmentBytes, 3000000, 'per broker beats the cluster default');
  assert.equal(logs.partition('own', 0)!.currentConfig.retentionMs, 1000, 'a topic override beats every broker level');
  assert.equal(logs.partition('own', 0)!.currentConfig.segmentBytes, 3000000);
  assert.equal(dynamic.effective('log.segment.bytes'), '3000000');
  assert.equal(dynamic.effective('log.retention.ms'), null);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, DYNAMIC_CONFIGS_FILE), 'utf8')), {
    broker: { 'log.segment.bytes': '3000000' }, default: { 'log.retention.minutes': '30', 'log.segment.bytes': '4000000' },
  });

  ({ logs, dynamic } = await open());
  assert.deepEqual(dynamic.perBroker, { 'log.segment.bytes': '3000000' });
  assert.equal(logs.partition('plain', 0)!.currentConfig.segmentBytes, 3000000, 'reopened logs get the dynamic defaults');
  assert.equal(logs.partition('plain', 0)!.currentConfig.retentionMs, 30 * 60_000);

  // Emptying both levels returns to server.properties.
  await dynamic.replace('broker', {});
  await dynamic.replace('default', {});
  assert.equal(logs.partition('plain', 0)!.currentConfig.segmentBytes, 5000000);
  assert.equal(logs.partition('plain', 0)!.currentConfig.retentionMs, 48 * 3_600_000);
});
