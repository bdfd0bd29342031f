// Log compaction through a real broker process: kcat produces 100,000 keyed updates over 1,000 keys
// plus tombstones (-Z turns empty values into NULL) into a compacted topic with small segments; once the
// cleaner has run, kcat reading from the beginning sees exactly the latest value of every live key, no
// deleted key, increasing offsets, in a smaller partition directory. The crash variant makes the broker
// SIGKILL itself in the middle of a clean (kappa.test.cleaner.crash.at) and restarts it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kappaBin, requireTool, run, startBroker, tempDir, type Broker } from '../helpers/broker.js';

const TOPIC = 'compacted';
const KEYS = 1000;
const UPDATES = 100_000;

interface KcatMessage {
  offset: number;
  key: string | null;
  payload: string | null;
}

/** The kcat -K: input, and what a fully compacted log must then hold (key -> latest value, live keys only). */
function workload(): { input: string; expected: Map<string, string>; total: number } {
  const lines: string[] = [];
  const latest = new Map<string, string | null>();
  const put = (key: string, value: string | null): void => {
    lines.push(`${key}:${value ?? ''}`);
    latest.set(key, value);
  };
  for (let i = 0; i < UPDATES; i++) {
    put(`key-${i % KEYS}`, `value-${i}`);
    // Deleted in the middle and written again afterwards: live at the end.
    if (i === UPDATES / 2) for (let k = 5; k < KEYS; k += 10) put(`key-${k}`, null);
  }
  // Deleted for good.
  for (let k = 0; k < KEYS; k += 10) put(`key-${k}`, null);
  const expected = new Map<string, string>();
  for (const [k, v] of latest) if (v !== null) expected.set(k, v);
  return { input: lines.join('\n') + '\n', expected, total: lines.length };
}

const kappa = (b: Broker, args: string[]) => run(process.execPath, [kappaBin, ...args, '--bootstrap-server', b.bootstrap], { broker: b });

function dirBytes(dir: string): number {
  // A file may vanish between listing and stat (an index written through a temporary name).
  return readdirSync(dir).reduce((n, name) => n + (statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** The cleaner's own record of progress: every offset below cleanerOffset is clean, and no tombstone awaits removal. */
function fullyCleaned(partitionDir: string, logEnd: number): boolean {
  try {
    const c = JSON.parse(readFileSync(join(partitionDir, 'cleaner-offset-checkpoint'), 'utf8')) as { cleanerOffset: number; latestDeleteHorizon: number };
    return c.cleanerOffset >= logEnd && c.latestDeleteHorizon === -1;
  } catch {
    return false;
  }
}

async function waitFor(what: string, b: Broker, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n--- broker output ---\n${b.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function consumeAll(b: Broker): Promise<KcatMessage[]> {
  const { stdout } = await run('kcat', ['-C', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-J', '-X', 'socket.timeout.ms=20000'], {
    broker: b, timeoutMs: 55_000,
  });
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KcatMessage);
}

function assertCompacted(messages: KcatMessage[], expected: Map<string, string>): void {
  for (let i = 1; i < messages.length; i++) assert.ok(messages[i]!.offset > messages[i - 1]!.offset, `offsets increase at ${i}`);
  const seen = new Map<string, string | null>();
  for (const m of messages) {
    assert.ok(m.key !== null, `record at ${m.offset} has a key`);
    assert.ok(!seen.has(m.key), `key ${m.key} appears once (again at ${m.offset})`);
    seen.set(m.key, m.payload);
  }
  assert.equal(seen.size, expected.size);
  for (const [k, v] of expected) assert.equal(seen.get(k), v, `latest value of ${k}`);
}

/** Starts a broker whose cleaner runs every 200 ms, creates the topic held back by min.compaction.lag.ms, and produces. */
async function produceWorkload(t: Parameters<typeof startBroker>[0], extraConfig = '') {
  const props = join(tempDir(t), 'server.properties');
  writeFileSync(props, `log.cleaner.backoff.ms=200\n${extraConfig}`);
  const b = await startBroker(t, { config: props });
  await kappa(b, [
    'topics', 'create', TOPIC,
    '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=262144', '--config', 'min.cleanable.dirty.ratio=0.01',
    '--config', 'delete.retention.ms=300', '--config', 'segment.ms=1000',
    // Held back until the size of the uncleaned log has been measured.
    '--config', 'min.compaction.lag.ms=3600000',
  ]);
  const w = workload();
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-K', ':', '-Z', '-X', 'message.timeout.ms=30000'], {
    broker: b, input: w.input, timeoutMs: 55_000,
  });
  // A batch of its own at the log end: the cleaner keeps the log's last batch whole (as Kafka never cleans
  // the active segment), so the workload's final tombstones must not share it.
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-K', ':'], { broker: b, input: 'sentinel:end\n' });
  w.expected.set('sentinel', 'end');
  w.total += 1;
  const partitionDir = join(b.dataDir, `${TOPIC}-0`);
  const bytesBefore = dirBytes(partitionDir);
  return { b, props, w, partitionDir, bytesBefore };
}

test('compaction through a broker process: the latest value of every live key, once, in a smaller log', { timeout: 180_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const { b, w, partitionDir, bytesBefore } = await produceWorkload(t);
  const before = await consumeAll(b);
  assert.equal(before.length, w.total, 'nothing is cleaned while min.compaction.lag.ms holds it back');

  await kappa(b, ['topics', 'alter', TOPIC, '--config', 'min.compaction.lag.ms=0']);
  await waitFor('the cleaner to clean the whole log and drop the tombstones', b, () => fullyCleaned(partitionDir, w.total));

  assertCompacted(await consumeAll(b), w.expected);
  const bytesAfter = dirBytes(partitionDir);
  assert.ok(bytesAfter < bytesBefore / 10, `partition directory ${bytesBefore} -> ${bytesAfter} bytes`);
  // Producing continues at the log end.
  await run('kcat', ['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-K', ':'], { broker: b, input: 'key-1:after\n' });
  const after = await consumeAll(b);
  assert.deepEqual(after.at(-1), { ...after.at(-1)!, offset: w.total, key: 'key-1', payload: 'after' });
});

for (const step of ['cleaned', 'swapped'] as const) {
  test(`compaction survives a broker killed at the cleaner's '${step}' step`, { timeout: 180_000 }, async (t) => {
    if (!requireTool(t, 'kcat')) return;
    const { b, props, w, partitionDir } = await produceWorkload(t, `kappa.test.cleaner.crash.at=${step}\n`);
    const exited = b.process.exitCode !== null || b.process.signalCode !== null ? Promise.resolve() : once(b.process, 'exit');
    await kappa(b, ['topics', 'alter', TOPIC, '--config', 'min.compaction.lag.ms=0']);
    await exited;
    assert.equal(b.process.signalCode, 'SIGKILL');
    const leftovers = readdirSync(partitionDir).filter((n) => /\.(cleaned|swap|cleaning)$/.test(n));
    assert.ok(leftovers.length > 0, `the crash left a clean half done (${readdirSync(partitionDir).join(' ')})`);

    writeFileSync(props, 'log.cleaner.backoff.ms=200\n');
    await b.restart();
    assert.deepEqual(readdirSync(partitionDir).filter((n) => /\.(cleaned|swap|cleaning)$/.test(n)), [], 'recovery finished or rolled back the swap');
    await waitFor('the cleaner to clean the whole log after the restart', b, () => fullyCleaned(partitionDir, w.total));
    assertCompacted(await consumeAll(b), w.expected);
  });
}
