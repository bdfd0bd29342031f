// The registry's REST API, served on a real port (records applied in memory): Confluent's own JS
// client (@kafkajs/confluent-schema-registry) registers, encodes and decodes; raw HTTP calls check the
// JSON shapes, status codes and error codes Confluent's clients depend on.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { SchemaRegistry as ConfluentClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { MemoryRegistryLog } from '../../../src/registry/memory-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';

const QUOTE_V1 = { type: 'record', name: 'Quote', namespace: 'kappa', fields: [{ name: 'symbol', type: 'string' }, { name: 'latestPrice', type: 'double' }] };
const QUOTE_V2 = { ...QUOTE_V1, fields: [...QUOTE_V1.fields, { name: 'latestVolume', type: 'long', default: 0 }] };
const QUOTE_BAD = { ...QUOTE_V1, fields: [...QUOTE_V1.fields, { name: 'latestVolume', type: 'long' }] };

async function start(t: TestContext) {
  const store = new SchemaStore();
  const log = new MemoryRegistryLog(store);
  const server = createRegistryServer(new SchemaRegistry(store, log));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
  };
  return { url, call, log };
}

test('@kafkajs/confluent-schema-registry registers, encodes and decodes against the registry', async (t) => {
  const { url } = await start(t);
  const client = new ConfluentClient({ host: url });
  const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(QUOTE_V1) }, { subject: 'iextrading-value' });
  const again = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(QUOTE_V1, null, 2) }, { subject: 'iextrading-value' });
  assert.equal(again.id, id, 'the same schema, differently formatted, keeps its id');
  const encoded = await client.encode(id, { symbol: 'AAPL', latestPrice: 189.5 });
  assert.equal(encoded[0], 0, 'magic byte');
  assert.equal(encoded.readInt32BE(1), id, 'schema id');
  assert.deepEqual({ ...(await client.decode(encoded)) }, { symbol: 'AAPL', latestPrice: 189.5 });
  assert.equal(await client.getLatestSchemaId('iextrading-value'), id);
  const { id: id2 } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(QUOTE_V2) }, { subject: 'iextrading-value' });
  assert.notEqual(id2, id);
  assert.equal(await client.getLatestSchemaId('iextrading-value'), id2);
  // A field without a default cannot read v2 data (BACKWARD, the default level).
  const noDefault = { ...QUOTE_V2, fields: [...QUOTE_V2.fields, { name: 'bid', type: 'double' }] };
  await assert.rejects(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(noDefault) }, { subject: 'iextrading-value' }), /incompatible/i);
});

