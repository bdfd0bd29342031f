// kcat (librdkafka 2.x) against a real broker process: metadata, a large ordered produce/consume,
// keys, headers, every compression codec, and offset lookups relative to the end and by time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, run, startBroker, tempDir, type Broker, type RunOptions } from '../../helpers/broker.js';

/** One message as printed by `kcat -C -J`. */
interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

// Bounded client-side timeouts: a hung broker fails the test with librdkafka's own error well
// before run()'s hard kill.
const common = (b: Broker) => ['-b', b.bootstrap, '-m', '20', '-X', 'socket.timeout.ms=20000'];
const produceArgs = (b: Broker, topic: string) => ['-P', ...common(b), '-t', topic, '-p', '0', '-X', 'message.timeout.ms=30000'];
const consumeArgs = (b: Broker, topic: string) => ['-C', ...common(b), '-t', topic, '-p', '0', '-e', '-q'];

function kcat(b: Broker, args: string[], opts: RunOptions = {}) {
  return run('kcat', args, { broker: b, ...opts });
}

async function consumeJson(b: Broker, topic: string, offset: string): Promise<KcatMessage[]> {
  const { stdout } = await kcat(b, [...consumeArgs(b, topic), '-o', offset, '-J']);
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as KcatMessage);
}

function lines(from: number, to: number, f: (i: number) => string = String): string {
  let s = '';
  for (let i = from; i <= to; i++) s += f(i) + '\n';
  return s;
}

test('kcat -L lists the broker and the topics', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, produceArgs(b, 'meta-a'), { input: 'one\n' });
  await kcat(b, produceArgs(b, 'meta-b'), { input: 'two\n' });

  const { stdout } = await kcat(b, ['-L', ...common(b), '-J']);
  const md = JSON.parse(stdout) as {
    brokers: { id: number; name: string }[];
    topics: { topic: string; error?: string; partitions: { partition: number; leader: number }[] }[];
  };
  assert.equal(md.brokers.length, 1);
  assert.equal(md.brokers[0]!.name, `127.0.0.1:${b.port}`, 'the advertised address is the one we connect to');
  const names = md.topics.map((x) => x.topic);
  assert.ok(names.includes('meta-a') && names.includes('meta-b'), `topics: ${names.join(', ')}`);
  for (const name of ['meta-a', 'meta-b']) {
    const topic = md.topics.find((x) => x.topic === name)!;
    assert.equal(topic.error, undefined);
    assert.deepEqual(
      topic.partitions.map((p) => [p.partition, p.leader]),
      [[0, md.brokers[0]!.id]],
    );
  }
});

test('kcat produces 100,000 messages from a file and reads all of them back in order', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const n = 100_000;
  const file = join(tempDir(t), 'seq.txt');
  writeFileSync(file, lines(1, n));

  await kcat(b, [...produceArgs(b, 'seq'), '-l', file], { timeoutMs: 55_000 });
  const { stdout } = await kcat(b, [...consumeArgs(b, 'seq'), '-o', 'beginning', '-f', '%o %s\n'], { timeoutMs: 55_000 });

  const got = stdout.split('\n');
  assert.equal(got.pop(), '', 'output ends with a newline');
  assert.equal(got.length, n);
  for (let i = 0; i < n; i++) {
    // One by one, so a failure names the first offset that went wrong rather than a huge diff.
    if (got[i] !== `${i} ${i + 1}`) assert.fail(`message ${i}: expected "${i} ${i + 1}", got "${got[i]}"`);
  }
});

test('kcat keys (-K) round-trip', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, [...produceArgs(b, 'keyed'), '-K:'], { input: lines(0, 99, (i) => `key-${i}:value-${i}`) });
  const msgs = await consumeJson(b, 'keyed', 'beginning');
  assert.deepEqual(
    msgs.map((m) => [m.offset, m.key, m.payload]),
    Array.from({ length: 100 }, (_, i) => [i, `key-${i}`, `value-${i}`]),
  );
});

