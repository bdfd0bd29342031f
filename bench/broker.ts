// Broker throughput and latency with librdkafka as the client (the classic Kafka benchmark shape:
// 1,000,000 records of 100 bytes, one producer, no replication).
//
//   npm run bench:broker -- [--records 1000000] [--size 100] [--partitions 1] [--acks 1]
//                           [--latency-rate 1000] [--latency-seconds 10] [--json]
//
// The broker runs as its own process (as in production), on a fresh temp data dir. Produce
// throughput is kcat -P reading a prepared file; consume throughput is kcat -C from the beginning
// to the end of the topic; latency is a confluent-kafka (librdkafka) producer and consumer in one
// Python process, sending at a fixed rate and timing each record from send to receive.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker-process.js';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '1' },
    acks: { type: 'string', default: '1' },
    'latency-rate': { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const records = Number(opts.records);
const size = Number(opts.size);
const partitions = Number(opts.partitions);

function need(cmd: string, args: string[]): void {
  if (spawnSync(cmd, args, { stdio: 'ignore' }).error) {
    console.error(`bench:broker needs ${cmd} (apt-get install kcat python3-confluent-kafka)`);
    process.exit(2);
  }
}
need('kcat', ['-V']);

function timed(cmd: string, args: string[]): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

const LATENCY_SCRIPT = `
import json, sys, time, threading
from confluent_kafka import Producer, Consumer, TopicPartition
bootstrap, topic, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False,
              'fetch.wait.max.ms': 100, 'fetch.min.bytes': 1})
c.assign([TopicPartition(topic, 0, -1)])
p = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 0, 'acks': 1})
lat = []
total = int(rate * seconds)
done = threading.Event()
warm = threading.Event()
def consume():
    while len(lat) < total:
        m = c.poll(1.0)
        if m is None or m.error():
            continue
        if m.value() == b'warmup':
            warm.set()
            continue
        lat.append(time.perf_counter_ns() - int(m.value()))
    done.set()
t = threading.Thread(target=consume); t.start()
# Warm up: both clients connected and the consumer fetching before the clock starts.
while not warm.is_set():
    p.produce(topic, value=b'warmup', partition=0)
    p.flush(5)
    warm.wait(0.5)
start = time.perf_counter()
for i in range(total):
    target = start + i / rate
    while time.perf_counter() < target:
        time.sleep(max(0, min(0.001, target - time.perf_counter())))
    p.produce(topic, value=str(time.perf_counter_ns()).encode(), partition=0)
    p.poll(0)
p.flush(10)
done.wait(30)
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] / 1e6
print(json.dumps({'count': len(lat), 'p50_ms': q(0.5), 'p99_ms': q(0.99), 'max_ms': lat[-1] / 1e6}))
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-'));
  const dataDir = join(dir, 'data');
  const file = join(dir, 'records.txt');
  // One record per line; kcat drops the newline, so each value is exactly `size` bytes.
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc((size + 1) * 10_000, 'x');
  for (let i = 0; i < 10_000; i++) chunk[(i + 1) * (size + 1) - 1] = 0x0a;
  for (let written = 0; written < records; written += 10_000) writeSync(fd, chunk, 0, Math.min(10_000, records - written) * (size + 1));
  closeSync(fd);

  const broker = await startBroker(dataDir);
  try {
    const b = broker.bootstrap;
    spawnSync(process.execPath, [join(root, 'bin', 'kappa.js'), 'topics', 'create', 'bench', '--partitions', String(partitions), '--bootstrap-server', b], { stdio: 'inherit' });
    spawnSync(process.execPath, [join(root, 'bin', 'kappa.js'), 'topics', 'create', 'latency', '--partitions', '1', '--bootstrap-server', b], { stdio: 'inherit' });

    const acks = opts.acks === 'all' ? '-1' : opts.acks;
    const produce = timed('kcat', ['-P', '-b', b, '-t', 'bench', '-l', file, '-X', `acks=${acks}`, '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000']);
    const consume = timed('kcat', ['-C', '-b', b, '-t', 'bench', '-o', 'beginning', '-e', '-q', '-f', '%o\n', '-X', 'fetch.max.bytes=52428800']);
    const consumed = consume.stdout.split('\n').filter((l) => l !== '').length;
    if (consumed !== records) throw new Error(`consumed ${consumed} records, expected ${records}`);

    let latency: { count: number; p50_ms: number; p99_ms: number; max_ms: number } | null = null;
    const script = join(dir, 'latency.py');
    writeFileSync(script, LATENCY_SCRIPT);
    const lat = spawnSync('/usr/bin/python3', [script, b, 'latency', opts['latency-rate']!, opts['latency-seconds']!], { encoding: 'utf8' });
    if (lat.status === 0) latency = JSON.parse(lat.stdout.trim().split('\n').pop()!);
    else console.error(`latency run failed (is python3-confluent-kafka installed?): ${lat.stderr}`);

    const mb = (records * size) / 1e6;
    const result = {
      records,
      recordBytes: size,
      partitions,
      acks: opts.acks,
      produce: { seconds: produce.seconds, recordsPerSecond: Math.round(records / produce.seconds), mbPerSecond: +(mb / produce.seconds).toFixed(1) },
      consume: { seconds: consume.seconds, recordsPerSecond: Math.round(records / consume.seconds), mbPerSecond: +(mb / consume.seconds).toFixed(1) },
      latency: latency && { rate: Number(opts['latency-rate']), ...latency },
    };
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`produce  ${result.produce.recordsPerSecond.toLocaleString()} records/s  ${result.produce.mbPerSecond} MB/s  (${produce.seconds.toFixed(2)} s, kcat -P, acks=${opts.acks})`);
      console.log(`consume  ${result.consume.recordsPerSecond.toLocaleString()} records/s  ${result.consume.mbPerSecond} MB/s  (${consume.seconds.toFixed(2)} s, kcat -C)`);
      if (latency) console.log(`latency  p50 ${latency.p50_ms.toFixed(2)} ms  p99 ${latency.p99_ms.toFixed(2)} ms  max ${latency.max_ms.toFixed(2)} ms  (${latency.count} records at ${opts['latency-rate']}/s, confluent-kafka)`);
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
