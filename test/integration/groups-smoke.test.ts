// Consumer groups with real clients, briefly: kcat's balanced consumer (-G) joins, consumes and
// commits, and after a broker restart a new one resumes from the committed offset; kafka-python's
// KafkaConsumer(group_id=…) does the same with its own coordinator code. The big proofs (kafkajs,
// cooperative-sticky, kill -9) are in test/integration/groups/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { python3, requireTool, run, startBroker, tempDir, type Broker } from '../helpers/broker.js';

function configFile(t: Parameters<typeof tempDir>[0]): string {
  const path = join(tempDir(t), 'server.properties');
  // No initial rebalance delay: one consumer joining an empty group needs no wait.
  writeFileSync(path, 'group.initial.rebalance.delay.ms=0\n');
  return path;
}

const common = (b: Broker) => ['-b', b.bootstrap, '-X', 'socket.timeout.ms=20000'];

async function produce(b: Broker, topic: string, from: number, to: number): Promise<void> {
  let input = '';
  for (let i = from; i <= to; i++) input += `m${i}\n`;
  await run('kcat', ['-P', ...common(b), '-t', topic, '-X', 'message.timeout.ms=30000'], { input, broker: b, timeoutMs: 60_000 });
}

/** A balanced consumer that exits at the end of its partitions, committing (and leaving) on the way out. */
async function consumeGroup(b: Broker, group: string, topic: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-G', group, ...common(b), '-X', 'auto.offset.reset=earliest', '-e', '-q', '-X', 'session.timeout.ms=10000', topic], { broker: b, timeoutMs: 60_000 });
  return stdout.split('\n').filter((l) => l !== '');
}

test('kcat -G: a balanced consumer commits; after a restart the next one resumes from the committed offset', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t, { config: configFile(t) });
  await produce(b, 'smoke-g', 1, 10);
  assert.deepEqual(await consumeGroup(b, 'smoke-kcat', 'smoke-g'), Array.from({ length: 10 }, (_, i) => `m${i + 1}`));

  await b.restart();
  await produce(b, 'smoke-g', 11, 13);
  // auto.offset.reset applies only without a committed offset: the group's commit wins.
  assert.deepEqual(await consumeGroup(b, 'smoke-kcat', 'smoke-g'), ['m11', 'm12', 'm13']);
  assert.match(b.output(), /loaded consumer groups from __consumer_offsets/);
});

const pythonConsumer = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic, group = sys.argv[1:4]
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=8000, session_timeout_ms=10000)
values = [m.value.decode() for m in c]
c.commit()
tp = TopicPartition(topic, 0)
committed = c.committed(tp)
c.close()
print(json.dumps({"values": values, "committed": committed}))
`;

test('kafka-python KafkaConsumer(group_id=...) consumes, commits, and a second consumer resumes', async (t) => {
  if (!requireTool(t, 'python:kafka')) return;
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t, { config: configFile(t) });
  await produce(b, 'smoke-py', 1, 5);
  const runConsumer = async () => {
    const { stdout } = await run(python3, ['-c', pythonConsumer, b.bootstrap, 'smoke-py', 'smoke-python'], { broker: b, timeoutMs: 90_000 });
    return JSON.parse(stdout) as { values: string[]; committed: number };
  };
  const first = await runConsumer();
  assert.deepEqual(first.values, ['m1', 'm2', 'm3', 'm4', 'm5']);
  assert.equal(first.committed, 5);
  await produce(b, 'smoke-py', 6, 7);
  const second = await runConsumer();
  assert.deepEqual(second.values, ['m6', 'm7']);
  assert.equal(second.committed, 7);
});
