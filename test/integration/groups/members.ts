// Helpers for the consumer-group proofs: group members run as their own processes (so a crash is a
// real SIGKILL, with no LeaveGroup) and report what they do as JSON lines on stdout; the test waits
// for conditions on those reports with deadlines instead of sleeping fixed times.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { python3, repoRoot, tempDir, type Broker, type CleanupContext } from '../../helpers/broker.js';

/** Compiled next to this file in dist/, so the kafkajs member is spawned from there. */
export const kafkajsMemberScript = join(dirname(fileURLToPath(import.meta.url)), 'kafkajs-member.js');

/** Python scripts are not compiled: always from the sources. */
export const groupsPyDir = join(repoRoot, 'test', 'integration', 'groups', 'py');

/** A server.properties for the test's broker. */
export function brokerConfig(t: CleanupContext, lines: string[]): string {
  const path = join(tempDir(t), 'server.properties');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type MemberEvent = { type: string } & Record<string, unknown>;

/** One member process and everything it reported so far. */
export class MemberProcess {
  readonly events: MemberEvent[] = [];
  private stderr = '';
  private pending = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (this.pending + chunk).split('\n');
      // A member killed mid-line leaves an incomplete last line: only complete lines count.
      this.pending = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.events.push(JSON.parse(line) as MemberEvent);
        } catch {
          this.stderr += `[unparsed stdout] ${line}\n`;
        }
      }
    });
    child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      }),
    );
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  of(type: string): MemberEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Sends a command line (members that take commands read them from stdin). */
  command(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** SIGKILL: the crash, no LeaveGroup, no final commit. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    const tail = this.events.slice(-15).map((e) => JSON.stringify(e).slice(0, 300));
    return `--- member ${this.name} (${this.running ? 'running' : `exited ${JSON.stringify(this.exitStatus)}`}) last events ---\n${tail.join('\n')}\n--- member ${this.name} stderr ---\n${this.stderr.slice(-4000)}`;
  }
}

function track(t: CleanupContext, m: MemberProcess): MemberProcess {
  t.after(() => m.kill9());
  return m;
}

export function spawnKafkajsMember(t: CleanupContext, name: string, args: string[]): MemberProcess {
  const child = spawn(process.execPath, [kafkajsMemberScript, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(t, new MemberProcess(name, child));
}

export function spawnPythonMember(t: CleanupContext, name: string, script: string, args: string[]): MemberProcess {
  const child = spawn(python3, ['-u', join(groupsPyDir, script), ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(t, new MemberProcess(name, child));
}

export function spawnTool(t: CleanupContext, name: string, cmd: string, args: string[]): MemberProcess {
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(t, new MemberProcess(name, child));
}

/** Everything a failure message needs: each member's recent reports and stderr, and the broker's log. */
export function diagnostics(broker: Broker | undefined, members: Iterable<MemberProcess>): string {
  let text = '';
  for (const m of members) text += m.describe() + '\n';
  if (broker) text += `--- broker output ---\n${broker.output().slice(-8000)}\n`;
  return text;
}
