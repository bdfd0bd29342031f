// Crash consistency: a real client (confluent-kafka-python on librdkafka) produces with acks=all
// while the broker is killed with SIGKILL; after a restart on the same data directory, every
// record the broker acknowledged must be there exactly once, at the offset it was acknowledged
// with, and each partition must be a gap-free, duplicate-free prefix of what was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { python3, repoRoot, requireTool, run, startBroker, type Broker } from '../helpers/broker.js';

const SCRIPT = join(repoRoot, 'test', 'integration', 'crash', 'produce.py');
const COUNT = 50_000;
const PARTITIONS = 3;
// Paced so the whole run takes ~1.7 s: the kill then lands while records are still in flight,
// whatever the speed of the machine (an unthrottled producer could finish before we react).
const RATE = 30_000;

/** partition, offset, value as the delivery callback reported them. */
type Ack = [partition: number, offset: number, value: number];

interface ProduceOutcome {
  acks: Ack[];
  /** Acknowledgements seen when the kill was decided. */
  ackedAtKill: number;
  /** Whether the producer reported that all COUNT records were acknowledged (it must not have). */
  finished: boolean;
  stderr: string;
}

/**
 * Runs the producer; once `minAcks` acknowledgements were seen, waits a random 0–150 ms (so the
 * kill is not aligned with a delivery callback) and SIGKILLs the broker, then the producer (so it
 * cannot retry into the restarted broker). Every acknowledgement still in the pipe is kept: the
 * broker sent it before it died.
 */
function produceAndCrash(b: Broker, topic: string, minAcks: number): Promise<ProduceOutcome> {
  const proc = spawn(python3, [SCRIPT, '--bootstrap', b.bootstrap, '--topic', topic, '--partitions', String(PARTITIONS), '--count', String(COUNT), '--rate', String(RATE)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let stderr = '';
  let finished = false;
  let ackedAtKill = -1;
  let badLine: string | undefined;
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => {
    if (stderr.length < 100_000) stderr += s;
  });

  const crash = async () => {
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
    ackedAtKill = acks.length;
    await b.kill9();
    proc.kill('SIGKILL');
  };
  let crashing: Promise<void> | undefined;
  const guard = setTimeout(() => {
    badLine ??= `(no ${minAcks} acknowledgements within 30 s; ${acks.length} seen)`;
    proc.kill('SIGKILL');
  }, 30_000);

  const lines = createInterface({ input: proc.stdout });
  let pendingBad: string | undefined;
  lines.on('line', (line) => {
    // A line that does not parse is only acceptable as the very last one (cut by the kill).
    if (pendingBad !== undefined) badLine ??= pendingBad;
    pendingBad = undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      pendingBad = line;
      return;
    }
    if (Array.isArray(parsed)) {
      acks.push(parsed as Ack);
      if (acks.length >= minAcks && crashing === undefined) crashing = crash();
    } else if ((parsed as { event?: string }).event === 'done') {
      finished = true;
    }
  });

  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', async (code, signal) => {
      clearTimeout(guard);
      if (crashing) await crashing;
      const why = badLine !== undefined ? `bad producer output: ${badLine}` : crashing === undefined ? `producer exited (code ${code}, signal ${signal}) before the kill` : undefined;
      if (why) reject(new Error(`${why}\n--- producer stderr ---\n${stderr}\n--- broker output ---\n${b.output()}`));
      else resolve({ acks, ackedAtKill, finished, stderr });
    });
  });
}

async function crashRun(t: import('node:test').TestContext, minAcks: number): Promise<void> {
  if (!requireTool(t, 'python:confluent_kafka') || !requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const topic = 'crash';
  const outcome = await produceAndCrash(b, topic, minAcks);
  assert.ok(!outcome.finished, `the producer finished before the kill: nothing was in flight`);
  assert.ok(outcome.acks.length >= minAcks);

  await b.restart();
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', b.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-m', '20', '-X', 'socket.timeout.ms=20000', '-f', '%p|%o|%s\n'],
    { broker: b, timeoutMs: 40_000 },
  );
  const stored: { offset: number; value: number }[][] = Array.from({ length: PARTITIONS }, () => []);
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'kcat output ends with a newline');
  for (const line of lines) {
    const [p, o, v] = line.split('|').map(Number) as [number, number, number];
    assert.ok(p >= 0 && p < PARTITIONS && Number.isInteger(o) && Number.isInteger(v), `kcat line "${line}"`);
    stored[p]!.push({ offset: o, value: v });
  }

  for (let p = 0; p < PARTITIONS; p++) {
    const recs = stored[p]!;
    // Contiguous from 0, values exactly the sequence sent to this partition: in order, no gap, no duplicate.
    for (let k = 0; k < recs.length; k++) {
      const r = recs[k]!;
      if (r.offset !== k || r.value !== p + k * PARTITIONS) {
        assert.fail(`partition ${p}, record #${k}: expected offset ${k} value ${p + k * PARTITIONS}, got offset ${r.offset} value ${r.value}`);
      }
    }
  }
  for (const [p, o, v] of outcome.acks) {
    const r = stored[p]?.[o];
    if (r === undefined || r.value !== v) {
      assert.fail(`acknowledged record (partition ${p}, offset ${o}, value ${v}) is ${r ? `value ${r.value}` : 'missing'} after restart (partition holds ${stored[p]?.length} records)\n--- broker output ---\n${b.output()}`);
    }
  }
  const total = stored.reduce((n, s) => n + s.length, 0);
  t.diagnostic(`killed after ${outcome.ackedAtKill} acks (${outcome.acks.length} acks in all); ${total} records after restart, ${total - outcome.acks.length} of them unacknowledged`);
}

test('kill -9 while producing (after ≥20,000 acks): every acknowledged record survives exactly once', { timeout: 60_000 }, (t) => crashRun(t, 20_000));

test('kill -9 while producing (after ≥27,000 acks): every acknowledged record survives exactly once', { timeout: 60_000 }, (t) => crashRun(t, 27_000));
