// The benches' broker: `kappa broker --port 0` as a child process on a given data dir, resolved once it
// prints its listening line; stop() sends SIGTERM and waits for the clean shutdown.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kappaBin = join(repoRoot, 'bin', 'kappa.js');

export interface RunningBroker {
  bootstrap: string;
  stop(): Promise<void>;
}

/** extraArgs: more `kappa broker` options, e.g. ['--config', file]. */
export async function startBroker(dataDir: string, extraArgs: string[] = []): Promise<RunningBroker> {
  const child = spawn(process.execPath, [kappaBin, 'broker', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+):(\d+)/.exec(out);
      if (m) resolve(Number(m[2]));
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}: ${stderr}`)));
  });
  return {
    bootstrap: `127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
