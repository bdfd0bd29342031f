// The coordinator going away under a running group: the broker restarts, the members' heartbeats
// and fetches fail, they find the coordinator again (FindCoordinator, retried while it loads the
// group) and go on consuming and committing; no record is skipped and commits land.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../helpers/broker.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { brokerConfig, waitUntil } from '../groups/members.js';
import { checkHandovers, startTrackedMember, type LogEvent } from './tracked-member.js';

const TOPIC = 'restarts';
const GROUP = 'restarts-job';

test('members find the coordinator again after a broker restart and keep consuming and committing', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'restart-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: TOPIC, partitions: 2 }]);
  let produced = 0;
  const produce = async (perPartition: number, tag: string) => {
    const producer = client.producer();
    for (const p of [0, 1]) await producer.send(TOPIC, Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })));
    await producer.close();
    produced += perPartition * 2;
  };
  await produce(20, 'first');

  const log: LogEvent[] = [];
  const lines: string[] = [];
  const why = () => `${JSON.stringify(log.filter((e) => e.type !== 'batch'))}\n${lines.slice(-40).join('\n')}\n--- broker ---\n${b.output().slice(-5000)}`;
  const options = { groupId: GROUP, log: (l: string) => void lines.push(`${new Date().toISOString()} ${l}`) };
  const a = startTrackedMember(log, 'a', b.bootstrap, TOPIC, options);
  const c = startTrackedMember(log, 'c', b.bootstrap, TOPIC, options);
  t.after(() => a.close());
  t.after(() => c.close());
  const handled = () => new Set(log.flatMap((e) => (e.type === 'batch' ? e.offsets.map((o) => `${e.partition}:${o}`) : [])));
  await waitUntil('a and c to split the partitions', () => a.owned().length === 1 && c.owned().length === 1, 20_000, why);
  await waitUntil('the first records to be handled', () => handled().size === produced, 20_000, why);

  await b.restart();
  await produce(20, 'second');
  await waitUntil('the records produced after the restart to be handled', () => handled().size === produced, 40_000, why);
  await waitUntil('commits after the restart to reach the log end', async () => {
    const offsets = await new GroupAdmin(client.cluster).fetchOffsets(GROUP, [{ topic: TOPIC, partitions: [0, 1] }]);
    return offsets.every((o) => o.offset === 40);
  }, 20_000, why);
  // Each member found the coordinator twice: at the start and after the restart.
  assert.ok(lines.filter((l) => l.includes('coordinator is')).length >= 4, why());
  assert.deepEqual(checkHandovers(log), [], why());
  // Both still own one partition each (after rejoining if the group had to be rebuilt).
  await waitUntil('a and c to own one partition each', () => a.owned().length === 1 && c.owned().length === 1, 20_000, why);
  await a.close();
  await c.close();
});

test('close() with the broker gone gives up after closeTimeoutMs instead of retrying on', async (t) => {
  const b = await startBroker(t, { config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0']) });
  const client = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'dead-broker-test' });
  t.after(() => client.close());
  await client.admin().createTopics([{ name: 'gone', partitions: 1 }]);
  await client.producer().send('gone', [{ value: 'x' }]);
  const consumer = client.groupConsumer({ groupId: 'gone-app', fromBeginning: true, sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 200, closeTimeoutMs: 2000 });
  let revokeError: unknown;
  let assigned = false;
  consumer.subscribe(['gone'], {
    onPartitionsAssigned: () => void (assigned = true),
    async onPartitionsRevoked() {
      try {
        await consumer.commit();
      } catch (err) {
        revokeError = err;
      }
    },
  });
  let handled = 0;
  const running = consumer.run({ eachBatch: () => void handled++ });
  await waitUntil('the record to be handled', () => assigned && handled > 0, 20_000);
  await b.kill9();
  const started = Date.now();
  await consumer.close();
  await running;
  const took = Date.now() - started;
  assert.ok(took < 6000, `close took ${took} ms`);
  assert.ok(revokeError instanceof Error, 'the handover commit failed visibly');
});
