// Dynamic broker configs: kafkajs' admin (AlterConfigs) and our client (IncrementalAlterConfigs) change
// log defaults on the running broker; DescribeConfigs reports them with Kafka's sources and synonyms,
// every topic without an override follows at once, and the values survive a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin as KafkajsAdmin, Kafka } from 'kafkajs';
import { startBroker, tempDir, type Broker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { KafkaProtocolError } from '../../../src/client/errors.js';
import { Connection } from '../../../src/client/connection.js';

const { Kafka: KafkaCtor, logLevel, ConfigResourceTypes } = kafkajs;

const INCREMENTAL_ALTER_CONFIGS = 44;
const TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

type Entry = { configName: string; configValue: string | null; configSource: number; readOnly: boolean; configSynonyms: { configName: string; configValue: string | null; configSource: number }[] };

async function describe(admin: KafkajsAdmin, type: number, name: string, configNames?: string[]): Promise<Map<string, Entry>> {
  const res = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type, name, ...(configNames ? { configNames } : {}) }] });
  const r = res.resources[0]!;
  assert.equal(r.errorCode, 0, r.errorMessage ?? '');
  return new Map((r.configEntries as unknown as Entry[]).map((e) => [e.configName, e]));
}

const tooLarge = (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE';
const synonyms = (e: Entry | undefined) => e?.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]);

