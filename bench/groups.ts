// Consumer-group benchmarks against the broker in its own process (fresh temp data dir):
//
//   npm run bench:groups -- [--repeats 5] [--members 10] [--records 1000000] [--size 100] [--json]
//
// (a) Rebalance time, kafkajs (its GROUP_JOIN event marks the moment each member has its assignment):
//     - join: a stable group of members-1 consumers, one more starts; from its run() to every member
//       holding its part of the new generation (a 10-partition topic: one partition each). Existing
//       members learn of the rebalance from a heartbeat answer, and kafkajs heartbeats between
//       fetches, so its heartbeat interval and fetch long-poll (maxWaitTimeInMs) are in the figure:
//       measured with its defaults (3 s, 5 s) and with shorter ones.
//     - cold start: all members start together on an empty group; with the broker's default
//       group.initial.rebalance.delay.ms (3 s) and with 0.
//     Each figure is the median (and min / max) of --repeats runs, each on a new group.
// (b) Group consume throughput: --records records of --size bytes on a 4-partition topic, consumed
//     from the beginning by a group of 1 and of 4 `kcat -G` members (librdkafka) that exit at the end
//     of their partitions. Timed from the last member's assignment to the last partition's end (the
//     join itself, 3 s of initial rebalance delay, is reported apart). For reference, the same read
//     by one `kcat -C` without a group.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker as startBrokerProcess, type RunningBroker } from './broker-process.js';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    members: { type: 'string', default: '10' },
    records: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
});
const repeats = Number(opts.repeats);
const memberCount = Number(opts.members);
const records = Number(opts.records);
const size = Number(opts.size);

if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).error) {
  console.error('bench:groups needs kcat (apt-get install kcat)');
  process.exit(2);
}

