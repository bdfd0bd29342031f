// The registry keeps its state in `_schemas` through the Kafka protocol: against a real broker
// process, a registry restarted from the topic and a second instance reading it serve the same ids,
// versions, configs and deletions; the records are Confluent's format (JSON keys with keytype).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../../helpers/broker.js';
import { KafkaRegistryLog } from '../../../src/registry/kafka-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';

const schema = (n: number) => JSON.stringify({ type: 'record', name: 'R', fields: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'int', default: 0 })) });

async function openRegistry(bootstrapServers: string) {
  const store = new SchemaStore();
  const log = await KafkaRegistryLog.open(store, { bootstrapServers });
  return { registry: new SchemaRegistry(store, log), log };
}

test('registry state lives in _schemas: a restarted and a second instance serve the same ids', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const first = await openRegistry(b.bootstrap);
  const second = await openRegistry(b.bootstrap);
  try {
    const ids: number[] = [];
    for (let n = 1; n <= 5; n++) ids.push((await first.registry.register('quotes-value', { schema: schema(n) })).id);
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    assert.equal((await first.registry.register('other-value', { schema: schema(3) })).id, 3, 'an existing schema keeps its id under another subject');
    await first.registry.setCompatibility('quotes-value', 'FULL');
    await first.registry.deleteVersion('quotes-value', '2', false);

    // Applied by the second instance as it follows the topic.
    const deadline = Date.now() + 10_000;
    while (second.registry.store.versions('quotes-value')?.length !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of [first.registry, second.registry]) {
      assert.deepEqual(r.versionNumbers('quotes-value', false), [1, 3, 4, 5]);
      assert.deepEqual(r.versionNumbers('quotes-value', true), [1, 2, 3, 4, 5]);
      assert.equal(r.version('quotes-value', 'latest').id, 5);
      assert.equal(r.store.compatibilityOf('quotes-value'), 'FULL');
      assert.deepEqual(r.versionsOfId(3, false), [{ subject: 'other-value', version: 1 }, { subject: 'quotes-value', version: 3 }]);
    }
    // The second instance writes too; the first reads it back.
    assert.equal((await second.registry.register('quotes-value', { schema: schema(6) })).id, 6);
  } finally {
    await first.log.close();
    await second.log.close();
  }

  await b.restart();
  const reopened = await openRegistry(b.bootstrap);
  try {
    assert.deepEqual(reopened.registry.versionNumbers('quotes-value', false), [1, 3, 4, 5, 6]);
    assert.equal(reopened.registry.schemaById(6).schema, schema(6));
    assert.equal((await reopened.registry.register('quotes-value', { schema: schema(6) })).id, 6, 'registering again answers the same id');
  } finally {
    await reopened.log.close();
  }

  // Confluent's record format, readable by Confluent's registry.
  const client = new KafkaClient({ bootstrapServers: b.bootstrap });
  const consumer = client.consumer({ maxWaitMs: 100 });
  consumer.assign([{ topic: '_schemas', partition: 0, offset: 'earliest' }]);
  const keys: Record<string, unknown>[] = [];
  for await (const batch of consumer.batches()) {
    for (const r of batch.records) keys.push(JSON.parse(r.key!.toString()) as Record<string, unknown>);
    if (keys.length >= 8) break;
  }
  await consumer.close();
  await client.close();
  assert.deepEqual(keys[0], { keytype: 'SCHEMA', subject: 'quotes-value', version: 1, magic: 1 });
  assert.ok(keys.some((k) => k['keytype'] === 'CONFIG' && k['subject'] === 'quotes-value'));
});
