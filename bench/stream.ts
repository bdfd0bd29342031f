// npm run bench:stream -- [--memory] [--topics] [--events N] [--query q0,q1,…] [--partitions P]
//                         [--guarantee exactly_once,at_least_once] [--runs R] [--json]
//
// The Nexmark queries (src/stream/nexmark) on Kappa's stream runtime.
//
// --memory (the default when neither mode is named): the events are generated into an array first
// (not timed), then each query runs over them with runInMemory — one task, this process, one core.
//
// --topics: a Kappa broker in its own process (fresh temp data dir, group.initial.rebalance.delay.ms=0)
// and one events topic of --partitions partitions, loaded with the generated events before timing
// (JSON values, keyed as nexmarkKey says, the event time as the record timestamp). Then each query runs
// on the cluster runtime in this process — runOnCluster with bounded sources, so each job ends at the
// end of the topic — once per processing guarantee, writing to fresh output topics. A query of two
// stages runs them one after the other (the second reads what the first wrote); the time is the sum.
// Timed from the job's start (group join and producer init included) to its end.
//
// Reported per query: events/s of wall time, and events per CPU-second of this process (the job's
// process: process.cpuUsage, GC threads included) — "per core", steadier when other work shares the
// machine. The broker's own CPU is not in it. With --runs R each figure is measured R times and the
// range is shown.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaClient } from '../src/client/kafka-client.js';
import { ClusterJobRunner, type ProcessingGuarantee } from '../src/stream/runtime/kafka-runner.js';
import { runInMemory } from '../src/stream/index.js';
import { NexmarkGenerator, nexmarkKey, type NexmarkEvent } from '../src/stream/nexmark/generator.js';
import { inMemoryJob, JOIN_QUERIES, QUERIES, topicJobs } from '../src/stream/nexmark/queries.js';
import { startBroker } from './broker-process.js';

const { values: opts } = parseArgs({
  options: {
    memory: { type: 'boolean', default: false },
    topics: { type: 'boolean', default: false },
    events: { type: 'string' },
    query: { type: 'string', default: Object.keys(QUERIES).join(',') },
    partitions: { type: 'string', default: '4' },
    guarantee: { type: 'string', default: 'exactly_once,at_least_once' },
    runs: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    // Profiling aids: use a running broker, and load the events topic only when it does not exist yet.
    bootstrap: { type: 'string' },
  },
});

const wantMemory = opts.memory || !opts.topics;
const wantTopics = opts.topics;
const queries = opts.query.split(',').map((q) => q.trim()).filter(Boolean);
for (const q of queries) {
  if ((JOIN_QUERIES as readonly string[]).includes(q)) {
    console.error(`${q} needs the join API, not written yet; skipping it`);
  } else if (!QUERIES[q]) {
    console.error(`unknown query ${q}; known: ${Object.keys(QUERIES).join(', ')}`);
    process.exit(2);
  }
}
const runnable = queries.filter((q) => QUERIES[q]);
const partitions = Number(opts.partitions);
const guarantees = opts.guarantee.split(',') as ProcessingGuarantee[];
const runs = Math.max(1, Number(opts.runs));
const log = (line: string) => {
  if (!opts.json) console.log(line);
  else console.error(line);
};

interface Row {
  query: string;
  mode: 'memory' | 'topics';
  guarantee?: ProcessingGuarantee;
  events: number;
  outputs: number;
  /** One per run. */
  eventsPerSecond: number[];
  eventsPerCpuSecond: number[];
  seconds: number[];
  /** Per stage of a multi-stage query (the last run): wall seconds. */
  stageSeconds?: number[];
}

const rows: Row[] = [];
const fmt = (xs: number[]) => {
  const lo = Math.round(Math.min(...xs)).toLocaleString('en-US');
  const hi = Math.round(Math.max(...xs)).toLocaleString('en-US');
  return xs.length === 1 || lo === hi ? lo : `${lo}–${hi}`;
};
const printRow = (r: Row) =>
  log(`${r.query.padEnd(4)} ${(r.mode === 'memory' ? 'memory' : r.guarantee!).padEnd(14)} ${fmt(r.eventsPerSecond).padStart(19)} events/s  ${fmt(r.eventsPerCpuSecond).padStart(19)} events/CPU-s  ` +
    `(${r.events.toLocaleString('en-US')} events → ${r.outputs.toLocaleString('en-US')} outputs${r.stageSeconds && r.stageSeconds.length > 1 ? `; stages ${r.stageSeconds.map((s) => `${s.toFixed(2)} s`).join(' + ')}` : ''})`);

function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; cpuSeconds: number }> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  return fn().then((result) => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { result, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  });
}

// ------------------------------------------------------------------------------------- memory

