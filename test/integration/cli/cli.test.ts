// The kappa CLI as a user runs it: a broker process (`kappa broker --port 0`) and the CLI as child
// processes, checked by what they print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { kappaBin, run, startBroker, tempDir, type Broker } from '../../helpers/broker.js';
import { partitionForKey } from '../../../src/client/partitioner.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function kappa(broker: Broker, args: string[], opts: { input?: string; okCodes?: number[]; timeoutMs?: number } = {}) {
  return run(process.execPath, [kappaBin, ...args, '--bootstrap-server', broker.bootstrap], { ...opts, broker });
}

const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('seq 100 | kappa produce foo, then consume --from-beginning --max-messages 100 prints 1…100', async (t) => {
  const broker = await startBroker(t);
  const produced = await kappa(broker, ['produce', 'foo'], { input: seq(1, 100).join('\n') + '\n' });
  assert.match(produced.stderr, /Produced 100 record\(s\) to foo/);
  const consumed = await kappa(broker, ['consume', 'foo', '--from-beginning', '--max-messages', '100']);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), seq(1, 100));
});

test('keys, headers and the json format; keys land on their murmur2 partition', async (t) => {
  const broker = await startBroker(t);
  await kappa(broker, ['topics', 'create', 'kv', '--partitions', '3']);
  const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
  const input = keys.map((k, i) => `${k}:value ${i}:with colon`).join('\n') + '\n';
  await kappa(broker, ['produce', 'kv', '--key-separator', ':', '--header', 'source=cli', '--header', 'run=1', '--compression', 'gzip'], { input });
  const out = await kappa(broker, ['consume', 'kv', '--from-beginning', '--max-messages', String(keys.length), '--format', 'json']);
  const records = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(records.length, keys.length);
  for (const r of records) {
    const i = keys.indexOf(r.key);
    assert.ok(i >= 0, `unexpected key ${r.key}`);
    assert.equal(r.value, `value ${i}:with colon`);
    assert.deepEqual(r.headers, { source: 'cli', run: '1' });
    assert.equal(r.topic, 'kv');
    assert.equal(r.partition, partitionForKey(Buffer.from(r.key), 3));
    assert.equal(typeof r.offset, 'number');
    assert.ok(Math.abs(r.timestamp - Date.now()) < 600_000);
  }
  const text = await kappa(broker, ['consume', 'kv', '--from-beginning', '--max-messages', String(keys.length), '--print-key']);
  assert.deepEqual(text.stdout.trimEnd().split('\n').sort(), keys.map((k, i) => `${k}\tvalue ${i}:with colon`).sort());
});

test('a key lands on the same partition whether kafkajs (Java-compatible partitioner) or kappa produced it', async (t) => {
  const broker = await startBroker(t);
  await kappa(broker, ['topics', 'create', 'placement', '--partitions', '5']);
  const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrap], clientId: 'placement-test', logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  t.after(() => producer.disconnect());
  const keys = ['user-1', 'user-2', 'order-77', 'κλειδί', ''];
  const theirs = await producer.send({ topic: 'placement', messages: keys.map((key) => ({ key, value: 'v' })) });
  await kappa(broker, ['produce', 'placement', '--key-separator', '\t'], { input: keys.map((k) => `${k}\tv`).join('\n') + '\n' });
  const out = await kappa(broker, ['consume', 'placement', '--from-beginning', '--max-messages', String(2 * keys.length), '--format', 'json']);
  const byKey = new Map<string, Set<number>>();
  for (const r of out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))) {
    if (!byKey.has(r.key)) byKey.set(r.key, new Set());
    byKey.get(r.key)!.add(r.partition);
  }
  assert.ok(theirs.length > 0);
  for (const k of keys) {
    assert.deepEqual([...byKey.get(k)!], [partitionForKey(Buffer.from(k), 5)], `key ${JSON.stringify(k)}`);
  }
});

