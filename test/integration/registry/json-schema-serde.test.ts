// JSON Schema end to end with clients nobody here wrote: `kappa produce --value-schema order.json`
// registers a JSON Schema and writes Confluent-framed JSON; confluent-kafka's JSONSerializer registers
// the same schema (same id) and writes more; its JSONDeserializer reads all of them, kappa consume
// decodes them, and @kafkajs/confluent-schema-registry decodes the raw bytes kcat fetched.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import { kappaBin, python3, repoRoot, requireTool, run, startBroker, tempDir } from '../../helpers/broker.js';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { KafkaRegistryLog } from '../../../src/registry/kafka-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';

const ORDER_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Order',
  type: 'object',
  properties: {
    symbol: { type: 'string', pattern: '^[A-Z.]{1,8}$' },
    qty: { type: 'integer', minimum: 1 },
    side: { enum: ['BUY', 'SELL'] },
  },
  required: ['symbol', 'qty', 'side'],
  additionalProperties: false,
};

test('JSON Schema values: kappa produce, confluent-kafka JSONSerializer/JSONDeserializer, kappa consume, kafkajs registry client', { timeout: 180_000 }, async (t) => {
  if (!requireTool(t, 'python:confluent_kafka') || !requireTool(t, 'python:requests') || !requireTool(t, 'python:jsonschema') || !requireTool(t, 'kcat')) return;
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
  const dir = tempDir(t);
  const schemaFile = join(dir, 'order.json');
  // Pretty-printed on purpose: the registry keeps whitespace-free text, so Python's compact copy gets the same id.
  writeFileSync(schemaFile, JSON.stringify(ORDER_SCHEMA, null, 2));
  const kappa = (args: string[], input?: string, okCodes?: number[]) =>
    run(process.execPath, [kappaBin, ...args, '--bootstrap-server', b.bootstrap], { broker: b, ...(input !== undefined ? { input } : {}), ...(okCodes ? { okCodes } : {}) });
  await kappa(['topics', 'create', 'orders', '--partitions', '1']);

  await kappa(['produce', 'orders', '--value-schema', schemaFile, '--registry', url, '--key-separator', '|'], 'GOOG|{"symbol":"GOOG","qty":3,"side":"BUY"}\n');
  const refused = await kappa(['produce', 'orders', '--value-schema', schemaFile, '--registry', url], '{"symbol":"goog","qty":0,"side":"HOLD"}\n', [1]);
  assert.match(refused.stderr, /does not match the orders-value schema/);
  const subjectVersions = (await (await fetch(`${url}/subjects/orders-value/versions/latest`)).json()) as { id: number; schemaType?: string };
  assert.equal(subjectVersions.schemaType, 'JSON');

  const py = await run(python3, [join(repoRoot, 'test', 'integration', 'registry', 'py', 'confluent_json_serde.py'), url, b.bootstrap, 'orders', schemaFile, '3'], { broker: b, timeoutMs: 90_000 });
  const out = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { invalid_refused: boolean; registered_id: number; open_add: unknown; values: unknown[] };
  assert.equal(out.invalid_refused, true, 'JSONSerializer validates against the registered schema');
  assert.equal(out.registered_id, subjectVersions.id, 'the same schema text, formatted differently, has one id');
  assert.deepEqual(out.open_add, [409, 409, true], 'an open content model gaining a typed property is refused by name');
  assert.deepEqual(out.values, [
    { symbol: 'GOOG', qty: 3, side: 'BUY' },
    { symbol: 'AAPL', qty: 10, side: 'BUY' },
    { symbol: 'MSFT', qty: 5, side: 'SELL' },
  ]);

  const consumed = await kappa(['consume', 'orders', '--from-beginning', '--max-messages', '3', '--format', 'json', '--registry', url]);
  const values = consumed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { value: unknown }).value);
  assert.deepEqual(values, out.values);

  // kcat fetches the raw bytes; Confluent's JS client decodes them (and validates with its own Ajv).
  const theirs = new ConfluentClient({ host: url });
  const raw = await run('kcat', ['-b', b.bootstrap, '-C', '-t', 'orders', '-o', 'beginning', '-c', '3', '-e', '-q', '-f', '%s\n'], { broker: b });
  const frames = raw.stdout.split('\n').filter((l) => l.length > 0).map((l) => Buffer.from(l, 'latin1'));
  assert.equal(frames.length, 3);
  assert.deepEqual(await Promise.all(frames.map((f) => theirs.decode(f))), out.values);
  const encoded = await theirs.encode(subjectVersions.id, { symbol: 'NVDA', qty: 1, side: 'BUY' });
  assert.equal(encoded[0], 0);
  assert.equal(encoded.readInt32BE(1), subjectVersions.id);
  assert.deepEqual(JSON.parse(encoded.subarray(5).toString('utf8')), { symbol: 'NVDA', qty: 1, side: 'BUY' });
  await assert.rejects(theirs.encode(subjectVersions.id, { symbol: 'NVDA', qty: 0, side: 'BUY' }), 'their serializer validates with the schema our registry served');
});