async function connect(b: Broker, t: { after(fn: () => Promise<void>): void }): Promise<{ kafka: Kafka; admin: KafkajsAdmin }> {
  const kafka = new KafkaCtor({ brokers: [b.bootstrap], clientId: 'broker-configs', logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  return { kafka, admin };
}

test('dynamic broker configs: precedence, synonyms, applied to topics at once, persisted across a restart', async (t) => {
  const config = join(tempDir(t), 'server.properties');
  writeFileSync(config, 'log.retention.hours=48\nlog.segment.bytes=50000000\n');
  const b = await startBroker(t, { config });
  let { kafka, admin } = await connect(b, t);
  const BROKER = ConfigResourceTypes.BROKER;
  const TOPIC = ConfigResourceTypes.TOPIC;
  await admin.createTopics({ topics: [{ topic: 'plain', numPartitions: 1 }, { topic: 'own', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '100000' }] }] });

  // Before: server.properties (4) over built-in defaults (5); the hour form is converted for the topic.
  let broker = await describe(admin, BROKER, '0');
  assert.deepEqual(synonyms(broker.get('log.retention.hours')), [['log.retention.hours', '48', STATIC_BROKER_CONFIG], ['log.retention.hours', '168', DEFAULT_CONFIG]]);
  assert.equal(broker.get('log.retention.ms')?.configValue, null);
  assert.equal(broker.get('log.retention.ms')?.readOnly, false);
  assert.equal(broker.get('node.id')?.readOnly, true);
  let topic = await describe(admin, TOPIC, 'plain', ['retention.ms', 'segment.bytes', 'max.message.bytes']);
  assert.deepEqual([topic.get('retention.ms')?.configValue, topic.get('retention.ms')?.configSource], [String(48 * 3_600_000), STATIC_BROKER_CONFIG]);

  // Cluster-wide defaults (resource "": kafkajs refuses empty names, so our client sets them), then a
  // per-broker value (resource "0", kafkajs); the per-broker one wins, and the ms form wins over the
  // hours form whatever their levels.
  const ours = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'broker-configs-ours' });
  t.after(() => ours.close());
  await ours.admin().alterConfigs('broker', '', [{ name: 'log.retention.ms', op: 'set', value: '7200000' }, { name: 'message.max.bytes', op: 'set', value: '2000' }]);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'log.retention.ms', value: '3600000' }] }] });
  broker = await describe(admin, BROKER, '0');
  const retention = broker.get('log.retention.ms')!;
  assert.deepEqual([retention.configValue, retention.configSource], ['3600000', DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual(synonyms(retention), [
    ['log.retention.ms', '3600000', DYNAMIC_BROKER_CONFIG],
    ['log.retention.ms', '7200000', DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['log.retention.hours', '48', STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', DEFAULT_CONFIG],
  ]);
  assert.deepEqual([broker.get('message.max.bytes')?.configValue, broker.get('message.max.bytes')?.configSource], ['2000', DYNAMIC_DEFAULT_BROKER_CONFIG]);
  // The "" resource lists the cluster-wide dynamic defaults only.
  const defaults = new Map((await ours.admin().describeConfigs('broker', '', null, { synonyms: true })).map((e) => [e.name, e]));
  assert.deepEqual([...defaults.keys()].sort(), ['log.retention.ms', 'message.max.bytes']);
  assert.deepEqual(defaults.get('log.retention.ms')?.synonyms?.map((s) => [s.name, s.value, s.source]), [
    ['log.retention.ms', '7200000', DYNAMIC_DEFAULT_BROKER_CONFIG], ['log.retention.hours', '48', STATIC_BROKER_CONFIG], ['log.retention.hours', '168', DEFAULT_CONFIG],
  ]);

  topic = await describe(admin, TOPIC, 'plain', ['retention.ms', 'max.message.bytes']);
  assert.deepEqual([topic.get('retention.ms')?.configValue, topic.get('retention.ms')?.configSource], ['3600000', DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual(synonyms(topic.get('max.message.bytes')), [['message.max.bytes', '2000', DYNAMIC_DEFAULT_BROKER_CONFIG], ['message.max.bytes', '1048588', DEFAULT_CONFIG]]);
  const own = await describe(admin, TOPIC, 'own', ['max.message.bytes']);
  assert.deepEqual(synonyms(own.get('max.message.bytes')), [
    ['max.message.bytes', '100000', TOPIC_CONFIG], ['message.max.bytes', '2000', DYNAMIC_DEFAULT_BROKER_CONFIG], ['message.max.bytes', '1048588', DEFAULT_CONFIG],
  ]);

  // message.max.bytes=2000 holds at once for the topic without an override, not for the one with.
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  t.after(() => producer.disconnect());
  const big = 'x'.repeat(5000);
  await assert.rejects(producer.send({ topic: 'plain', acks: -1, messages: [{ value: big }] }), tooLarge);
  await producer.send({ topic: 'own', acks: -1, messages: [{ value: big }] });

  // Refusals, as Kafka answers them: INVALID_REQUEST (kafkajs shows the code) with Kafka's message
  // (our client shows the broker's text).
  const refusal = async (name: string, entries: { name: string; value: string }[]) => {
    const err = await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name, configEntries: entries }] }).then(() => null, (e: Error & { type?: string }) => e);
    assert.equal(err?.type, 'INVALID_REQUEST', `altering ${JSON.stringify(entries)} on "${name}"`);
    const ourErr = await ours.admin().alterConfigs('broker', name, entries.map((e) => ({ ...e, op: 'set' as const }))).then(() => null, (e: KafkaProtocolError) => e);
    assert.equal(ourErr?.code, 'INVALID_REQUEST');
    return ourErr!.brokerMessage ?? '';
  };
  assert.match(await refusal('0', [{ name: 'node.id', value: '7' }]), /^Cannot update these configs dynamically: node.id$/);
  assert.match(await refusal('0', [{ name: 'log.dirs', value: '/elsewhere' }]), /^Cannot update these configs dynamically: log.dirs$/);
  assert.match(await refusal('0', [{ name: 'log.retention.ms', value: 'soon' }]), /Invalid value soon for configuration log.retention.ms/);
  assert.match(await refusal('0', [{ name: 'log.cleanup.policy', value: 'shred' }]), /Invalid value shred/);
  // Another node's id (no client routes that here by itself, so ask on a bare connection).
  const c = await Connection.connect({ host: '127.0.0.1', port: b.port });
  t.after(() => c.destroy());
  const other = await c.send(INCREMENTAL_ALTER_CONFIGS, {
    resources: [{ resourceType: BROKER, resourceName: '3', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1' }] }], validateOnly: false,
  });
  assert.deepEqual([other.responses[0].errorCode, other.responses[0].errorMessage], [42 /* INVALID_REQUEST */, 'Unexpected broker id, expected 0, but received 3']);
  // Nothing of the refused changes stuck.
  assert.equal((await describe(admin, BROKER, '0', ['log.retention.ms'])).get('log.retention.ms')?.configValue, '3600000');

  // IncrementalAlterConfigs (our client): APPEND to a list, DELETE one value, validateOnly.
  await ours.admin().alterConfigs('broker', '0', [{ name: 'log.cleanup.policy', op: 'append', value: 'compact' }, { name: 'log.retention.ms', op: 'delete' }]);
  await ours.admin().alterConfigs('broker', '0', [{ name: 'log.segment.bytes', op: 'set', value: '1000000' }], { validateOnly: true });
  const after = new Map((await ours.admin().describeConfigs('broker', '0')).map((e) => [e.name, e]));
  assert.deepEqual([after.get('log.cleanup.policy')?.value, after.get('log.cleanup.policy')?.source], ['delete,compact', DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual([after.get('log.retention.ms')?.value, after.get('log.retention.ms')?.source], ['7200000', DYNAMIC_DEFAULT_BROKER_CONFIG]);
  assert.deepEqual([after.get('log.segment.bytes')?.value, after.get('log.segment.bytes')?.source], ['50000000', STATIC_BROKER_CONFIG]);
  await assert.rejects(ours.admin().alterConfigs('broker', '0', [{ name: 'log.retention.ms', op: 'append', value: '1' }]), (err: KafkaProtocolError) => {
    assert.equal(err.code, 'INVALID_CONFIG');
    return true;
  });
  // log.retention.ms (cluster default) beats log.retention.hours (this broker): the value is the one in
  // force, while the synonyms, listed by level, start with the hours (as Kafka lists them).
  await ours.admin().alterConfigs('broker', '0', [{ name: 'log.retention.hours', op: 'set', value: '1' }]);
  const mixed = await describe(admin, TOPIC, 'plain', ['retention.ms']);
  assert.deepEqual([mixed.get('retention.ms')?.configValue, mixed.get('retention.ms')?.configSource], ['7200000', DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual(synonyms(mixed.get('retention.ms'))?.slice(0, 2), [['log.retention.hours', '1', DYNAMIC_BROKER_CONFIG], ['log.retention.ms', '7200000', DYNAMIC_DEFAULT_BROKER_CONFIG]]);
  await ours.admin().alterConfigs('broker', '0', [{ name: 'log.retention.hours', op: 'delete' }]);
  const plainConfig = new Map((await ours.admin().describeConfigs('topic', 'plain')).map((e) => [e.name, e]));
  assert.deepEqual([plainConfig.get('cleanup.policy')?.value, plainConfig.get('cleanup.policy')?.source], ['delete,compact', DYNAMIC_BROKER_CONFIG]);

  // A restart keeps every level.
  await producer.disconnect();
  await admin.disconnect();
  await b.restart();
  ({ kafka, admin } = await connect(b, t));
  broker = await describe(admin, BROKER, '0', ['log.retention.ms', 'log.cleanup.policy', 'message.max.bytes']);
  assert.deepEqual(
    [...broker.values()].map((e) => [e.configName, e.configValue, e.configSource]).sort(),
    [
      ['log.cleanup.policy', 'delete,compact', DYNAMIC_BROKER_CONFIG],
      ['log.retention.ms', '7200000', DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['message.max.bytes', '2000', DYNAMIC_DEFAULT_BROKER_CONFIG],
    ],
  );
  const again = kafka.producer({ retry: { retries: 0 } });
  await again.connect();
  t.after(() => again.disconnect());
  await assert.rejects(again.send({ topic: 'plain', acks: -1, messages: [{ value: big }] }), tooLarge);

  // AlterConfigs replaces a level's whole set: an empty set removes the broker's own dynamic configs;
  // deleting the cluster-wide ones lifts the message size limit.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [] }] });
  const ours2 = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'broker-configs-ours' });
  t.after(() => ours2.close());
  await ours2.admin().alterConfigs('broker', '', [{ name: 'log.retention.ms', op: 'delete' }, { name: 'message.max.bytes', op: 'delete' }]);
  assert.equal((await ours2.admin().describeConfigs('broker', '')).length, 0);
  broker = await describe(admin, BROKER, '0', ['log.cleanup.policy']);
  assert.deepEqual([broker.get('log.cleanup.policy')?.configValue, broker.get('log.cleanup.policy')?.configSource], ['delete', DEFAULT_CONFIG]);
  await again.send({ topic: 'plain', acks: -1, messages: [{ value: big }] });
  topic = await describe(admin, TOPIC, 'plain', ['retention.ms']);
  assert.deepEqual([topic.get('retention.ms')?.configValue, topic.get('retention.ms')?.configSource], [String(48 * 3_600_000), STATIC_BROKER_CONFIG]);
});
