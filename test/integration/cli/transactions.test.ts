// `kappa transactions list / describe / producers` as a user runs them, against a broker process and
// kafkajs transactional producers (one transaction committed, one left open) plus `kappa produce
// --idempotent`: the listing, the states, producer ids and epochs, the open transaction's partitions
// and first offsets must be what those clients did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { kappaBin, run, startBroker, type Broker } from '../../helpers/broker.js';

const TOPIC = 'txn-cli';

function kappa(broker: Broker, args: string[], opts: { input?: string; okCodes?: number[] } = {}) {
  return run(process.execPath, [kappaBin, ...args, '--bootstrap-server', broker.bootstrap], { ...opts, broker });
}

async function kappaJson<T = any>(broker: Broker, args: string[]): Promise<T> {
  return JSON.parse((await kappa(broker, [...args, '--json'])).stdout) as T;
}

test('transactions list / describe / producers show kafkajs transactions and an idempotent kappa producer', { timeout: 120_000 }, async (t) => {
  const broker = await startBroker(t);
  await kappa(broker, ['topics', 'create', TOPIC, '--partitions', '2']);
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'cli-txn', logLevel: logLevel.NOTHING });
  const done = kafka.producer({ transactionalId: 'cli-committed', idempotent: true, maxInFlightRequests: 1 });
  const open = kafka.producer({ transactionalId: 'cli-open', idempotent: true, maxInFlightRequests: 1 });
  await done.connect();
  await open.connect();
  t.after(async () => {
    await done.disconnect().catch(() => {});
    await open.disconnect().catch(() => {});
  });

  // Committed: 3 records on partition 0. Open: 2 records on partition 1, after 4 plain records there.
  const txn1 = await done.transaction();
  await txn1.send({ topic: TOPIC, messages: [0, 1, 2].map((i) => ({ value: `c${i}`, partition: 0 })) });
  await txn1.commit();
  await kappa(broker, ['produce', TOPIC, '--partition', '1'], { input: 'a\nb\nc\nd\n' });
  const startedBefore = Date.now();
  const txn2 = await open.transaction();
  await txn2.send({ topic: TOPIC, messages: [0, 1].map((i) => ({ value: `o${i}`, partition: 1 })) });

  // list: both ids, their states and producer ids; the filters narrow it.
  const all = await kappaJson<{ transactionalId: string; producerId: number; state: string; coordinatorId: number }[]>(broker, ['transactions', 'list']);
  assert.deepEqual(all.map((x) => [x.transactionalId, x.state]), [
    ['cli-committed', 'CompleteCommit'],
    ['cli-open', 'Ongoing'],
  ]);
  const [committedId, openId] = all.map((x) => x.producerId) as [number, number];
  assert.ok(committedId >= 0 && openId >= 0 && committedId !== openId);
  assert.deepEqual((await kappaJson(broker, ['transactions', 'list', '--state', 'Ongoing'])).map((x: { transactionalId: string }) => x.transactionalId), ['cli-open']);
  assert.deepEqual((await kappaJson(broker, ['transactions', 'list', '--producer-id', String(committedId)])).map((x: { transactionalId: string }) => x.transactionalId), ['cli-committed']);
  assert.deepEqual(await kappaJson(broker, ['transactions', 'list', '--state', 'PrepareAbort']), []);
  const listed = (await kappa(broker, ['transactions', 'list'])).stdout;
  assert.match(listed, /^TRANSACTIONAL ID\s+PRODUCER ID\s+STATE\s+COORDINATOR\n/);
  assert.match(listed, new RegExp(`cli-open\\s+${openId}\\s+Ongoing`));

  // describe: the open transaction's partitions and start time; the committed one has none open.
  const described = await kappaJson<any[]>(broker, ['transactions', 'describe', 'cli-open', 'cli-committed']);
  assert.equal(described.length, 2);
  const [d1, d2] = described;
  assert.equal(d1.transactionalId, 'cli-open');
  assert.equal(d1.state, 'Ongoing');
  assert.equal(d1.producerId, openId);
  assert.deepEqual(d1.topics, [{ topic: TOPIC, partitions: [1] }]);
  assert.ok(d1.startTimeMs >= startedBefore - 1000 && d1.startTimeMs <= Date.now(), `start time ${d1.startTimeMs}`);
  assert.ok(d1.timeoutMs > 0);
  assert.equal(d2.transactionalId, 'cli-committed');
  assert.equal(d2.state, 'CompleteCommit');
  assert.equal(d2.producerId, committedId);
  assert.deepEqual(d2.topics, []);
  const table = (await kappa(broker, ['transactions', 'describe', 'cli-open'])).stdout;
  assert.match(table, /^TRANSACTIONAL ID\s+STATE\s+PRODUCER ID\s+EPOCH\s+TIMEOUT MS\s+STARTED\s+DURATION MS\s+PARTITIONS\n/);
  assert.match(table, new RegExp(`cli-open\\s+Ongoing\\s+${openId}\\s+\\d+\\s+\\d+\\s+\\S+Z\\s+\\d+\\s+${TOPIC}:1\\n`));
  const missing = await kappa(broker, ['transactions', 'describe', 'no-such-id'], { okCodes: [1] });
  assert.match(missing.stderr, /^kappa: TRANSACTIONAL_ID_NOT_FOUND \(105\) on transactional id no-such-id/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);

  // producers: partition 0 has the committed producer (last sequence 2, nothing open); partition 1 the
  // open one, whose transaction starts after the 4 plain records.
  const producers = await kappaJson<{ topic: string; partition: number; producers: any[] }[]>(broker, ['transactions', 'producers', TOPIC]);
  assert.deepEqual(producers.map((p) => [p.topic, p.partition]), [
    [TOPIC, 0],
    [TOPIC, 1],
  ]);
  const p0 = producers[0]!.producers.find((p) => p.producerId === committedId);
  assert.ok(p0, JSON.stringify(producers));
  assert.equal(p0.lastSequence, 2);
  assert.equal(p0.currentTxnStartOffset, -1);
  const p1 = producers[1]!.producers.find((p) => p.producerId === openId);
  assert.ok(p1, JSON.stringify(producers));
  assert.equal(p1.lastSequence, 1);
  assert.equal(p1.currentTxnStartOffset, 4);
  const only1 = await kappaJson<{ partition: number }[]>(broker, ['transactions', 'producers', `${TOPIC}:1`]);
  assert.deepEqual(only1.map((p) => p.partition), [1]);
  const ptable = (await kappa(broker, ['transactions', 'producers', `${TOPIC}:1`])).stdout;
  assert.match(ptable, new RegExp(`${TOPIC}\\s+1\\s+${openId}\\s+\\d+\\s+1\\s+\\S+Z\\s+-?\\d+\\s+4\\n`));

  // kappa produce --idempotent: a new producer id on partition 0 with sequences 0..4.
  await kappa(broker, ['produce', TOPIC, '--partition', '0', '--idempotent'], { input: '1\n2\n3\n4\n5\n' });
  const after = await kappaJson<{ partition: number; producers: any[] }[]>(broker, ['transactions', 'producers', `${TOPIC}:0`]);
  const idem = after[0]!.producers.filter((p) => p.producerId !== committedId && p.producerId !== openId);
  assert.equal(idem.length, 1, JSON.stringify(after));
  assert.equal(idem[0].lastSequence, 4);
  assert.equal(idem[0].currentTxnStartOffset, -1);

  // Errors are one line; an unknown topic names it.
  const noTopic = await kappa(broker, ['transactions', 'producers', 'nope'], { okCodes: [1] });
  assert.match(noTopic.stderr, /^kappa: UNKNOWN_TOPIC_OR_PARTITION \(3\) on topic nope/);

  await txn2.abort();
  const aborted = await kappaJson<{ state: string; topics: unknown[] }[]>(broker, ['transactions', 'describe', 'cli-open']);
  assert.equal(aborted[0]!.state, 'CompleteAbort');
  assert.deepEqual(aborted[0]!.topics, []);
});
