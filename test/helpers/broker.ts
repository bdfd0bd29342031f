// Starts a real broker as a separate process for integration tests, and runs real clients against it.
// A separate process (not an in-process server) is the point: the tests see exactly what a user of
// `kappa broker` sees, including crashes, and kill -9 / restart exercise log recovery for real.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of node:test's TestContext the helpers need; a structural type so suite hooks can pass theirs. */
export interface CleanupContext {
  after(fn: () => void | Promise<void>): void;
}

export interface SkippableContext {
  skip(message?: string): void;
}

export interface StartBrokerOptions {
  /** Passed as `--config <path>`. */
  config?: string;
  /** Extra CLI arguments appended after the standard ones. */
  args?: string[];
  /** Reuse an existing data directory (it is then not removed on cleanup). */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the `listening on` line. */
  startTimeoutMs?: number;
}

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** Always `127.0.0.1:PORT`: librdkafka may resolve `localhost` to ::1. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the broker wrote to stdout and stderr (the tail, if it was very chatty). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(): Promise<void>;
  /** SIGKILL: the crash case, leaving whatever is on disk for recovery. */
  kill9(): Promise<void>;
  /** Stops it if running and starts it again on the same port and data directory. */
  restart(): Promise<void>;
}

const LISTENING = /listening on (\S+):(\d+)/;
const OUTPUT_LIMIT = 256 * 1024;
const STOP_GRACE_MS = 10_000;

/** The repository root, found from this file so tests work from dist/ and from sources alike. */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'run-tests.mjs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
})();

export const kappaBin = join(repoRoot, 'bin', 'kappa.js');

