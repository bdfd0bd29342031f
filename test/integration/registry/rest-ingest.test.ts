// REST ingest (Confluent REST Proxy v2's produce call) against a broker process: JSON, binary and
// Avro embedded records land as Kafka records (Avro in Confluent's wire format, decodable by
// Confluent's JS client), with REST Proxy's answer shape and error codes.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import { startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { createRegistryServer } from '../../../src/registry/http-server.js';
import { KafkaRegistryLog } from '../../../src/registry/kafka-log.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { SchemaStore } from '../../../src/registry/schema-store.js';
import { RestIngest } from '../../../src/sources/rest-ingest.js';

test('REST Proxy produce: json, binary and avro records; answers and errors as REST Proxy gives them', { timeout: 120_000 }, async (t) => {
  const b = await startBroker(t);
  const store = new SchemaStore();
  const registryLog = await KafkaRegistryLog.open(store, { bootstrapServers: b.bootstrap });
  const registryServer = createRegistryServer(new SchemaRegistry(store, registryLog));
  await new Promise<void>((resolve) => registryServer.listen(0, '127.0.0.1', resolve));
  const registryUrl = `http://127.0.0.1:${(registryServer.address() as AddressInfo).port}`;
  const client = new KafkaClient({ bootstrapServers: b.bootstrap });
  await client.admin().createTopics([{ name: 'ingest', partitions: 2 }]);
  const ingest = new RestIngest({ client, registryUrl });
  const server = ingest.server();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ingest.close();
    await client.close();
    await new Promise<void>((resolve) => registryServer.close(() => resolve()));
    await registryLog.close();
  });
  const post = async (topic: string, type: string, body: unknown) => {
    const res = await fetch(`${url}/topics/${topic}`, { method: 'POST', headers: { 'content-type': `application/vnd.kafka.${type}.v2+json` }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const json = await post('ingest', 'json', { records: [{ key: 'a', value: { symbol: 'AAPL', price: 1 }, partition: 0 }, { value: [1, 2], partition: 1 }] });
  assert.equal(json.status, 200);
  assert.equal(json.body['value_schema_id'], null);
  const offsets = json.body['offsets'] as { partition: number; offset: number; error_code: null }[];
  assert.equal(offsets.length, 2);
  assert.equal(offsets[1]!.partition, 1);
  assert.ok(offsets.every((o) => o.offset >= 0 && o.error_code === null));

  const binary = await post('ingest', 'binary', { records: [{ value: Buffer.from('raw bytes').toString('base64'), partition: 0 }] });
  assert.equal(binary.status, 200);

  const schema = JSON.stringify({ type: 'record', name: 'Tick', fields: [{ name: 'symbol', type: 'string' }, { name: 'price', type: 'double' }] });
  const avro1 = await post('ingest', 'avro', { value_schema: schema, records: [{ value: { symbol: 'MSFT', price: 420.5 }, partition: 0 }] });
  assert.equal(avro1.status, 200, JSON.stringify(avro1.body));
  const id = avro1.body['value_schema_id'] as number;
  assert.ok(id >= 1);
  const avro2 = await post('ingest', 'avro', { value_schema_id: id, records: [{ value: { symbol: 'NVDA', price: 180 }, partition: 0 }] });
  assert.equal(avro2.body['value_schema_id'], id);

  // Errors, with REST Proxy's codes; nothing is written for them.
  assert.deepEqual([(await post('nope', 'json', { records: [{ value: 1 }] })).body['error_code']], [40401]);
  assert.equal((await post('ingest', 'avro', { value_schema_id: id, records: [{ value: { symbol: 'X' } }] })).body['error_code'], 42202);
  assert.equal((await post('ingest', 'avro', { records: [{ value: {} }] })).body['error_code'], 42201);
  const media = await fetch(`${url}/topics/ingest`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(media.status, 415);

  // What landed in partition 0, as a consumer sees it.
  const consumer = client.consumer({ maxWaitMs: 100 });
  consumer.assign([{ topic: 'ingest', partition: 0, offset: 'earliest' }]);
  const values: Buffer[] = [];
  for await (const batch of consumer.batches()) {
    for (const r of batch.records) values.push(Buffer.from(r.value!));
    if (values.length >= 4) break;
  }
  await consumer.close();
  assert.deepEqual(JSON.parse(values[0]!.toString()), { symbol: 'AAPL', price: 1 });
  assert.equal(values[1]!.toString(), 'raw bytes');
  const confluent = new ConfluentClient({ host: registryUrl });
  assert.deepEqual({ ...(await confluent.decode(values[2]!)) }, { symbol: 'MSFT', price: 420.5 });
  assert.deepEqual({ ...(await confluent.decode(values[3]!)) }, { symbol: 'NVDA', price: 180 });
});
