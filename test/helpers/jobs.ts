// Stream jobs as separate processes (`kappa job run`), so tests can SIGKILL them like a crash, and
// helpers to produce inputs and read committed outputs with Kappa's client.
import { spawn, type ChildProcess } from 'node:child_process';
import { KafkaClient } from '../../src/client/index.js';
import { GroupAdmin } from '../../src/client/group-admin.js';
import { kappaBin, type CleanupContext } from './broker.js';

export interface JobProcess {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  metricsUrl: Promise<string>;
  kill9(): Promise<void>;
  stop(): Promise<number | null>;
}

export function startJob(t: CleanupContext, args: string[]): JobProcess {
  const proc = spawn(process.execPath, [kappaBin, 'job', 'run', ...args, '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let resolveUrl!: (u: string) => void;
  const metricsUrl = new Promise<string>((resolve) => (resolveUrl = resolve));
  for (const s of [proc.stdout!, proc.stderr!]) {
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      out += c;
      if (out.length > 200_000) out = out.slice(-100_000);
      const m = /metrics on (http:\/\/\S+)/.exec(c);
      if (m) resolveUrl(m[1]!);
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return {
    proc,
    output: () => out,
    exited,
    metricsUrl,
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

export interface JobMetricsView {
  state: string;
  tasks: Array<{ partition: number; lag?: number; watermark: number | null }>;
  operators: Array<{ name: string; recordsIn: number; recordsOut: number; lateDropped: number }>;
}

export async function jobMetrics(job: JobProcess): Promise<JobMetricsView> {
  const res = await fetch(await job.metricsUrl);
  return (await res.json()) as JobMetricsView;
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function produceJson(bootstrap: string, topic: string, records: Array<{ key: string; value: unknown; timestamp: number }>): Promise<void> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'test-producer' });
  try {
    const producer = client.producer({ acks: -1, idempotent: true });
    for (let i = 0; i < records.length; i += 5000) {
      await producer.send(topic, records.slice(i, i + 5000).map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: r.timestamp })));
    }
    await producer.flush();
  } finally {
    await client.close();
  }
}

/** Every committed record of a topic, per partition in offset order, as [key, value] strings. */
export async function readCommitted(bootstrap: string, topic: string): Promise<Map<number, Array<[string | null, string | null]>>> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'test-reader' });
  try {
    const admin = client.admin();
    // A job's last commit returns once the coordinator has logged it; the markers that make it
    // readable are written after (as in Kafka). Wait until no transaction is open on the topic: the
    // last stable offset meets the high watermark everywhere.
    let ends = await admin.listOffsets(topic, 'latest', undefined, { isolationLevel: 1 });
    for (const deadline = Date.now() + 30_000; ; ) {
      const high = await admin.listOffsets(topic, 'latest');
      if (high.every((h) => ends.find((e) => e.partition === h.partition)?.offset === h.offset)) break;
      if (Date.now() > deadline) throw new Error(`${topic}: transactions still open after 30 s (last stable ${JSON.stringify(ends)}, high ${JSON.stringify(high)})`);
      await new Promise((r) => setTimeout(r, 50));
      ends = await admin.listOffsets(topic, 'latest', undefined, { isolationLevel: 1 });
    }
    const out = new Map<number, Array<[string | null, string | null]>>(ends.map((e) => [e.partition, []]));
    const consumer = client.consumer({ isolationLevel: 1, maxWaitMs: 100 });
    const pending = ends.filter((e) => e.offset > 0);
    if (pending.length === 0) return out;
    consumer.assign(pending.map((e) => ({ topic, partition: e.partition, offset: 'earliest' })));
    // Round by round: a stretch of aborted records yields no batch but moves the position.
    const behind = () => pending.some((e) => (consumer.position(topic, e.partition) ?? 0) < e.offset);
    while (behind()) {
      for (const b of await consumer.poll()) for (const r of b.records) out.get(b.partition)!.push([r.key?.toString('utf8') ?? null, r.value?.toString('utf8') ?? null]);
    }
    await consumer.close();
    return out;
  } finally {
    await client.close();
  }
}

/** Whether the group has committed every partition of the topic up to its end. */
export async function groupCaughtUp(bootstrap: string, group: string, topic: string): Promise<boolean> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'test-lag' });
  try {
    const ends = await client.admin().listOffsets(topic, 'latest');
    const committed = await new GroupAdmin(client.cluster).fetchOffsets(group, [{ topic, partitions: ends.map((e) => e.partition) }]);
    return ends.every((e) => (committed.find((c) => c.partition === e.partition)?.offset ?? -1) >= e.offset);
  } finally {
    await client.close();
  }
}

/**
 * Runs a bounded job to completion while crashing it: SIGKILL `kills` times somewhere in the middle of
 * its work, and once (at the third crash) kill -9 the broker under it and bring it back. Each crash
 * is followed by a restart with the same arguments. Returns how many kills happened.
 */
export async function runWithCrashes(t: CleanupContext, broker: { kill9(): Promise<void>; restart(): Promise<void> }, args: string[], kills = 5): Promise<{ kills: number; brokerKilled: boolean }> {
  let done = 0;
  let brokerKilled = false;
  for (let attempt = 0; attempt < 50; attempt++) {
    const job = startJob(t, args);
    if (done >= kills && brokerKilled) {
      const code = await job.exited;
      if (code !== 0) throw new Error(`the job's last run exited with ${code}:\n${job.output()}`);
      return { kills: done, brokerKilled };
    }
    // Somewhere in the middle of its work: after it has made progress, before it ends.
    await Promise.race([
      job.exited,
      job.metricsUrl.then(() => waitFor('progress', async () => (await jobMetrics(job)).operators.some((o) => o.recordsIn > 0), 60_000, 20)),
    ]).catch((err: Error) => {
      throw new Error(`${err.message} (attempt ${attempt}, ${done} kills so far)\n${job.output()}`);
    });
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 150)));
    if (job.proc.exitCode !== null) {
      if (job.proc.exitCode !== 0) throw new Error(`the job exited with ${job.proc.exitCode}:\n${job.output()}`);
      throw new Error(`the job finished after ${done} kills: give it more input so that ${kills} kills fit`);
    }
    if (done === 2 && !brokerKilled) {
      // The broker dies under the running job, mid-transaction, and comes back; then the job dies too.
      await broker.kill9();
      await new Promise((r) => setTimeout(r, 300));
      await broker.restart();
      brokerKilled = true;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (job.proc.exitCode === null) await job.kill9();
    done++;
  }
  throw new Error('too many attempts');
}
