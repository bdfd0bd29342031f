// Runs a job whose sources are all in memory as one task in this process. Bounded sources end the
// run (after the final watermark has fired every window); unbounded ones run until the signal aborts.
// Topic sinks write through an idempotent acks=all producer when a cluster is given.
import { KafkaClient } from '../../client/kafka-client.js';
import type { ItemsSourceSpec } from '../plan.js';
import type { StreamJob } from '../job.js';
import { StateBackend } from '../state/state-backend.js';
import type { RecordWriter } from './operator.js';
import { Task } from './task.js';
import { TopicWriter } from './topic-writer.js';
import { snapshotMetrics, type JobMetrics } from './metrics.js';

export interface LocalRunOptions {
  /** The cluster topic sinks write to. */
  bootstrapServers?: string;
  signal?: AbortSignal;
}

export interface RunSummary {
  recordsIn: number;
  elapsedMs: number;
  metrics: JobMetrics;
}

const CHUNK = 1024;

const noTopics: RecordWriter = {
  write: (topic) => {
    throw new Error(`the job writes topic ${topic}: run it with bootstrapServers`);
  },
  writeAsync: (topic) => {
    throw new Error(`the job writes topic ${topic}: run it with bootstrapServers`);
  },
};

export async function runInMemory(job: StreamJob, opts: LocalRunOptions = {}): Promise<RunSummary> {
  if (job.readsTopics()) throw new Error('the job reads topics: run it on a cluster');
  const started = Date.now();
  const topics = job.writesTopics();
  const client = topics.length > 0 && opts.bootstrapServers ? new KafkaClient({ bootstrapServers: opts.bootstrapServers, clientId: job.applicationId }) : null;
  const writer = client ? new TopicWriter(client.producer({ acks: -1, idempotent: true })) : noTopics;
  const task = new Task(job.plan, -1, new StateBackend(false), writer);
  let recordsIn = 0;
  try {
    // Repartition nodes are sources only on a cluster; here they pass records through.
    const drivers = job.plan.sources().filter((node) => !node.repartition).map((node) => {
      const spec = node.source!.spec as ItemsSourceSpec;
      const input = task.input(node.id);
      const items = spec.items();
      const keyOf = spec.key;
      const timestamped = spec.timestamped === true;
      const sync = (items as Iterable<unknown>)[Symbol.iterator] ? (items as Iterable<unknown>)[Symbol.iterator]() : null;
      const async = sync ? null : (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      return {
        input,
        done: false,
        /** Pushes up to CHUNK records; false once the source is exhausted. */
        async step(): Promise<boolean> {
          for (let i = 0; i < CHUNK; i++) {
            const r = sync ? sync.next() : await async!.next();
            if (r.done) {
              this.done = true;
              input.end();
              return false;
            }
            let v = r.value;
            let ts = Date.now();
            if (timestamped) {
              const pair = v as { value: unknown; timestamp: number | null };
              v = pair.value;
              if (pair.timestamp !== null) ts = pair.timestamp;
            }
            input.push(v, ts, keyOf ? keyOf(v) : undefined);
            recordsIn++;
          }
          return true;
        },
      };
    });
    let lastTick = Date.now();
    while (drivers.some((d) => !d.done)) {
      if (opts.signal?.aborted) break;
      for (const d of drivers) if (!d.done) await d.step();
      const now = Date.now();
      if (now - lastTick >= 50) {
        lastTick = now;
        task.tick(now);
        // Let timers, I/O and the abort signal in.
        await new Promise((resolve) => setImmediate(resolve));
        if (writer instanceof TopicWriter && writer.pending > 100_000) await writer.flush();
      }
    }
    if (!opts.signal?.aborted) task.endInput();
    if (writer instanceof TopicWriter) await writer.flush();
  } finally {
    await client?.close();
  }
  return { recordsIn, elapsedMs: Date.now() - started, metrics: snapshotMetrics(job.applicationId, [task]) };
}