test('REST shapes and Confluent error codes', async (t) => {
  const { call } = await start(t);
  const reg = await call('POST', '/subjects/s/versions', { schema: JSON.stringify(QUOTE_V1) });
  assert.deepEqual(reg, { status: 200, body: { id: 1 } });
  // The same schema under another subject shares the id.
  assert.deepEqual((await call('POST', '/subjects/other/versions', { schema: JSON.stringify(QUOTE_V1) })).body, { id: 1 });
  assert.deepEqual((await call('GET', '/subjects')).body, ['other', 's']);
  assert.deepEqual((await call('GET', '/subjects/s/versions')).body, [1]);
  assert.deepEqual((await call('GET', '/subjects/s/versions/latest')).body, { subject: 's', version: 1, id: 1, schema: JSON.stringify(QUOTE_V1) });
  assert.deepEqual((await call('GET', '/schemas/ids/1')).body, { schema: JSON.stringify(QUOTE_V1) });
  assert.deepEqual((await call('GET', '/schemas/ids/1/versions')).body, [{ subject: 'other', version: 1 }, { subject: 's', version: 1 }]);
  assert.deepEqual((await call('GET', '/schemas/types')).body, ['JSON', 'AVRO']);
  assert.deepEqual((await call('POST', '/subjects/s', { schema: JSON.stringify(QUOTE_V1) })).body, { subject: 's', version: 1, id: 1, schema: JSON.stringify(QUOTE_V1) });

  const err = async (method: string, path: string, body: unknown, status: number, code: number) => {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body['error_code'], code, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body['message'], 'string');
  };
  await err('GET', '/subjects/nope/versions', undefined, 404, 40401);
  await err('GET', '/subjects/s/versions/7', undefined, 404, 40402);
  await err('GET', '/schemas/ids/99', undefined, 404, 40403);
  await err('GET', '/subjects/s/versions/0', undefined, 422, 42202);
  await err('POST', '/subjects/s/versions', { schema: '{"type": "record"' }, 422, 42201);
  await err('POST', '/subjects/s/versions', { schema: JSON.stringify(QUOTE_BAD) }, 409, 409);
  await err('PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203);
  await err('GET', '/config/s', undefined, 404, 40408);
  await err('GET', '/associations/abc', undefined, 404, 404);
  await err('DELETE', '/subjects/s/versions/1?permanent=true', undefined, 404, 40407);

  // Compatibility checks, config per subject.
  assert.deepEqual((await call('POST', '/compatibility/subjects/s/versions/latest', { schema: JSON.stringify(QUOTE_V2) })).body, { is_compatible: true });
  const verbose = await call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { schema: JSON.stringify(QUOTE_BAD) });
  assert.equal(verbose.body['is_compatible'], false);
  assert.match(JSON.stringify(verbose.body['messages']), /latestVolume/);
  assert.deepEqual((await call('PUT', '/config/s', { compatibility: 'none' })).body, { compatibility: 'NONE' });
  assert.deepEqual((await call('GET', '/config/s')).body, { compatibilityLevel: 'NONE' });
  assert.deepEqual((await call('POST', '/subjects/s/versions', { schema: JSON.stringify(QUOTE_BAD) })).body, { id: 2 });
  assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });

  // Soft delete, then permanent.
  assert.deepEqual((await call('DELETE', '/subjects/s/versions/1')).body, 1);
  assert.deepEqual((await call('GET', '/subjects/s/versions')).body, [2]);
  assert.deepEqual((await call('GET', '/subjects/s/versions?deleted=true')).body, [1, 2]);
  assert.deepEqual((await call('DELETE', '/subjects/s')).body, [2]);
  await err('DELETE', '/subjects/s', undefined, 404, 40404);
  assert.deepEqual((await call('GET', '/subjects')).body, ['other']);
  assert.deepEqual((await call('DELETE', '/subjects/s?permanent=true')).body, [1, 2]);
  await err('GET', '/subjects/s/versions?deleted=true', undefined, 404, 40401);
  // Ids stay: the schema is still served by id.
  assert.deepEqual((await call('GET', '/schemas/ids/2')).body, { schema: JSON.stringify(QUOTE_BAD) });
  // A schema referencing another subject's version: registered, and listed by referencedby.
  const tick = JSON.stringify({ type: 'record', name: 'Tick', namespace: 'kappa', fields: [{ name: 'quote', type: 'kappa.Quote' }] });
  const withRef = await call('POST', '/subjects/ticks/versions', { schema: tick, references: [{ name: 'kappa.Quote', subject: 'other', version: 1 }] });
  assert.equal(withRef.status, 200, JSON.stringify(withRef.body));
  assert.deepEqual((await call('GET', '/subjects/other/versions/1/referencedby')).body, [withRef.body['id']]);
    // Once the referencing subject is deleted, nothing references the version any more.
  await call('DELETE', '/subjects/ticks');
  assert.deepEqual((await call('GET', '/subjects/other/versions/1/referencedby')).body, []);
});

test('CORS preflight is answered for browser UIs', async (t) => {
  const { url } = await start(t);
  const res = await fetch(`${url}/subjects`, { method: 'OPTIONS', headers: { origin: 'http://console.local', 'access-control-request-method': 'POST' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://console.local');
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
});
