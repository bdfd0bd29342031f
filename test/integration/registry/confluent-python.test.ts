// Confluent's Python SchemaRegistryClient (Debian's python3-confluent-kafka 1.7.0) against Kappa's
// registry over a broker process: the calls it makes and the answers it expects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { python3, repoRoot, requireTool, run, startBroker } from '../../helpers/broker.js';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { KafkaRegistryLog } from '../../../src/registry/kafka-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';

test('confluent-kafka SchemaRegistryClient registers, fetches, looks up, checks, configures and deletes', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'python:confluent_kafka') || !requireTool(t, 'python:requests')) return;
  const b = await startBroker(t);
  const store = new SchemaStore();
  const log = await KafkaRegistryLog.open(store, { bootstrapServers: b.bootstrap });
  const server = createRegistryServer(new SchemaRegistry(store, log));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await log.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await run(python3, [join(repoRoot, 'test', 'integration', 'registry', 'py', 'confluent_registry.py'), url], { broker: b });
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(out['id1'], 1);
  assert.equal(out['id1_again'], 1);
  assert.deepEqual(out['fetched'], { type: 'record', name: 'Quote', fields: [{ name: 'symbol', type: 'string' }, { name: 'latestPrice', type: 'double' }] });
  assert.equal(out['compatible_v2'], true);
  assert.equal(out['compatible_bad'], false);
  assert.deepEqual(out['latest'], [2, 2, 'py-value']);
  assert.deepEqual(out['lookup_v1'], [1, 1]);
  assert.deepEqual(out['subjects'], ['py-value']);
  assert.deepEqual(out['versions'], [1, 2]);
  assert.deepEqual(out['register_bad'], [409, 409]);
  assert.deepEqual(out['missing'], [404, 40403]);
  // confluent-kafka 1.7.0 hands back the response body of PUT /config/{subject} as it is.
  assert.deepEqual(out['set_config'], { compatibility: 'FULL' });
  assert.equal(out['get_config'], 'FULL');
  assert.equal(out['deleted_version'], 1);
  assert.deepEqual(out['versions_after'], [2]);
  assert.deepEqual(out['deleted_subject'], [2]);
  assert.deepEqual(out['subjects_after'], []);
});
