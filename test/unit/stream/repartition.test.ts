// Repartition: in memory a pass-through that re-keys; on a cluster a write to the internal topic and a
// source reading it back. The cluster wiring is exercised here without a broker: two tasks, their
// topic writes routed by the producer's key hash into the other tasks' repartition sources.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForKey } from '../../../src/client/partitioner.js';
import { StreamJob, TumblingEventTimeWindows, WatermarkStrategies, runInMemory, type DataStream } from '../../../src/stream/index.js';
import { Task } from '../../../src/stream/runtime/task.js';
import { StateBackend } from '../../../src/stream/state/state-backend.js';

interface Ev {
  x: string;
  y: number;
  t: number;
}

/** Keyed by x; event time rising 3 ms a record with up to 100 ms of disorder. */
function events(n: number, seed = 5): Ev[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) out.push({ x: `x${Math.floor(rnd() * 20)}`, y: Math.floor(rnd() * 7), t: 1_000_000 + i * 3 - Math.floor(rnd() * 100) });
  return out;
}

const countAgg = { createAccumulator: () => 0, add: (_e: Ev, n: number) => n + 1, getResult: (n: number) => n };
type Row = [number, number, number]; // y, window start, count

function countsPerY(stream: DataStream<Ev, unknown>): DataStream<Row, number> {
  return stream
    .repartition((e) => e.y, { name: 'by-y' })
    .window(TumblingEventTimeWindows.of(1000))
    .aggregate(countAgg, (n, c) => [c.key, c.window.start, n] as Row);
}

function batch(input: Ev[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of input) {
    const k = `${e.y}|${e.t - (e.t % 1000)}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
const asMap = (rows: Row[]) => {
  const m = new Map<string, number>();
  for (const [y, start, n] of rows) {
    const k = `${y}|${start}`;
    assert.ok(!m.has(k), `window ${k} fired twice`);
    m.set(k, n);
  }
  return m;
};

test('repartition in memory: re-keys, and a keyed window downstream equals the batch count', async () => {
  const input = events(10_000);
  const job = new StreamJob({ applicationId: 'rp-mem' });
  const rows: Row[] = [];
  countsPerY(job.fromItems(input, { key: (e) => e.x, watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(150).withTimestamps((e) => e.t) })).collect(rows);
  const summary = await runInMemory(job);
  assert.deepEqual(asMap(rows), batch(input));
  assert.equal(summary.metrics.operators.find((o) => o.name === 'window')!.lateDropped, 0);
  assert.equal(job.plan.internalTopics()[0]!.topic, 'rp-mem-by-y-repartition');
});

test('repartition on a cluster (simulated): tasks write the topic keyed by the new key and read it back as a source', () => {
  const input = events(10_000, 9);
  const job = new StreamJob({ applicationId: 'rp' });
  const rows: Row[] = [];
  countsPerY(job.fromTopic<Ev>('events', { watermarks: WatermarkStrategies.boundedOutOfOrderness<Ev>(150).withTimestamps((e) => e.t) })).collect(rows);
  const repartition = job.plan.nodes.find((n) => n.repartition)!;
  assert.equal(repartition.source!.spec.kind === 'topic' && repartition.source!.spec.topic, 'rp-by-y-repartition');
  // The upstream bound is inherited; the repartition source's event time is the record timestamp.
  assert.equal(repartition.source!.watermarks.outOfOrdernessMs, 150);
  assert.deepEqual(job.plan.internalTopics(), [{ topic: 'rp-by-y-repartition', configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } }]);

  const P = 2;
  const written: Array<Array<{ key: string; value: string; ts: number }>> = [[], []];
  const tasks = [0, 1].map((p) => {
    const writer = {
      write: (topic: string, key: Buffer | string | null, value: Buffer | string | null, ts: number) => {
        assert.equal(topic, 'rp-by-y-repartition');
        written[partitionForKey(Buffer.from(key as string), P)]!.push({ key: key as string, value: value as string, ts });
      },
      writeAsync: () => assert.fail('sync serdes'),
    };
    return new Task(job.plan, p, new StateBackend(true), writer, job.plan.topicSources().map((n) => n));
  });
  // Input keyed by x, partitioned by x as a producer would have; the upstream tasks advance together
  // (the repartition bound has to cover how far they drift apart: here, not at all).
  const source = job.plan.nodes.find((n) => n.name === 'from-events')!;
  const spec = repartition.source!.spec as { keySerde: { deserialize(b: Buffer): unknown }; valueSerde: { deserialize(b: Buffer): unknown } };
  for (const e of input) {
    tasks[partitionForKey(Buffer.from(e.x), P)]!.input(source.id).push(e, e.t, e.x);
    // What reached each repartition partition is read back by the task of that number.
    for (let p = 0; p < P; p++) {
      for (const r of written[p]!.splice(0)) tasks[p]!.input(repartition.id).push(spec.valueSerde.deserialize(Buffer.from(r.value)), r.ts, spec.keySerde.deserialize(Buffer.from(r.key)));
    }
  }
  assert.ok(rows.length > 0);
  // Keys arrive typed (JSON): y is a number again, and every y lives in one task.
  assert.ok(rows.every(([y]) => typeof y === 'number'));
  const ys = tasks.map((t) => new Set([...t.backend.keys('window/windows')]));
  assert.ok(ys[0]!.size > 0 && ys[1]!.size > 0);
  assert.equal([...ys[0]!].filter((y) => ys[1]!.has(y)).length, 0, 'no key in two tasks');
  for (const t of tasks) t.input(repartition.id).end();
  for (const t of tasks) t.input(source.id).end();
  assert.deepEqual(asMap(rows), batch(input));
});

test('repartition: options are checked, names number themselves, a bounded topic job is refused', () => {
  const job = new StreamJob({ applicationId: 'rp-opts' });
  const s = job.fromTopic<Ev>('events', { bounded: true });
  assert.throws(() => s.repartition((e) => e.y, { name: 'no spaces' }), /names a topic/);
  assert.throws(() => s.repartition((e) => e.y, { partitions: 0 }), /positive integer/);
  s.repartition((e) => e.y);
  s.repartition({ partitions: 8, outOfOrdernessMs: 5000 }); // by the record key
  assert.deepEqual(job.plan.nodes.filter((n) => n.repartition).map((n) => [n.name, n.repartition!.topic, n.repartition!.partitions, n.source!.watermarks.outOfOrdernessMs]), [
    ['repartition', 'rp-opts-repartition-repartition', undefined, 0],
    ['repartition-2', 'rp-opts-repartition-2-repartition', 8, 5000],
  ]);
  assert.throws(() => job.plan.internalTopics(), /bounded topic sources and repartition do not mix/);
});
