// The job manager of `kappa up`: each job runs as its own `kappa job run` process (a job that
// crashes cannot take the broker with it), is restarted with back-off when it dies, and is reachable
// over a small HTTP API that `kappa job list|status|stop|start` and the console use:
//
//   GET  /jobs                 every job: state, pid, restarts, metrics
//   GET  /jobs/{name}          one job, with its last output lines
//   POST /jobs/{name}/stop     SIGTERM (the job commits and exits); no restart
//   POST /jobs/{name}/start    starts a stopped job
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';

export interface JobSpec {
  name: string;
  /** Arguments after `kappa job run` (the job file or built-in name first). */
  args: string[];
}

type JobState = 'starting' | 'running' | 'stopping' | 'stopped' | 'restarting' | 'failed';

interface ManagedJob {
  spec: JobSpec;
  state: JobState;
  proc: ChildProcess | null;
  pid: number | null;
  restarts: number;
  startedAt: number | null;
  metricsUrl: string | null;
  lines: string[];
  wanted: boolean;
  timer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

const KEEP_LINES = 50;

export class JobManager {
  private readonly jobs = new Map<string, ManagedJob>();

  constructor(private readonly opts: { kappaBin: string; log: (line: string) => void }) {}

  add(spec: JobSpec): void {
    if (this.jobs.has(spec.name)) throw new Error(`job ${spec.name} is already managed`);
    const job: ManagedJob = { spec, state: 'stopped', proc: null, pid: null, restarts: 0, startedAt: null, metricsUrl: null, lines: [], wanted: true, timer: null, exited: Promise.resolve() };
    this.jobs.set(spec.name, job);
    this.launch(job);
  }

  private launch(job: ManagedJob): void {
    job.state = 'starting';
    job.metricsUrl = null;
    const proc = spawn(process.execPath, [this.opts.kappaBin, 'job', 'run', ...job.spec.args, '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    job.proc = proc;
    job.pid = proc.pid ?? null;
    job.startedAt = Date.now();
    const onLine = (line: string) => {
      job.lines.push(line);
      if (job.lines.length > KEEP_LINES) job.lines.shift();
      const m = /metrics on (http:\/\/\S+)/.exec(line);
      if (m) job.metricsUrl = m[1]!;
      if (/running \(/.test(line) && job.state === 'starting') job.state = 'running';
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split(/\r|\n/);
        rest = parts.pop()!;
        for (const p of parts) if (p.trim() !== '') onLine(p.replace(/\x1b\[K/g, ''));
      });
    }
    job.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        job.proc = null;
        job.pid = null;
        if (!job.wanted) {
          job.state = 'stopped';
          return resolve();
        }
        // Died on its own: restart, backing off 1 s, 2 s, 4 s … up to 30 s.
        job.restarts++;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(5, job.restarts - 1));
        job.state = 'restarting';
        this.opts.log(`job ${job.spec.name} exited (${signal ?? code}); restarting in ${delay / 1000} s — last output: ${job.lines.at(-1) ?? ''}`);
        job.timer = setTimeout(() => {
          job.timer = null;
          if (job.wanted) this.launch(job);
        }, delay);
        resolve();
      });
    });
  }

  async stop(name: string): Promise<void> {
    const job = this.get(name);
    job.wanted = false;
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    if (job.proc) {
      job.state = 'stopping';
      job.proc.kill('SIGTERM');
      const killer = setTimeout(() => job.proc?.kill('SIGKILL'), 15_000);
      await job.exited;
      clearTimeout(killer);
    }
    job.state = 'stopped';
  }

  start(name: string): void {
    const job = this.get(name);
    if (job.proc || job.timer) return;
    job.wanted = true;
    this.launch(job);
  }

  private get(name: string): ManagedJob {
    const job = this.jobs.get(name);
    if (!job) throw Object.assign(new Error(`no job named ${name} (jobs: ${[...this.jobs.keys()].join(', ') || 'none'})`), { status: 404 });
    return job;
  }

  private async view(job: ManagedJob, withLines: boolean): Promise<Record<string, unknown>> {
    let metrics: unknown = null;
    if (job.metricsUrl && job.proc) {
      try {
        const res = await fetch(job.metricsUrl, { signal: AbortSignal.timeout(2000) });
        metrics = await res.json();
      } catch {
        metrics = null;
      }
    }
    return {
      name: job.spec.name,
      state: job.state,
      pid: job.pid,
      restarts: job.restarts,
      startedAt: job.startedAt,
      args: job.spec.args,
      metricsUrl: job.metricsUrl,
      metrics,
      ...(withLines ? { lastLines: job.lines.slice(-20) } : {}),
    };
  }

  async list(): Promise<Array<Record<string, unknown>>> {
    return Promise.all([...this.jobs.values()].map((j) => this.view(j, false)));
  }

  server(): Server {
    return createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const reply = (status: number, body: unknown) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.setHeader('access-control-allow-origin', '*');
        res.end(JSON.stringify(body));
      };
      const handle = async (): Promise<void> => {
        const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
        if (parts[0] !== 'jobs' || parts.length > 3) return reply(404, { error_code: 404, message: `no route ${req.method} ${url.pathname}` });
        if (parts.length === 1 && req.method === 'GET') return reply(200, await this.list());
        const name = parts[1]!;
        if (parts.length === 2 && req.method === 'GET') return reply(200, await this.view(this.get(name), true));
        if (parts.length === 3 && req.method === 'POST' && parts[2] === 'stop') {
          await this.stop(name);
          return reply(200, await this.view(this.get(name), false));
        }
        if (parts.length === 3 && req.method === 'POST' && parts[2] === 'start') {
          this.start(name);
          return reply(200, await this.view(this.get(name), false));
        }
        reply(404, { error_code: 404, message: `no route ${req.method} ${url.pathname}` });
      };
      handle().catch((err: Error & { status?: number }) => reply(err.status ?? 500, { error_code: err.status ?? 500, message: err.message }));
    });
  }

  /** Stops every job (each commits on SIGTERM). */
  async close(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((n) => this.stop(n)));
  }
}