/** A broker on dir/data, with `properties` written to dir/server.properties when given. */
async function startBroker(dir: string, properties: string[]): Promise<RunningBroker> {
  mkdirSync(dir, { recursive: true });
  const extra: string[] = [];
  if (properties.length > 0) {
    const config = join(dir, 'server.properties');
    writeFileSync(config, properties.join('\n') + '\n');
    extra.push('--config', config);
  }
  return startBrokerProcess(join(dir, 'data'), extra);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

interface Stats {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runsMs: number[];
}

function stats(runs: number[]): Stats {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { medianMs: Math.round(median), minMs: Math.round(sorted[0]!), maxMs: Math.round(sorted[sorted.length - 1]!), runsMs: runs.map(Math.round) };
}

/** A kafkajs member that remembers when it last received an assignment, and what it was. */
interface Member {
  consumer: Consumer;
  joinedAt: number;
  partitions: number[];
}

interface Timing {
  heartbeatInterval: number;
  maxWaitTimeInMs: number;
}

async function newMember(kafka: Kafka, groupId: string, topic: string, timing: Timing): Promise<Member> {
  const consumer = kafka.consumer({ groupId, ...timing, sessionTimeout: 30_000 });
  const member: Member = { consumer, joinedAt: 0, partitions: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.joinedAt = performance.now();
    member.partitions = e.payload.memberAssignment[topic] ?? [];
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return member;
}

// kafkajs heartbeats from its fetch loop, so on an idle topic a member hears of a rebalance only when
// its long-poll fetch (maxWaitTimeInMs, default 5 s) returns: measured with its defaults and with 100 ms.
const JOIN_TIMINGS: Timing[] = [
  { heartbeatInterval: 3000, maxWaitTimeInMs: 5000 },
  { heartbeatInterval: 3000, maxWaitTimeInMs: 100 },
  { heartbeatInterval: 500, maxWaitTimeInMs: 100 },
];

const run = (m: Member) => m.consumer.run({ eachBatch: async () => {} });

/** Every member joined after `since` and holds one partition of its own: one generation of all of them. */
function allAssigned(members: Member[], since: number, partitions: number): boolean {
  if (members.some((m) => m.joinedAt < since || m.partitions.length === 0)) return false;
  return new Set(members.flatMap((m) => m.partitions)).size === partitions && members.reduce((n, m) => n + m.partitions.length, 0) === partitions;
}

async function timeJoin(kafka: Kafka, topic: string, groupId: string, timing: Timing): Promise<number> {
  const members: Member[] = [];
  try {
    for (let i = 0; i < memberCount - 1; i++) members.push(await newMember(kafka, groupId, topic, timing));
    const startedAt = performance.now();
    await Promise.all(members.map(run));
    // A stable group of members-1 first (they share 10 partitions, some holding two).
    await until('the first members to settle', () => members.every((m) => m.joinedAt >= startedAt && m.partitions.length > 0) && new Set(members.flatMap((m) => m.partitions)).size === memberCount, 60_000);
    await sleep(timing.heartbeatInterval * 2);
    const last = await newMember(kafka, groupId, topic, timing);
    members.push(last);
    const t0 = performance.now();
    await run(last);
    await until(`all ${memberCount} members to hold an assignment`, () => allAssigned(members, t0, memberCount), 60_000);
    return Math.max(...members.map((m) => m.joinedAt)) - t0;
  } finally {
    await Promise.all(members.map((m) => m.consumer.disconnect()));
  }
}

async function timeColdStart(kafka: Kafka, topic: string, groupId: string): Promise<number> {
  const members: Member[] = [];
  try {
    for (let i = 0; i < memberCount; i++) members.push(await newMember(kafka, groupId, topic, { heartbeatInterval: 500, maxWaitTimeInMs: 100 }));
    const t0 = performance.now();
    await Promise.all(members.map(run));
    await until(`all ${memberCount} members to hold an assignment`, () => allAssigned(members, t0, memberCount), 60_000);
    return Math.max(...members.map((m) => m.joinedAt)) - t0;
  } finally {
    await Promise.all(members.map((m) => m.consumer.disconnect()));
  }
}

async function rebalanceBench(dir: string, properties: string[], label: string, cases: ('join' | 'cold')[]): Promise<Record<string, Stats>> {
  const broker = await startBroker(join(dir, label), properties);
  const result: Record<string, Stats> = {};
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'bench-groups', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'rebalance', numPartitions: memberCount }] });
    await admin.disconnect();
    let group = 0;
    for (const kind of cases) {
      const variants: Timing[] = kind === 'join' ? JOIN_TIMINGS : [{ heartbeatInterval: 500, maxWaitTimeInMs: 100 }];
      for (const timing of variants) {
        const runs: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const id = `bench-${label}-${kind}-${group++}`;
          runs.push(kind === 'join' ? await timeJoin(kafka, 'rebalance', id, timing) : await timeColdStart(kafka, 'rebalance', id));
        }
        const name = kind === 'join' ? `join (heartbeat ${timing.heartbeatInterval} ms, maxWait ${timing.maxWaitTimeInMs} ms)` : `cold start (${label})`;
        result[name] = stats(runs);
        if (!opts.json) console.error(`  ${name}: median ${result[name]!.medianMs} ms  runs ${runs.map(Math.round).join(', ')}`);
      }
    }
  } finally {
    await broker.stop();
  }
  return result;
}

interface ThroughputResult {
  members: number;
  consumed: number;
  joinSeconds: number;
  consumeSeconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
}

