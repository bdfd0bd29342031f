// confluent-kafka-python's AdminClient (Debian's python3-confluent-kafka on librdkafka) against
// consumer groups and broker configs. Calls the installed version lacks are skipped by the script
// with a reason, which this test prints; the older equivalents it falls back on are checked instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { python3, repoRoot, requireTool, run, startBroker, tempDir } from '../../helpers/broker.js';
import { writeFileSync } from 'node:fs';

interface Out {
  version: string;
  librdkafka: string;
  skipped: Record<string, string>;
  consumed: number;
  list_groups_active: [id: string, state: string, protocolType: string, protocol: string, members: number][];
  list_groups_after_close: [string, string, string, string, number][];
  describe_consumer_groups?: { state: string; members: [string, number][][] };
  committed: [number, number][];
  committed_after_alter: [number, number][];
  delete_records_low?: number[];
  delete_group_error?: string | null;
  list_groups_after_delete?: unknown[];
  alter_broker_error: string | null;
  alter_read_only_error: string | null;
  broker_configs: Record<string, { value: string | null; source: number; read_only: boolean; synonyms: [string, string | null, number][] }>;
  topic_configs: Record<string, { value: string; source: number }>;
}

const script = join(repoRoot, 'test', 'integration', 'admin', 'py', 'confluent-admin.py');

test('confluent-kafka AdminClient: consumer groups, their offsets, and dynamic broker configs', async (t) => {
  if (!requireTool(t, 'python:confluent_kafka')) return;
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  const b = await startBroker(t, { config });
  const res = await run(python3, [script, '--bootstrap', b.bootstrap, '--topic', 'ck', '--group', 'ck-group'], { broker: b, timeoutMs: 120_000 });
  const out = JSON.parse(res.stdout) as Out;
  for (const [call, why] of Object.entries(out.skipped)) t.diagnostic(`skipped ${call}: ${why}`);

  assert.equal(out.consumed, 20);
  assert.deepEqual(out.list_groups_active, [['ck-group', 'Stable', 'consumer', 'range', 1]]);
  if (out.describe_consumer_groups) assert.deepEqual(out.describe_consumer_groups.members, [[['ck', 0], ['ck', 1]]]);
  assert.deepEqual(out.committed, [[0, 10], [1, 10]]);
  assert.deepEqual(out.list_groups_after_close, [['ck-group', 'Empty', 'consumer', '', 0]]);
  assert.deepEqual(out.committed_after_alter, [[0, 3], [1, 7]]);
  if (out.delete_records_low) assert.deepEqual(out.delete_records_low, [5]);
  if ('delete_group_error' in out) {
    assert.equal(out.delete_group_error, null);
    assert.deepEqual(out.list_groups_after_delete, []);
  }

  assert.equal(out.alter_broker_error, null);
  assert.equal(out.alter_read_only_error, 'INVALID_REQUEST');
  const retention = out.broker_configs['log.retention.ms']!;
  assert.deepEqual([retention.value, retention.source, retention.read_only], ['3600000', 2 /* DYNAMIC_BROKER_CONFIG */, false]);
  assert.deepEqual([out.broker_configs['node.id']?.read_only, out.broker_configs['node.id']?.source], [true, 4 /* STATIC_BROKER_CONFIG */]);
  assert.deepEqual(out.broker_configs['log.cleanup.policy']?.value, 'compact,delete');
  assert.deepEqual(out.topic_configs, {
    'retention.ms': { value: '3600000', source: 2 },
    'cleanup.policy': { value: 'compact,delete', source: 2 },
  });
});
