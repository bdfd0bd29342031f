// Confluent's wire format both ways with Confluent's JS client: values our serializer writes (a
// simulated Quote under iextrading-value) decode with @kafkajs/confluent-schema-registry, and values it
// encodes decode with ours; bad values are refused with the path of the offending field.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { MemoryRegistryLog } from '../../../src/registry/memory-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { RegistryDeserializer, AvroSerializer, isFramed, schemaIdOf } from '../../../src/registry/serde.js';
import { QUOTE_SCHEMA, QUOTE_SUBJECT } from '../../../src/sources/quote.js';
import { MarketSimulator } from '../../../src/sources/market-simulator.js';
import { pickSymbols } from '../../../src/sources/symbols.js';

async function registryUrl(t: TestContext): Promise<string> {
  const store = new SchemaStore();
  const server = createRegistryServer(new SchemaRegistry(store, new MemoryRegistryLog(store)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('Quote values round-trip between our serde and Confluent\'s JS client', async (t) => {
  const url = await registryUrl(t);
  const ours = new AvroSerializer(new RegistryClient(url), QUOTE_SUBJECT, QUOTE_SCHEMA);
  const theirs = new ConfluentClient({ host: url });
  const [quote] = new MarketSimulator({ symbols: pickSymbols({ top: 1 }), seed: 1, startTime: Date.UTC(2026, 10, 25, 14, 30) }).next(Date.UTC(2026, 10, 25, 14, 30));
  const framed = await ours.serialize(quote);
  assert.ok(isFramed(framed));
  assert.equal(schemaIdOf(framed), 1);
  assert.deepEqual({ ...(await theirs.decode(framed)) }, quote);

  const id = await theirs.getLatestSchemaId(QUOTE_SUBJECT);
  const encodedByThem = await theirs.encode(id, { ...quote!, latestPrice: 1.23 });
  assert.deepEqual({ ...(await new RegistryDeserializer(new RegistryClient(url)).deserialize(encodedByThem) as object) }, { ...quote!, latestPrice: 1.23 });
});

test('values that do not match the schema are refused with the field named', async (t) => {
  const url = await registryUrl(t);
  const s = new AvroSerializer(new RegistryClient(url), 'x-value', { type: 'record', name: 'X', fields: [{ name: 'price', type: 'double' }] });
  await assert.rejects(s.serialize({ price: 'cheap' }), /x-value schema at price/);
  await assert.rejects(new RegistryDeserializer(new RegistryClient(url)).deserialize(Buffer.from('plain text')), /not a registry-framed value/);
});
