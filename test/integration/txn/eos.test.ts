// Exactly-once read-process-write, end to end, across crashes: a kafkajs processor (its own
// process, eos-processor.ts) consumes 200,000 records of `in` in a group, read_committed, and for
// every 1,000 records of a partition writes them to `out` and commits the input offsets in the same
// transaction. The test SIGKILLs the processor four times — right after a transaction's records were
// acknowledged, right after its offsets were, and at a random moment — and kill -9s the broker once,
// inside a transaction; a supervisor starts the processor again whenever it exits. At the end `out`, read committed, holds every input record exactly once, in input order
// per partition — even though aborted attempts left duplicates in the log (read_uncommitted).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot, requireTool, run, startBroker } from '../../helpers/broker.js';
import { brokerConfig, diagnostics, MemberProcess, waitUntil } from '../groups/members.js';
import { createTopics, kcatRead } from './txn-helpers.js';

const processorScript = join(dirname(fileURLToPath(import.meta.url)), 'eos-processor.js');
const PARTITIONS = 4;
const PER_PARTITION = 50_000;
const TOTAL = PARTITIONS * PER_PARTITION;
const CHUNK = 1000;
const PAD = 'x'.repeat(24);
const inValue = (p: number, i: number) => `in-${p}-${i}-${PAD}`;