/** Keeps the last OUTPUT_LIMIT characters so a runaway log cannot exhaust the test's memory. */
class OutputTail {
  private text = '';
  append(prefix: string, chunk: string): void {
    const lines = chunk.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    this.text += lines.map((l) => `${prefix}${l}\n`).join('');
    if (this.text.length > OUTPUT_LIMIT) this.text = '…(truncated)…\n' + this.text.slice(-OUTPUT_LIMIT);
  }
  toString(): string {
    return this.text;
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startBroker(t: CleanupContext, opts: StartBrokerOptions = {}): Promise<Broker> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kappa-test-'));
  const output = new OutputTail();
  let child: ChildProcess | undefined;
  let host = '127.0.0.1';
  let port = 0;
  // Set before we signal the process, so an exit we caused is not reported as a crash.
  let stopping = false;

  async function launch(requestedPort: number): Promise<void> {
    const args = [kappaBin, 'broker', '--host', '127.0.0.1', '--port', String(requestedPort), '--data-dir', dataDir];
    if (opts.config !== undefined) args.push('--config', opts.config);
    if (opts.args) args.push(...opts.args);
    output.append('$ ', `node ${args.join(' ')}\n`);
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    stopping = false;
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => output.append('[stderr] ', chunk));

    const timeoutMs = opts.startTimeoutMs ?? 20_000;
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      let ready = false;
      const fail = (why: string) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new Error(`broker did not start: ${why}\n--- broker output ---\n${output}`));
      };
      const timer = setTimeout(() => fail(`no "listening on HOST:PORT" line within ${timeoutMs} ms`), timeoutMs);
      proc.stdout!.on('data', (chunk: string) => {
        output.append('[stdout] ', chunk);
        if (ready) return;
        pending += chunk;
        const m = LISTENING.exec(pending);
        if (m) {
          ready = true;
          pending = '';
          clearTimeout(timer);
          host = m[1]!;
          port = Number(m[2]);
          resolve();
        } else if (pending.length > 64 * 1024) {
          pending = pending.slice(-1024);
        }
      });
      proc.once('error', (err) => fail(`spawn failed: ${err.message}`));
      proc.once('exit', (code, signal) => {
        if (!ready) fail(`exited early (code ${code}, signal ${signal})`);
        else if (!stopping) {
          // Not an assertion (the test decides what matters) but never silent: a crash is the
          // first thing to look at when a client test then fails.
          console.error(`!!! broker on port ${port} exited unexpectedly (code ${code}, signal ${signal})\n${output}`);
        }
      });
    });
  }

  async function signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    stopping = true;
    const exited = waitForExit(proc);
    proc.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => {
        output.append('', `!!! no exit ${STOP_GRACE_MS} ms after ${signal}; sending SIGKILL\n`);
        proc.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  }

  t.after(async () => {
    await signalAndWait('SIGKILL');
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  await launch(0);

  return {
    get host() {
      return host;
    },
    get port() {
      return port;
    },
    get bootstrap() {
      return `127.0.0.1:${port}`;
    },
    dataDir,
    get process() {
      return child!;
    },
    output: () => output.toString(),
    stop: () => signalAndWait('SIGTERM'),
    kill9: () => signalAndWait('SIGKILL'),
    async restart() {
      await signalAndWait('SIGTERM');
      await launch(port);
    },
  };
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Kill the child after this long; keeps a hung broker from hanging the suite. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** When set, a failure message also carries this broker's output. */
  broker?: Broker;
  /** Exit codes that count as success (default: only 0). */
  okCodes?: number[];
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_RUN_TIMEOUT_MS = 45_000;

/** Runs a client to completion; rejects with both streams on a non-zero exit, a signal or a timeout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const okCodes = opts.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    proc.stdout!.on('data', (b: Buffer) => stdout.push(b));
    proc.stderr!.on('data', (b: Buffer) => stderr.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    if (opts.input !== undefined) {
      // A client that exits early closes its stdin; that shows up as its exit status, not as EPIPE here.
      proc.stdin!.on('error', () => {});
      proc.stdin!.end(opts.input);
    }
    const describe = (why: string, out: string, err: string) => {
      let msg = `${why}: ${cmd} ${args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`;
      msg += `--- stdout ---\n${clip(out)}\n--- stderr ---\n${clip(err)}\n`;
      if (opts.broker) msg += `--- broker output ---\n${clip(opts.broker.output())}\n`;
      return msg;
    };
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(describe(`could not start (${err.message})`, '', '')));
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (timedOut) reject(new Error(describe(`timed out after ${timeoutMs} ms`, result.stdout, result.stderr)));
      else if (code === null || !okCodes.includes(code))
        reject(new Error(describe(`exited with code ${code} signal ${signal}`, result.stdout, result.stderr)));
      else resolve(result);
    });
  });
}

function clip(text: string, limit = 20_000): string {
  if (text.length <= limit) return text;
  const half = limit / 2;
  return `${text.slice(0, half)}\n…(${text.length - limit} characters omitted)…\n${text.slice(-half)}`;
}

/** Debian's interpreter: the distribution packages python3-kafka and python3-confluent-kafka live there. */
export const python3 = '/usr/bin/python3';

/** The directory of the python client scripts (they are not compiled, so always from the sources). */
export const pyDir = join(repoRoot, 'test', 'integration', 'clients', 'py');

/**
 * Runs one of the python client scripts and parses the single JSON document it prints on stdout.
 * Failures carry the script's own stderr (tracebacks) and the broker's output.
 */
export async function runPython<T = unknown>(script: string, args: string[], opts: RunOptions = {}): Promise<T> {
  const res = await run(python3, [join(pyDir, script), ...args], opts);
  try {
    return JSON.parse(res.stdout) as T;
  } catch (err) {
    throw new Error(`${script} did not print JSON (${(err as Error).message})\n--- stdout ---\n${clip(res.stdout)}\n--- stderr ---\n${clip(res.stderr)}`);
  }
}

/** `kcat`, or `python:<module>` for a module importable by Debian's python3. */
export type Tool = 'kcat' | `python:${string}`;

const toolCache = new Map<Tool, string | undefined>();

function toolMissingReason(tool: Tool): string | undefined {
  if (toolCache.has(tool)) return toolCache.get(tool);
  let reason: string | undefined;
  if (tool.startsWith('python:')) {
    const mod = tool.slice('python:'.length);
    const r = spawnSync(python3, ['-c', `import ${mod}`], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) reason = `${python3} is not runnable (${r.error.message})`;
    else if (r.status !== 0) reason = `python module ${mod} is not importable by ${python3}: ${r.stderr.trim().split('\n').pop()}`;
  } else {
    const r = spawnSync(tool, ['-V'], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) reason = `${tool} is not installed (${r.error.message})`;
  }
  toolCache.set(tool, reason);
  return reason;
}

/** Whether the tool is usable, for optional extra checks inside a test that does not need it. */
export function toolAvailable(tool: Tool): boolean {
  return toolMissingReason(tool) === undefined;
}

/**
 * True when the tool is usable. Otherwise: under CI=true, throws (CI installs every client, so a
 * missing one is a broken job, not a reason to pass); elsewhere skips the test loudly and returns false.
 */
export function requireTool(t: SkippableContext, tool: Tool): boolean {
  const reason = toolMissingReason(tool);
  if (reason === undefined) return true;
  const hint = tool === 'kcat' ? 'apt-get install kcat' : `apt-get install python3-${tool.slice(7).replace(/_/g, '-')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true requires it; ${hint})`);
  const message = `SKIPPED: ${reason} — install it with \`${hint}\``;
  console.warn(`!!! ${message}`);
  t.skip(message);
  return false;
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: CleanupContext, prefix = 'kappa-test-files-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