test('kcat headers (-H) round-trip, including repeated and empty values', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, [...produceArgs(b, 'headers'), '-H', 'trace=abc-123', '-H', 'dup=1', '-H', 'dup=2', '-H', 'empty='], {
    input: lines(0, 9, (i) => `m${i}`),
  });
  const msgs = await consumeJson(b, 'headers', 'beginning');
  assert.equal(msgs.length, 10);
  for (const [i, m] of msgs.entries()) {
    assert.equal(m.payload, `m${i}`);
    assert.deepEqual(m.headers, ['trace', 'abc-123', 'dup', '1', 'dup', '2', 'empty', '']);
  }
});

for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
  test(`kcat -z ${codec}: produced compressed, consumed back intact`, async (t) => {
    if (!requireTool(t, 'kcat')) return;
    const b = await startBroker(t);
    const topic = `codec-${codec}`;
    // Repetitive values so the codec really shrinks the batch, plus one value per message that is unique.
    const value = (i: number) => `${codec}-${i}-${'x'.repeat(i % 200)}`;
    await kcat(b, [...produceArgs(b, topic), '-z', codec, '-K:'], { input: lines(0, 1999, (i) => `k${i}:${value(i)}`) });
    const msgs = await consumeJson(b, topic, 'beginning');
    assert.equal(msgs.length, 2000);
    for (const [i, m] of msgs.entries()) {
      if (m.offset !== i || m.key !== `k${i}` || m.payload !== value(i))
        assert.fail(`message ${i}: got offset ${m.offset} key ${m.key} payload ${m.payload?.slice(0, 40)}`);
    }
  });
}

test('kcat -o -10 reads the last ten messages', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, produceArgs(b, 'tail'), { input: lines(0, 99, (i) => `v${i}`) });
  const msgs = await consumeJson(b, 'tail', '-10');
  assert.deepEqual(
    msgs.map((m) => [m.offset, m.payload]),
    Array.from({ length: 10 }, (_, k) => [90 + k, `v${90 + k}`]),
  );
});

test('kcat -o s@<timestamp> starts at the first message at or after that time', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, produceArgs(b, 'by-time'), { input: lines(0, 49, (i) => `early-${i}`) });
  const before = await consumeJson(b, 'by-time', 'beginning');
  const lastEarlyTs = Math.max(...before.map((m) => m.ts));
  // Messages carry the producer's CreateTime in ms; wait until the clock has moved past every
  // early message, so the boundary is unambiguous whatever the batching.
  let boundary = Date.now();
  while (boundary <= lastEarlyTs) {
    await new Promise((r) => setTimeout(r, 5));
    boundary = Date.now();
  }
  await new Promise((r) => setTimeout(r, 5));
  await kcat(b, produceArgs(b, 'by-time'), { input: lines(0, 49, (i) => `late-${i}`) });

  const all = await consumeJson(b, 'by-time', 'beginning');
  assert.equal(all.length, 100);
  assert.ok(all.slice(50).every((m) => m.ts >= boundary), 'late messages carry later timestamps');

  const fromBoundary = await consumeJson(b, 'by-time', `s@${boundary}`);
  assert.deepEqual(
    fromBoundary.map((m) => [m.offset, m.payload]),
    Array.from({ length: 50 }, (_, i) => [50 + i, `late-${i}`]),
  );
  const fromStart = await consumeJson(b, 'by-time', `s@${before[0]!.ts}`);
  assert.equal(fromStart.length, 100, 's@<first timestamp> starts at offset 0');
  const future = await consumeJson(b, 'by-time', `s@${Math.max(...all.map((m) => m.ts)) + 60_000}`);
  assert.deepEqual(future, [], 'a timestamp after every message starts at the end');
});

test('messages survive a clean restart, served again on the same port', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await kcat(b, [...produceArgs(b, 'durable'), '-K:'], { input: lines(0, 999, (i) => `k${i}:v${i}`) });
  const port = b.port;
  await b.restart();
  assert.equal(b.port, port);
  await kcat(b, [...produceArgs(b, 'durable'), '-K:'], { input: lines(1000, 1099, (i) => `k${i}:v${i}`) });
  const msgs = await consumeJson(b, 'durable', 'beginning');
  assert.deepEqual(
    msgs.map((m) => [m.offset, m.key, m.payload]),
    Array.from({ length: 1100 }, (_, i) => [i, `k${i}`, `v${i}`]),
    'offsets continue after the restart, with nothing lost or repeated',
  );
});
