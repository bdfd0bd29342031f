// Exactly-once consume-transform-produce with Kappa's client alone, across SIGKILLs. The input is
// itself transactional: Kappa's producer commits the real records while a second transactional
// producer keeps aborted "junk" transactions open around them in the same partitions. The processor
// (eos-processor.ts, its own process) reads at read_committed and writes each chunk with its input
// offsets in one transaction. The test SIGKILLs it mid-transaction (right after a chunk's records were
// acknowledged, right after its offsets were, and at random moments) and starts it again each time.
// At the end the output read committed by kcat holds every input record exactly once, in input order
// per partition; no junk ever reached it (not even read_uncommitted); the group's offsets are the end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GroupAdmin } from '../../../src/client/group-admin.js';
import { KafkaClient } from '../../../src/client/kafka-client.js';
import { repoRoot, requireTool, startBroker } from '../../helpers/broker.js';
import { diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { createTopics, kcatRead } from '../txn/txn-helpers.js';

const processorScript = join(dirname(fileURLToPath(import.meta.url)), 'eos-processor.js');
const PARTITIONS = 3;
const PER_PARTITION = 3000;
const TOTAL = PARTITIONS * PER_PARTITION;
const INPUT_CHUNK = 500;
const CHUNK = 100;
const inValue = (p: number, i: number) => `in-${p}-${i}`;

test('exactly-once consume-transform-produce with Kappa\'s client: the processor is SIGKILLed mid-transaction 4 times; out holds every committed input record once', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  await createTopics(b, [
    { topic: 'in', numPartitions: PARTITIONS },
    { topic: 'out', numPartitions: PARTITIONS },
  ]);

  // The input: real records committed in chunks, each chunk inside an aborted junk transaction of another producer.
  const writer = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'eos-input' });
  t.after(() => writer.close());
  const real = writer.producer({ transactionalId: 'eos-input-real', lingerMs: 2 });
  const junk = writer.producer({ transactionalId: 'eos-input-junk', lingerMs: 2 });
  await real.initTransactions();
  await junk.initTransactions();
  for (let from = 0; from < PER_PARTITION; from += INPUT_CHUNK) {
    junk.beginTransaction();
    await junk.send('in', Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `junk-${partition}-${from}` })));
    real.beginTransaction();
    for (let p = 0; p < PARTITIONS; p++) void real.send('in', Array.from({ length: INPUT_CHUNK }, (_, i) => ({ partition: p, key: `k${from + i}`, value: inValue(p, from + i) })));
    await real.commitTransaction();
    await junk.abortTransaction();
  }

  const processors: MemberProcess[] = [];
  const progress = new Map<number, number>(); // partition → highest input offset reported committed
  let done = false;
  // A failed run must not go on restarting processors after the test: the file would never end.
  t.after(() => {
    done = true;
  });
  const exits: string[] = [];
  const kills: string[] = [];
  // The input offsets count the junk records and markers too: the end is reached when every real record is.
  const ends = new Map<number, number>((await writer.admin().listOffsets('in', 'latest')).map((o) => [o.partition, o.offset]));
  const reported = () => [...progress.values()].reduce((a, c) => a + c, 0);
  const why = () => `progress ${JSON.stringify([...progress])} of ${JSON.stringify([...ends])}; kills: ${kills.join(', ')}; exits: ${exits.join(', ')}\n${diagnostics(b, processors.slice(-3))}`;
  let armed: { on: string; fire: (m: MemberProcess) => void } | undefined;
  const current = () => processors[processors.length - 1]!;
  const start = (): void => {
    const name = `p${processors.length + 1}`;
    const child = spawn(process.execPath, [processorScript, b.bootstrap, 'in', 'out', 'eos-group', 'eos-processor', name, String(CHUNK), String(PARTITIONS)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const m = new MemberProcess(name, child);
    processors.push(m);
    t.after(() => m.kill9());
    child.stdout!.on('data', () => {
      for (const e of m.of('commit').slice(-20)) progress.set(e.partition as number, Math.max(progress.get(e.partition as number) ?? 0, e.offset as number));
      if (armed && m === current() && m.events[m.events.length - 1]?.type === armed.on) {
        const fire = armed.fire;
        armed = undefined;
        fire(m);
      }
    });
    void m.exited.then(({ code, signal }) => {
      exits.push(`${name}:${signal ?? code}`);
      if (!done) setTimeout(() => !done && start(), 50);
    });
  };
  /** SIGKILLs the running processor as soon as its latest report is `on` (the transaction is then open). */
  const killWhen = (on: 'sent' | 'offsets') =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${on}' report within 20 s\n${why()}`)), 20_000);
      armed = {
        on,
        fire: (m) => {
          clearTimeout(timer);
          m.child.kill('SIGKILL');
          kills.push(`${m.name} after '${on}'`);
          void m.exited.then(() => resolve());
        },
      };
    });
  const killAnytime = async () => {
    await waitUntil('a running processor that has committed', () => current().running && current().of('commit').length > 0, 20_000, why);
    await new Promise((r) => setTimeout(r, Math.random() * 30));
    kills.push(`${current().name} at random`);
    await current().kill9();
  };
  const reach = (fraction: number) => waitUntil(`${Math.round(fraction * 100)}% of the input committed`, () => reported() >= fraction * [...ends.values()].reduce((a, c) => a + c, 0), 30_000, why);

  const started = Date.now();
  start();
  await reach(0.1);
  await killWhen('sent');
  await reach(0.3);
  await killWhen('offsets');
  await reach(0.5);
  await killAnytime();
  await reach(0.7);
  await killWhen('sent');
  // The group's offsets, not only the 'commit' reports: a processor killed right after reporting
  // 'offsets' may have sent its EndTxn already, committing the transaction without living to report it
  // (and when that was a partition's last chunk, no later report would show it).
  const groupOffsets = new GroupAdmin(writer.cluster);
  await waitUntil('all input committed', async () => {
    const committed = await groupOffsets.fetchOffsets('eos-group', [{ topic: 'in', partitions: [0, 1, 2] }]);
    for (const o of committed) progress.set(o.partition, Math.max(progress.get(o.partition) ?? 0, o.offset));
    return [...ends].every(([p, end]) => (progress.get(p) ?? 0) >= end - 2);
  }, 30_000, why);
  done = true;
  current().child.kill('SIGTERM');
  await current().exited;
  t.diagnostic(`processed ${TOTAL} records in ${((Date.now() - started) / 1000).toFixed(1)} s with ${processors.length} processor instances; kills: ${kills.join(', ')}; exits: ${exits.join(', ')}`);
  assert.ok(kills.length >= 4, why());

  // The group's offsets: past the last real record of each partition (the last junk marker may follow it).
  const committed = await new GroupAdmin(writer.cluster).fetchOffsets('eos-group', [{ topic: 'in', partitions: [0, 1, 2] }]);
  for (const o of committed) assert.ok(o.offset >= ends.get(o.partition)! - 2, `group offset ${JSON.stringify(o)}\n${why()}`);

  const out = await kcatRead(b, 'out', 'read_committed');
  for (let p = 0; p < PARTITIONS; p++) {
    const got = out.get(p) ?? [];
    const firstBad = Array.from({ length: Math.max(got.length, PER_PARTITION) }, (_, i) => i).find((i) => got[i] !== `out:${inValue(p, i)}`);
    assert.equal(firstBad, undefined, `out partition ${p}: ${got.length} records (${new Set(got).size} distinct); first mismatch at ${firstBad}: ${JSON.stringify(got[firstBad ?? 0])}\n${why()}`);
  }
  const all = await kcatRead(b, 'out', 'read_uncommitted');
  const everything = [...all.values()].flat();
  assert.equal(everything.filter((v) => v.includes('junk')).length, 0, 'aborted input never reached the output');
  t.diagnostic(`out holds ${everything.length} records read_uncommitted: ${everything.length - TOTAL} from aborted attempts`);
});