async function benchMemory(): Promise<void> {
  const n = Number(opts.events ?? 2_000_000);
  const t = Date.now();
  const events = new NexmarkGenerator().eventsArray(n);
  log(`memory: ${n.toLocaleString('en-US')} events generated in ${Date.now() - t} ms (not timed); one task, this process`);
  for (const q of runnable) {
    const row: Row = { query: q, mode: 'memory', events: n, outputs: 0, eventsPerSecond: [], eventsPerCpuSecond: [], seconds: [] };
    for (let run = 0; run < runs; run++) {
      let outputs = 0;
      const { job, output } = inMemoryJob(QUERIES[q]!, events, `bench-${q}`);
      output.sink(() => outputs++);
      const m = await measure(() => runInMemory(job));
      row.outputs = outputs;
      row.seconds.push(m.seconds);
      row.eventsPerSecond.push(n / m.seconds);
      row.eventsPerCpuSecond.push(n / m.cpuSeconds);
    }
    rows.push(row);
    printRow(row);
  }
}

// ------------------------------------------------------------------------------------- topics

async function load(client: KafkaClient, topic: string, events: NexmarkEvent[]): Promise<void> {
  const producer = client.producer({ acks: -1, idempotent: true, lingerMs: 5, batchSize: 1024 * 1024 });
  const chunk = 20_000;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += chunk) {
    const records = events.slice(i, i + chunk).map((e) => ({ key: nexmarkKey(e), value: JSON.stringify(e), timestamp: e.dateTime }));
    inFlight.push(producer.send(topic, records));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.close();
}

// Event times start at the generator's fixed base time, which may be older than the default retention:
// the broker would delete the segments under the jobs.
const keepForever = { 'retention.ms': '-1' };

async function benchTopics(): Promise<void> {
  const n = Number(opts.events ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-stream-'));
  const config = join(dir, 'server.properties');
  writeFileSync(config, 'group.initial.rebalance.delay.ms=0\n');
  const broker = opts.bootstrap ? { bootstrap: opts.bootstrap, stop: async () => {} } : await startBroker(join(dir, 'data'), ['--config', config]);
  const client = new KafkaClient({ bootstrapServers: broker.bootstrap, clientId: 'bench-stream' });
  const admin = client.admin();
  try {
    const t = Date.now();
    const eventsTopic = opts.bootstrap ? `nexmark-events-${n}-${partitions}` : 'nexmark-events';
    if (!(await admin.listTopics()).includes(eventsTopic)) {
      await admin.createTopics([{ name: eventsTopic, partitions, configs: keepForever }]);
      await load(client, eventsTopic, new NexmarkGenerator().eventsArray(n));
    }
    log(`topics: broker ${broker.bootstrap}; ${n.toLocaleString('en-US')} events generated and loaded into ${eventsTopic} (${partitions} partitions) in ${Date.now() - t} ms (not timed)`);
    // Fresh application ids per invocation: a reused broker (--bootstrap) keeps the groups' offsets.
    const invocation = Math.random().toString(36).slice(2, 6);
    let seq = 0;
    for (const q of runnable) {
      for (const g of guarantees) {
        const row: Row = { query: q, mode: 'topics', guarantee: g, events: n, outputs: 0, eventsPerSecond: [], eventsPerCpuSecond: [], seconds: [] };
        for (let run = 0; run < runs; run++) {
          const tag = `${q}-${g === 'exactly_once' ? 'eos' : 'alos'}-${invocation}${++seq}`;
          const stages = topicJobs(QUERIES[q]!, { eventsTopic, outputTopic: `nexmark-${tag}`, applicationId: `nexmark-${tag}` });
          // Topics between stages exist before the stage writing them starts (a global stage's input has one partition).
          for (const s of stages) await admin.createTopics([{ name: s.output, partitions: s.outputPartitions === 1 ? 1 : partitions, configs: keepForever }]);
          let seconds = 0;
          let cpuSeconds = 0;
          let outputs = 0;
          const stageSeconds: number[] = [];
          for (const [i, s] of stages.entries()) {
            const runner = new ClusterJobRunner(s.job, { bootstrapServers: broker.bootstrap, processingGuarantee: g });
            const started = Date.now();
            const progress = setInterval(() => {
              const m = runner.metrics();
              const read = m.operators.find((o) => o.name === (i === 0 ? 'events' : `s${i}`))?.recordsIn ?? 0;
              log(`  … ${tag} stage ${i + 1}: ${read.toLocaleString('en-US')} records read in ${((Date.now() - started) / 1000).toFixed(0)} s`);
            }, 5000);
            try {
              const m = await measure(() => runner.run());
              // Counted at the sink operator: end offsets would count transaction markers too.
              outputs = m.result.metrics.operators.find((o) => o.name === `to-${s.output}`)?.recordsIn ?? 0;
              seconds += m.seconds;
              cpuSeconds += m.cpuSeconds;
              stageSeconds.push(m.seconds);
            } finally {
              clearInterval(progress);
            }
          }
          row.outputs = outputs;
          row.seconds.push(seconds);
          row.stageSeconds = stageSeconds;
          row.eventsPerSecond.push(n / seconds);
          row.eventsPerCpuSecond.push(n / cpuSeconds);
        }
        rows.push(row);
        printRow(row);
      }
    }
  } finally {
    await client.close().catch(() => {});
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wantMemory) await benchMemory();
if (wantTopics) await benchTopics();
if (opts.json) console.log(JSON.stringify({ node: process.version, partitions, rows }, null, 2));