test('exactly-once read-process-write with kafkajs: processor SIGKILLed 3+ times and the broker kill -9ed once; out holds every input record once', { timeout: 300_000 }, async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t, {
    config: brokerConfig(t, ['group.initial.rebalance.delay.ms=0', 'group.min.session.timeout.ms=1000', 'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000']),
  });
  await createTopics(b, [
    { topic: 'in', numPartitions: PARTITIONS },
    { topic: 'out', numPartitions: PARTITIONS },
  ]);
  for (let p = 0; p < PARTITIONS; p++) {
    const input = Array.from({ length: PER_PARTITION }, (_, i) => `k${i}:${inValue(p, i)}`).join('\n') + '\n';
    await run('kcat', ['-P', '-b', b.bootstrap, '-t', 'in', '-p', String(p), '-K', ':', '-X', 'linger.ms=20'], { broker: b, input, timeoutMs: 60_000 });
  }

  // The supervisor: one processor at a time, started again whenever it exits until the work is done.
  const processors: MemberProcess[] = [];
  const committed = new Map<number, number>(); // partition → highest input offset reported committed
  let done = false;
  let killsByTest = 0;
  const exits: string[] = [];
  const progress = () => [...committed.values()].reduce((a, c) => a + c, 0);
  const why = () => `progress ${progress()} of ${TOTAL}; exits: ${exits.join(', ')}\n${diagnostics(b, processors.slice(-3))}`;
  const start = (): MemberProcess => {
    const name = `p${processors.length + 1}`;
    const child = spawn(process.execPath, [processorScript, b.bootstrap, 'in', 'out', 'eos-group', 'eos-processor', name, String(CHUNK)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const m = new MemberProcess(name, child);
    processors.push(m);
    t.after(() => m.kill9());
    child.stdout!.on('data', () => {
      for (const e of m.of('commit').slice(-50)) {
        const p = e.partition as number;
        committed.set(p, Math.max(committed.get(p) ?? 0, e.offset as number));
      }
      // MemberProcess parsed this chunk first (its listener was added first).
      if (armed && m === current() && m.events[m.events.length - 1]?.type === armed.on) {
        const fire = armed.fire;
        armed = undefined;
        fire(m);
      }
    });
    void m.exited.then(({ code, signal }) => {
      exits.push(`${name}:${signal ?? code}`);
      if (!done) setTimeout(() => { if (!done) start(); }, 200);
    });
    return m;
  };
  const current = () => processors[processors.length - 1]!;
  /** Fires once, synchronously, when the running processor's latest report is of type `on`. */
  let armed: { on: string; fire: (m: MemberProcess) => void } | undefined;
  const when = (on: 'sent' | 'offsets', what: string, fire: (m: MemberProcess) => void) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${on}' report within 60 s to ${what}\n${why()}`)), 60_000);
      armed = { on, fire: (m) => (clearTimeout(timer), fire(m), resolve()) };
    });
  const kills: string[] = [];
  const killProcessorWhen = async (on: 'sent' | 'offsets') => {
    let victim: MemberProcess | undefined;
    await when(on, 'kill the processor', (m) => {
      victim = m;
      m.child.kill('SIGKILL');
    });
    killsByTest++;
    kills.push(`${victim!.name} after '${on}'`);
    await victim!.exited;
  };
  start();
  const started = Date.now();

  const reach = (fraction: number) => waitUntil(`${Math.round(fraction * 100)}% of the input committed`, () => progress() >= fraction * TOTAL, 120_000, why);
  const killProcessorAnytime = async () => {
    await new Promise((r) => setTimeout(r, Math.random() * 40));
    killsByTest++;
    kills.push(`${current().name} at random`);
    await current().kill9();
  };

  await reach(0.1);
  // Its records are in `out`, uncommitted: the next instance's InitProducerId aborts them.
  await killProcessorWhen('sent');
  await reach(0.3);
  // Its offsets are pending in the group: aborted with it, so the input is processed again.
  await killProcessorWhen('offsets');
  await reach(0.5);
  // The broker dies inside a transaction: the processor fails (or carries on) and the restarted
  // broker must neither commit nor lose what was acknowledged before.
  await when('sent', 'kill the broker', () => b.process.kill('SIGKILL'));
  kills.push('broker after \'sent\'');
  await b.kill9();
  await b.restart();
  await reach(0.65);
  await killProcessorAnytime();
  await reach(0.8);
  await killProcessorWhen('sent');
  await waitUntil('all input committed', () => progress() >= TOTAL, 120_000, why);
  done = true;
  const last = current();
  last.child.kill('SIGTERM');
  await last.exited;
  t.diagnostic(`processed ${TOTAL} records in ${((Date.now() - started) / 1000).toFixed(1)} s with ${processors.length} processor instances; kills: ${kills.join(', ')}; exits: ${exits.join(', ')}`);
  assert.ok(killsByTest >= 4, why());
  for (const m of processors) {
    const ats = m.of('commit').map((e) => e.at as number);
    const gaps = ats.slice(1).map((a, i) => a - ats[i]!).sort((x, y) => x - y);
    const lastEvents = m.events.slice(-2).map((e) => `${e.type}${e.partition === undefined ? '' : ` ${e.partition}@${e.offset}`}${e.error ? ` ${e.error}` : ''}`);
    t.diagnostic(`${m.name}: ${ats.length} transactions committed, ${gaps[gaps.length >> 1]} ms apart (median), max ${gaps[gaps.length - 1]}; exit ${JSON.stringify(await m.exited)}; last reports: ${lastEvents.join(', ')}`);
  }

  // The group's committed offsets are the input's end.
  const admin = new Kafka({ brokers: [b.bootstrap], clientId: 'eos-check', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['in'] });
    assert.deepEqual(offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((x, y) => x[0]! - y[0]!), Array.from({ length: PARTITIONS }, (_, p) => [p, PER_PARTITION]), why());
  } finally {
    await admin.disconnect();
  }

  // `out` read committed: every input record exactly once, in input order, in its partition.
  const out = await kcatRead(b, 'out', 'read_committed', 120_000);
  for (let p = 0; p < PARTITIONS; p++) {
    const got = out.get(p) ?? [];
    let firstBad = -1;
    for (let i = 0; i < Math.max(got.length, PER_PARTITION); i++) {
      if (got[i] !== `out:${inValue(p, i)}`) {
        firstBad = i;
        break;
      }
    }
    const distinct = new Set(got).size;
    assert.equal(firstBad, -1, `out partition ${p}: ${got.length} records (${distinct} distinct); first mismatch at position ${firstBad}: ${JSON.stringify(got[firstBad])}, expected ${JSON.stringify(`out:${inValue(p, firstBad)}`)}\n${why()}`);
  }
  // What the crashes left behind: records of aborted transactions, in the log but never read committed.
  const all = await kcatRead(b, 'out', 'read_uncommitted', 120_000);
  const uncommitted = [...all.values()].reduce((a, l) => a + l.length, 0);
  t.diagnostic(`out holds ${uncommitted} records read_uncommitted: ${uncommitted - TOTAL} from aborted transactions`);
  assert.ok(uncommitted >= TOTAL, why());
});
