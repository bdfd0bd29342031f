// `kappa job run FILE|NAME` runs a stream job in this process until Ctrl-C (or until its bounded
// inputs end); `kappa job list|status|stop` talk to the job manager `kappa up` runs.
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';

import { fileURLToPath } from 'node:url';
import type { JobCommand } from '../args.js';
import type { Io } from '../output.js';
import { table, useColour } from '../output.js';

/** The jobs Kappa ships, runnable by name. */
export const BUILT_IN_JOBS: Record<string, string> = {
  'quotes-filter': 'apps/quotes/jobs/quotes-filter.js',
  'quotes-ohlc': 'apps/quotes/jobs/quotes-ohlc.js',
  'price-alerts': 'apps/quotes/jobs/price-alerts.js',
};

/** A built-in job's module path, or the file as given. */
export function jobModulePath(target: string): string {
  const builtIn = BUILT_IN_JOBS[target];
  if (!builtIn) return target;
  // dist/src/cli/commands/job.js → dist/src/<module>
  return fileURLToPath(new URL(`../../${builtIn}`, import.meta.url));
}

export async function runJobCommand(cmd: JobCommand & { kind: 'job-run' }, io: Io): Promise<number> {
  const { loadJob } = await import('../../stream/jobs/job-loader.js');
  const { ClusterJobRunner } = await import('../../stream/runtime/kafka-runner.js');
  const { runInMemory } = await import('../../stream/runtime/local-runner.js');
  const { metricsServer } = await import('../../stream/jobs/metrics-server.js');
  const file = jobModulePath(cmd.target);
  if (!existsSync(file)) throw new Error(`${cmd.target}: no such job file${BUILT_IN_JOBS[cmd.target] ? ' (run npm run build)' : ''}; built-in jobs: ${Object.keys(BUILT_IN_JOBS).join(', ')}`);
  const job = await loadJob(file, { bootstrapServers: cmd.client.bootstrapServer, registryUrl: cmd.registryUrl, args: cmd.args });
  const abort = new AbortController();
  let state = 'starting';
  const onSignal = () => {
    state = 'stopping';
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (line: string) => io.stderr.write(`[${job.applicationId}] ${line}\n`);
  let runner: InstanceType<typeof ClusterJobRunner> | null = null;
  const server = cmd.metricsPort !== undefined ? metricsServer(() => runner?.metrics() ?? null, () => state, () => runner?.operatorMetrics() ?? null) : null;
  if (server) {
    await new Promise<void>((resolve) => server.listen(cmd.metricsPort, '127.0.0.1', resolve));
    io.stdout.write(`metrics on http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics\n`);
  }
  let progress: NodeJS.Timeout | undefined;
  try {
    if (job.readsTopics()) {
      runner = new ClusterJobRunner(job, {
        bootstrapServers: cmd.client.bootstrapServer,
        processingGuarantee: cmd.guarantee,
        ...(cmd.instanceId !== undefined ? { instanceId: cmd.instanceId } : {}),
        ...(cmd.commitIntervalMs !== undefined ? { commitIntervalMs: cmd.commitIntervalMs } : {}),
        ...(cmd.repartitionPurgeMs !== undefined ? { repartitionPurgeIntervalMs: cmd.repartitionPurgeMs } : {}),
        signal: abort.signal,
        log,
      });
      io.stderr.write(`[${job.applicationId}] running (${cmd.guarantee}) on ${cmd.client.bootstrapServer}; Ctrl-C stops after committing\n`);
      state = 'running';
      const tty = io.stderr.isTTY === true && !cmd.client.json;
      let last = { at: Date.now(), n: 0 };
      progress = setInterval(() => {
        const m = runner!.metrics();
        const n = m.operators.filter((o) => job.plan.nodes.find((p) => p.name === o.name)?.source).reduce((s, o) => s + o.recordsOut, 0);
        const rate = Math.round(((n - last.n) * 1000) / Math.max(1, Date.now() - last.at));
        last = { at: Date.now(), n };
        const lag = m.tasks.reduce((s, t) => s + (t.lag ?? 0), 0);
        const wm = Math.min(...m.tasks.map((t) => t.watermark ?? Infinity));
        if (cmd.client.json) io.stdout.write(JSON.stringify(m) + '\n');
        else {
          const line = `${n.toLocaleString('en-US')} records in, ${rate.toLocaleString('en-US')}/s, ${m.tasks.length} task(s), lag ${lag}, watermark ${Number.isFinite(wm) ? new Date(wm).toISOString() : '-'}`;
          io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
        }
      }, cmd.client.json ? 5000 : 2000);
      const result = await runner.run();
      if (tty) io.stderr.write('\n');
      io.stderr.write(`[${job.applicationId}] stopped after ${result.recordsIn} record(s)\n`);
    } else {
      state = 'running';
      const result = await runInMemory(job, { bootstrapServers: cmd.client.bootstrapServer, signal: abort.signal });
      io.stderr.write(`[${job.applicationId}] finished: ${result.recordsIn} record(s) in ${(result.elapsedMs / 1000).toFixed(2)} s\n`);
      if (cmd.client.json) io.stdout.write(JSON.stringify(result.metrics) + '\n');
    }
    state = 'stopped';
    return 0;
  } finally {
    if (progress) clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    server?.close();
  }
}

async function callManager(url: string, method: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url.replace(/\/+$/, '') + path, { method });
  } catch (err) {
    throw new Error(`cannot reach the job manager at ${url} (is kappa up running? --jobs URL): ${(err as Error).message}`);
  }
  const body = (await res.json()) as { message?: string };
  if (!res.ok) throw new Error(body.message ?? `${method} ${path}: HTTP ${res.status}`);
  return body;
}

