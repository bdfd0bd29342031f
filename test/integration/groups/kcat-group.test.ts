// kcat's balanced consumer (-G, librdkafka's consumer-group code) against the coordinator, on the
// broker's default group settings (3 s initial rebalance delay): it consumes and commits; stopped and
// restarted it resumes at the committed offset; killed (-9) and restarted it sees again exactly what
// it had not committed; and after a broker restart a new member resumes from the committed offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { requireTool, startBroker, type Broker } from '../../helpers/broker.js';
import { diagnostics, spawnTool, waitUntil, type MemberProcess } from './members.js';

const TOPIC = 'events';
const GROUP = 'kcat-readers';
const PARTITIONS = 3;

interface Rec {
  p: number;
  o: number;
  v: string;
}

test('kcat -G commits, resumes after a stop, re-reads only the uncommitted after kill -9, and resumes after a broker restart', async (t) => {
  if (!requireTool(t, 'kcat')) return;
  const b = await startBroker(t);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kcat-group', logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  let admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

  const produce = async (perPartition: number, tag: string) => {
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
    }
    await producer.disconnect();
  };
  const committed = async () => {
    const parts = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions;
    return Object.fromEntries(parts.map((p) => [p.partition, Number(p.offset)])) as Record<number, number>;
  };

  const kcats: MemberProcess[] = [];
  const why = () => diagnostics(b, kcats);
  const startKcat = (extra: string[] = []) => {
    const m = spawnTool(t, `kcat-${kcats.length + 1}`, 'kcat', [
      '-b', b.bootstrap, '-u',
      '-X', 'auto.offset.reset=earliest',
      // An abandoned member (kill -9) holds its partitions until its session expires: keep that short.
      '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500',
      ...extra,
      '-f', '{"type":"record","p":%p,"o":%o,"v":"%s"}\\n',
      '-G', GROUP, TOPIC,
    ]);
    kcats.push(m);
    return m;
  };
  const records = (m: MemberProcess) => m.of('record') as unknown as Rec[];
  const firstOffsets = (m: MemberProcess) => {
    const first: Record<number, number> = {};
    for (const r of records(m)) if (!(r.p in first)) first[r.p] = r.o;
    return first;
  };
  const stop = async (m: MemberProcess) => {
    m.child.kill('SIGTERM');
    const status = await m.exited;
    assert.equal(status.code, 0, `${m.name} exit ${JSON.stringify(status)}\n${why()}`);
  };

  // 1. The first member reads everything and, stopped, commits what it consumed.
  await produce(100, 'a');
  const k1 = startKcat();
  await waitUntil('kcat-1 to read 300 records', () => records(k1).length >= 300, 30_000, why);
  await stop(k1);
  assert.equal(records(k1).length, 300, why());
  assert.deepEqual(await committed(), { 0: 100, 1: 100, 2: 100 });

  // 2. Restarted, it resumes at the committed offsets: only the new records, none seen twice.
  await produce(20, 'b');
  const k2 = startKcat(['-X', 'auto.commit.interval.ms=200']);
  await waitUntil('kcat-2 to read the 60 new records', () => records(k2).length >= 60, 30_000, why);
  assert.deepEqual(firstOffsets(k2), { 0: 100, 1: 100, 2: 100 }, why());
  assert.ok(records(k2).every((r) => r.v.startsWith('b-')), why());
  await waitUntil('kcat-2 to auto-commit', async () => JSON.stringify(await committed()) === JSON.stringify({ 0: 120, 1: 120, 2: 120 }), 20_000, why);

  // 3. A member that never gets to commit (auto-commit far away) is killed: its successor re-reads
  //    exactly the records past the committed offsets, and nothing before them.
  await stop(k2);
  const k3 = startKcat(['-X', 'auto.commit.interval.ms=600000']);
  await produce(30, 'c');
  await waitUntil('kcat-3 to read the 90 new records', () => records(k3).length >= 90, 30_000, why);
  await k3.kill9();
  assert.deepEqual(await committed(), { 0: 120, 1: 120, 2: 120 }, why());
  const k4 = startKcat(['-X', 'auto.commit.interval.ms=200']);
  await waitUntil("kcat-4 to read again what kcat-3 had not committed", () => records(k4).length >= 90, 30_000, why);
  assert.deepEqual(firstOffsets(k4), { 0: 120, 1: 120, 2: 120 }, why());
  const key = (r: Rec) => `${r.p}:${r.o}:${r.v}`;
  assert.deepEqual(records(k4).map(key).sort(), records(k3).map(key).sort(), 'the re-read records are exactly the uncommitted ones');
  await stop(k4);
  assert.deepEqual(await committed(), { 0: 150, 1: 150, 2: 150 }, why());

  // 4. The broker restarts (stop + start on the same data dir); a new member resumes from the commits.
  await admin.disconnect();
  await b.restart();
  admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.deepEqual(await committed(), { 0: 150, 1: 150, 2: 150 }, brokerTail(b));
  await produce(10, 'd');
  const k5 = startKcat();
  await waitUntil('kcat-5 to read the 30 newest records', () => records(k5).length >= 30, 30_000, why);
  assert.deepEqual(firstOffsets(k5), { 0: 150, 1: 150, 2: 150 }, why());
  assert.ok(records(k5).every((r) => r.v.startsWith('d-')), why());
  await stop(k5);
  assert.deepEqual(await committed(), { 0: 160, 1: 160, 2: 160 }, why());
});

function brokerTail(b: Broker): string {
  return b.output().slice(-4000);
}