/** N `kcat -G` members of a new group read the topic to its end; timed from the last assignment. */
async function groupConsume(bootstrap: string, topic: string, members: number, groupId: string): Promise<ThroughputResult> {
  const t0 = performance.now();
  let lastAssigned = 0;
  let lastEnd = 0;
  let consumed = 0;
  const exits: Promise<void>[] = [];
  for (let i = 0; i < members; i++) {
    const child = spawn('kcat', ['-b', bootstrap, '-G', groupId, '-e', '-f', '%p\n', '-X', 'auto.offset.reset=earliest', '-X', 'fetch.max.bytes=52428800', topic], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => {
      for (let j = b.indexOf(10); j !== -1; j = b.indexOf(10, j + 1)) consumed++;
    });
    let err = '';
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        // librdkafka's rebalance callback and partition EOF, as kcat prints them (verbosity 1).
        if (/rebalanced.*assigned:/.test(line)) lastAssigned = performance.now();
        if (/Reached end of topic/.test(line)) lastEnd = performance.now();
      }
    });
    exits.push(
      new Promise((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -G exited with ${code}: ${err.slice(-2000)}`)))),
      ),
    );
  }
  await Promise.all(exits);
  if (lastAssigned === 0 || lastEnd === 0) throw new Error('kcat did not report its assignment or the end of its partitions');
  if (consumed < records) throw new Error(`the group consumed ${consumed} records, expected ${records}`);
  const seconds = (lastEnd - lastAssigned) / 1000;
  return {
    members,
    consumed,
    joinSeconds: +((lastAssigned - t0) / 1000).toFixed(2),
    consumeSeconds: +seconds.toFixed(2),
    recordsPerSecond: Math.round(records / seconds),
    mbPerSecond: +((records * size) / 1e6 / seconds).toFixed(1),
  };
}

async function throughputBench(dir: string): Promise<ThroughputResult[]> {
  const file = join(dir, 'records.txt');
  // One record per line; kcat drops the newline, so each value is exactly `size` bytes.
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc((size + 1) * 10_000, 'x');
  for (let i = 0; i < 10_000; i++) chunk[(i + 1) * (size + 1) - 1] = 0x0a;
  for (let written = 0; written < records; written += 10_000) writeSync(fd, chunk, 0, Math.min(10_000, records - written) * (size + 1));
  closeSync(fd);

  // Default group settings: the 3 s initial rebalance delay lets all members join the first generation.
  const broker = await startBroker(join(dir, 'throughput'), []);
  try {
    const b = broker.bootstrap;
    const created = spawnSync(process.execPath, [join(root, 'bin', 'kappa.js'), 'topics', 'create', 'bench', '--partitions', '4', '--bootstrap-server', b], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`topics create failed: ${created.stderr}`);
    const produced = spawnSync('kcat', ['-P', '-b', b, '-t', 'bench', '-l', file, '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000'], { encoding: 'utf8' });
    if (produced.status !== 0) throw new Error(`kcat -P failed: ${produced.stderr}`);
    const started = performance.now();
    const plain = spawnSync('kcat', ['-C', '-b', b, '-t', 'bench', '-o', 'beginning', '-e', '-q', '-f', '%p\n', '-X', 'fetch.max.bytes=52428800'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const plainSeconds = (performance.now() - started) / 1000;
    if (plain.status !== 0) throw new Error(`kcat -C failed: ${plain.stderr}`);
    const results: ThroughputResult[] = [
      { members: 0, consumed: plain.stdout.length / 2, joinSeconds: 0, consumeSeconds: +plainSeconds.toFixed(2), recordsPerSecond: Math.round(records / plainSeconds), mbPerSecond: +((records * size) / 1e6 / plainSeconds).toFixed(1) },
    ];
    if (!opts.json) console.error(`  kcat -C without a group: ${results[0]!.recordsPerSecond.toLocaleString()} records/s`);
    for (const n of [1, 4]) {
      const r = await groupConsume(b, 'bench', n, `throughput-${n}`);
      results.push(r);
      if (!opts.json) console.error(`  group of ${n}: ${r.recordsPerSecond.toLocaleString()} records/s`);
    }
    return results;
  } finally {
    await broker.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-groups-'));
  try {
    if (!opts.json) console.error(`rebalance of ${memberCount} kafkajs members, ${repeats} runs each`);
    const rebalance = {
      ...(await rebalanceBench(dir, [], 'default-delay', ['join', 'cold'])),
      ...(await rebalanceBench(dir, ['group.initial.rebalance.delay.ms=0'], 'delay-0', ['cold'])),
    };
    if (!opts.json) console.error(`group consume of ${records.toLocaleString()} records of ${size} bytes, 4 partitions, kcat -G`);
    const throughput = await throughputBench(dir);
    const result = { members: memberCount, repeats, rebalance, records, recordBytes: size, throughput };
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else {
      for (const [name, s] of Object.entries(rebalance)) console.log(`rebalance ${name.padEnd(44)} median ${s.medianMs} ms  (min ${s.minMs}, max ${s.maxMs})`);
      for (const r of throughput.filter((x) => x.members === 0)) console.log(`consume   kcat -C, no group  ${r.recordsPerSecond.toLocaleString()} records/s  ${r.mbPerSecond} MB/s  (${r.consumeSeconds} s)`);
      for (const r of throughput.filter((x) => x.members > 0)) console.log(`consume   group of ${r.members}  ${r.recordsPerSecond.toLocaleString()} records/s  ${r.mbPerSecond} MB/s  (${r.consumeSeconds} s after a ${r.joinSeconds} s join)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
