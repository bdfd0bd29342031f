// Runs a job's plan on one Task by hand (as the in-memory runner does), so a test can look at the
// task's state while records flow, not only after the run.
import assert from 'node:assert/strict';
import type { StreamJob } from '../../../../src/stream/index.js';
import { Task } from '../../../../src/stream/runtime/task.js';
import { StateBackend } from '../../../../src/stream/state/state-backend.js';

/** Entries held in state, counting inside map and list cells (a MapState is one backend cell). */
export function stateEntries(backend: StateBackend): number {
  const count = (v: unknown): number => (v instanceof Map ? [...v.values()].reduce((n: number, x) => n + count(x), 0) : Array.isArray(v) ? v.length : 1);
  let n = 0;
  for (const store of backend.storeNames()) for (const key of backend.keys(store)) n += count(backend.get(store, key));
  return n;
}

export interface Written {
  topic: string;
  key: string | null;
  value: unknown;
  timestamp: number;
}

/**
 * Pushes the records through the job's only source (an items or a topic source alike); samples state
 * every `every` records. Topic writes are decoded (UTF-8 keys, JSON values) into `written`.
 */
export function runOnTask<T>(job: StreamJob, input: readonly T[], every = 1000): { samples: number[]; task: Task; written: Written[] } {
  const written: Written[] = [];
  const text = (b: Buffer | string | null) => (b === null ? null : b.toString());
  const writer = {
    write: (topic: string, key: Buffer | string | null, value: Buffer | string | null, timestamp: number) => {
      written.push({ topic, key: text(key), value: value === null ? null : JSON.parse(text(value)!), timestamp });
    },
    writeAsync: () => assert.fail('no asynchronous serializers here'),
  };
  const task = new Task(job.plan, 0, new StateBackend(false), writer);
  const source = task.input(job.plan.sources()[0]!.id);
  const samples: number[] = [];
  input.forEach((v, i) => {
    source.push(v, 0, undefined);
    if (i % every === every - 1) samples.push(stateEntries(task.backend));
  });
  source.end();
  task.endInput();
  return { samples, task, written };
}