test('topics create / list / describe / alter / delete', async (t) => {
  const broker = await startBroker(t);
  const created = await kappa(broker, ['topics', 'create', 'adm', '--partitions', '2', '--config', 'retention.ms=3600000']);
  assert.match(created.stdout, /Created topic adm/);
  const dup = await kappa(broker, ['topics', 'create', 'adm'], { okCodes: [1] });
  assert.match(dup.stderr, /^kappa: TOPIC_ALREADY_EXISTS \(36\)/);
  assert.equal(dup.stderr.trimEnd().split('\n').length, 1);

  await kappa(broker, ['produce', 'adm', '--partition', '1'], { input: 'a\nb\nc\n' });
  const list = JSON.parse((await kappa(broker, ['topics', 'list', '--json'])).stdout);
  assert.ok(list.includes('adm'));

  let d = JSON.parse((await kappa(broker, ['topics', 'describe', 'adm', '--json'])).stdout);
  assert.equal(d.partitions.length, 2);
  assert.deepEqual(d.partitions.map((p: any) => [p.partition, p.earliestOffset, p.latestOffset]), [[0, 0, 0], [1, 0, 3]]);
  assert.equal(d.configs.find((c: any) => c.name === 'retention.ms')?.value, '3600000');
  const human = await kappa(broker, ['topics', 'describe', 'adm']);
  assert.match(human.stdout, /PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+EARLIEST\s+LATEST/);
  assert.match(human.stdout, /retention\.ms\s+3600000/);
  assert.doesNotMatch(human.stdout, /\x1b\[/, 'no colours when stdout is not a terminal');

  await kappa(broker, ['topics', 'alter', 'adm', '--partitions', '4', '--config', 'retention.ms=7200000', '--config', 'cleanup.policy=compact']);
  d = JSON.parse((await kappa(broker, ['topics', 'describe', 'adm', '--json'])).stdout);
  assert.equal(d.partitions.length, 4);
  assert.equal(d.configs.find((c: any) => c.name === 'retention.ms')?.value, '7200000');
  assert.equal(d.configs.find((c: any) => c.name === 'cleanup.policy')?.value, 'compact');

  await kappa(broker, ['topics', 'alter', 'adm', '--delete-config', 'cleanup.policy']);
  d = JSON.parse((await kappa(broker, ['topics', 'describe', 'adm', '--json'])).stdout);
  const policy = d.configs.find((c: any) => c.name === 'cleanup.policy');
  assert.ok(policy === undefined || (policy.isDefault && policy.value === 'delete'), JSON.stringify(policy));
  assert.equal(d.configs.find((c: any) => c.name === 'retention.ms')?.value, '7200000');

  await kappa(broker, ['topics', 'delete', 'adm']);
  const after = JSON.parse((await kappa(broker, ['topics', 'list', '--json'])).stdout);
  assert.ok(!after.includes('adm'));
  const missing = await kappa(broker, ['topics', 'describe', 'adm'], { okCodes: [1] });
  assert.match(missing.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
});

test('consume --from-time starts at the first record at or after the time; --timeout-ms ends when idle', async (t) => {
  const broker = await startBroker(t);
  await kappa(broker, ['topics', 'create', 'timed', '--partitions', '2']);
  await kappa(broker, ['produce', 'timed'], { input: seq(1, 10).join('\n') + '\n' });
  await sleep(50);
  const cut = Date.now();
  await sleep(50);
  await kappa(broker, ['produce', 'timed'], { input: seq(11, 20).join('\n') + '\n' });
  const iso = await kappa(broker, ['consume', 'timed', '--from-time', new Date(cut).toISOString(), '--timeout-ms', '1500']);
  assert.deepEqual(iso.stdout.trimEnd().split('\n').map(Number).sort((a, b) => a - b), seq(11, 20).map(Number));
  const epoch = await kappa(broker, ['consume', 'timed', '--from-time', String(cut), '--max-messages', '10']);
  assert.equal(epoch.stdout.trimEnd().split('\n').length, 10);
  const later = await kappa(broker, ['consume', 'timed', '--from-time', String(Date.now() + 60_000), '--timeout-ms', '500']);
  assert.equal(later.stdout, '');
});

test('--partition and --offset pick where to read; --file reads a file', async (t) => {
  const broker = await startBroker(t);
  const dir = tempDir(t);
  const file = join(dir, 'lines.txt');
  writeFileSync(file, 'zero\r\none\r\ntwo\r\nthree');
  await kappa(broker, ['topics', 'create', 'offs', '--partitions', '2']);
  await kappa(broker, ['produce', 'offs', '--partition', '1', '--file', file, '--acks', '1']);
  const out = await kappa(broker, ['consume', 'offs', '--partition', '1', '--offset', '2', '--timeout-ms', '1000']);
  assert.equal(out.stdout, 'two\nthree\n');
  const none = await kappa(broker, ['consume', 'offs', '--partition', '0', '--from-beginning', '--timeout-ms', '500']);
  assert.equal(none.stdout, '');
});

test('kappa broker exits 0 on SIGTERM', async (t) => {
  const broker = await startBroker(t);
  await kappa(broker, ['topics', 'list']);
  await broker.stop();
  assert.equal(broker.process.exitCode, 0);
});