interface JobInfoView {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  startedAt: number | null;
  metrics?: { tasks: Array<{ lag?: number; watermark: number | null }>; rates?: Record<string, { recordsInPerSec: number }>; operators: Array<{ name: string; recordsIn: number; recordsOut: number; lateDropped: number }> } | null;
  lastLines?: string[];
}

export async function jobManagerCommand(cmd: JobCommand, io: Io): Promise<number> {
  if (cmd.kind === 'job-list') {
    const jobs = (await callManager(cmd.jobsUrl, 'GET', '/jobs')) as JobInfoView[];
    if (cmd.client.json) io.stdout.write(JSON.stringify(jobs) + '\n');
    else {
      const rows = jobs.map((j) => {
        const lag = j.metrics?.tasks.reduce((s, t) => s + (t.lag ?? 0), 0);
        const rate = j.metrics?.rates ? Math.max(0, ...Object.values(j.metrics.rates).map((r) => r.recordsInPerSec)) : undefined;
        return [j.name, j.state, j.pid === null ? '-' : String(j.pid), String(j.restarts), j.metrics ? String(j.metrics.tasks.length) : '-', lag === undefined ? '-' : String(lag), rate === undefined ? '-' : String(rate)];
      });
      io.stdout.write(table(['JOB', 'STATE', 'PID', 'RESTARTS', 'TASKS', 'LAG', 'RECORDS/S'], rows, useColour(io.stdout, io.env)));
    }
    return 0;
  }
  if (cmd.kind === 'job-status') {
    const j = (await callManager(cmd.jobsUrl, 'GET', `/jobs/${encodeURIComponent(cmd.name)}`)) as JobInfoView;
    if (cmd.client.json) {
      io.stdout.write(JSON.stringify(j) + '\n');
      return 0;
    }
    io.stdout.write(`${j.name}: ${j.state}${j.pid ? ` (pid ${j.pid})` : ''}, ${j.restarts} restart(s)\n`);
    if (j.metrics) {
      const rows = j.metrics.operators.map((o) => [o.name, String(o.recordsIn), String(o.recordsOut), String(o.lateDropped), String(j.metrics!.rates?.[o.name]?.recordsInPerSec ?? '-')]);
      io.stdout.write(table(['OPERATOR', 'IN', 'OUT', 'LATE', 'IN/S'], rows, useColour(io.stdout, io.env)));
    }
    if (j.lastLines && j.lastLines.length > 0) io.stdout.write(`last output:\n${j.lastLines.map((l) => `  ${l}`).join('\n')}\n`);
    return 0;
  }
  if (cmd.kind === 'job-stop' || cmd.kind === 'job-start') {
    const verb = cmd.kind === 'job-stop' ? 'stop' : 'start';
    const j = (await callManager(cmd.jobsUrl, 'POST', `/jobs/${encodeURIComponent(cmd.name)}/${verb}`)) as JobInfoView;
    io.stdout.write(`${j.name}: ${j.state}\n`);
    return 0;
  }
  throw new Error(`unknown job command ${(cmd as { kind: string }).kind}`);
}

