// Loads a job file: an ES module (.js/.mjs, or .ts) whose default export is a StreamJob or a function
// returning one (possibly async), called with the run's context:
//
//   export default ({ bootstrapServers, registryUrl, args }) => {
//     const job = new StreamJob({ applicationId: 'my-job' });
//     job.fromTopic('in').filter(…).toTopic('out');
//     return job;
//   };
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamJob } from '../job.js';

export interface JobFileContext {
  bootstrapServers: string;
  registryUrl: string;
  /** `--arg key=value` pairs. */
  args: Record<string, string>;
}

let hooksRegistered = false;

function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: string | false }).typescript);
}

async function ensureTypeScript(): Promise<void> {
  if (hooksRegistered || nodeStripsTypes()) return;
  try {
    await import('typescript');
  } catch {
    throw new Error(`this Node.js (${process.version}) cannot run TypeScript itself and the typescript package is not installed: compile the job to .js, or use Node >= 22.18`);
  }
  register(new URL('./ts-hooks.js', import.meta.url));
  hooksRegistered = true;
}

export async function loadJob(file: string, ctx: JobFileContext): Promise<StreamJob> {
  if (/\.m?ts$/.test(file)) await ensureTypeScript();
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  let job = mod.default;
  if (typeof job === 'function') job = await (job as (c: JobFileContext) => unknown)(ctx);
  if (!(job instanceof StreamJob)) {
    // A job file importing the library through another path (a copy of kappa) has its own StreamJob class.
    const looksLike = job !== null && typeof job === 'object' && 'plan' in job && 'applicationId' in job;
    if (!looksLike) throw new Error(`${file}: the default export must be a StreamJob or a function returning one`);
  }
  return job as StreamJob;
}
