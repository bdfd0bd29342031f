// read_committed in Kappa's consumer, on hand-built batches (test/helpers/wire.ts, not the codec under
// test): the Fetch response's aborted transactions (producerId, firstOffset) and the ABORT markers
// decide which transactional batches are dropped, as in Kafka's Java Fetcher. Covered: transactions of
// two producers interleaved with each other and with plain records, a producer whose next transaction
// after an abort commits, a fetch that starts in the middle of an aborted transaction, the same
// producer aborting twice in one response, and control batches never reaching the application.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { recordBatch } from '../../helpers/wire.js';
import { AbortedTransactionFilter, type AbortedTransaction } from '../../../src/client/aborted-transactions.js';
import { Consumer } from '../../../src/client/consumer.js';
import type { Cluster } from '../../../src/client/cluster.js';

/** Sets a hand-built batch's baseOffset (outside the CRC, as a broker does when it appends). */
function at(baseOffset: number, batch: Buffer): Buffer {
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  return batch;
}

const values = (vs: string[]) => vs.map((value) => ({ key: null, value }));

function plain(offset: number, ...vs: string[]): Buffer {
  return at(offset, recordBatch(values(vs), 1000));
}

/** An idempotent but not transactional batch: it has a producer id and must never be filtered. */
function idempotent(offset: number, producerId: number, ...vs: string[]): Buffer {
  return at(offset, recordBatch(values(vs), 1000, { producerId: BigInt(producerId), producerEpoch: 0, baseSequence: 0 }));
}

function txn(offset: number, producerId: number, ...vs: string[]): Buffer {
  return at(offset, recordBatch(values(vs), 1000, { producerId: BigInt(producerId), producerEpoch: 0, baseSequence: 0, transactional: true }));
}

/** A COMMIT/ABORT marker: a transactional control batch whose record key is version 0, type 0 (abort) or 1 (commit). */
function marker(offset: number, producerId: number, type: 'abort' | 'commit'): Buffer {
  const key = `\u0000\u0000\u0000${type === 'commit' ? '\u0001' : '\u0000'}`;
  const b = recordBatch([{ key, value: '\u0000'.repeat(6) }], 1000, { producerId: BigInt(producerId), producerEpoch: 0, baseSequence: -1, transactional: true });
  b.writeInt16BE(0x30, 21); // attributes: transactional | control
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return at(offset, b);
}

function filterValues(batches: Buffer[], aborted: AbortedTransaction[]): string[] {
  const f = new AbortedTransactionFilter(aborted);
  const out: string[] = [];
  for (const b of batches) {
    const skip = f.skip(b);
    if (skip || (b.readInt16BE(21) & 0x20) !== 0) continue;
    out.push(...tagsOf(b));
  }
  return out;
}

// Each batch's values as it was built, so the filter tests need no record decoder.
const tags = new WeakMap<Buffer, string[]>();
function tagged(b: Buffer, ...vs: string[]): Buffer {
  tags.set(b, vs);
  return b;
}
const tagsOf = (b: Buffer) => tags.get(b) ?? [];
const P = (offset: number, ...vs: string[]) => tagged(plain(offset, ...vs), ...vs);
const I = (offset: number, pid: number, ...vs: string[]) => tagged(idempotent(offset, pid, ...vs), ...vs);
const T = (offset: number, pid: number, ...vs: string[]) => tagged(txn(offset, pid, ...vs), ...vs);

test('filter: two producers interleaved; the aborted transaction is dropped, the committed one and plain records kept, the aborted producer\'s next transaction kept', () => {
  const log = [
    P(0, 'plain-0'),
    T(1, 7, 'p7-a-0', 'p7-a-1'), // producer 7, transaction a: aborted
    T(3, 8, 'p8-b-0'), // producer 8, transaction b: committed
    T(4, 7, 'p7-a-2'),
    I(5, 9, 'idem-0'), // an idempotent producer inside the aborted range: kept
    marker(6, 7, 'abort'),
    T(7, 8, 'p8-b-1'),
    marker(8, 8, 'commit'),
    T(9, 7, 'p7-c-0'), // producer 7 again, transaction c: committed
    marker(10, 7, 'commit'),
    P(11, 'plain-1'),
  ];
  assert.deepEqual(filterValues(log, [{ producerId: 7, firstOffset: 1 }]), ['plain-0', 'p8-b-0', 'idem-0', 'p8-b-1', 'p7-c-0', 'plain-1']);
  // Without aborted transactions listed (read_uncommitted answers null) nothing is filtered.
  assert.deepEqual(filterValues(log, []), ['plain-0', 'p7-a-0', 'p7-a-1', 'p8-b-0', 'p7-a-2', 'idem-0', 'p8-b-1', 'p7-c-0', 'plain-1']);
});

test('filter: a fetch that starts in the middle of an aborted transaction (its firstOffset lies before the first batch) drops the rest of it', () => {
  // The aborted transaction began at offset 1; the response starts at offset 4.
  const log = [T(4, 7, 'p7-a-2'), T(5, 8, 'p8-b-0'), T(6, 7, 'p7-a-3'), marker(7, 7, 'abort'), marker(8, 8, 'commit'), T(9, 7, 'p7-c-0')];
  assert.deepEqual(filterValues(log, [{ producerId: 7, firstOffset: 1 }]), ['p8-b-0', 'p7-c-0']);
});

test('filter: one producer aborting twice around a committed transaction; both producers aborting, listed out of order', () => {
  const log = [
    T(0, 7, 'p7-a'),
    marker(1, 7, 'abort'),
    T(2, 7, 'p7-b'),
    marker(3, 7, 'commit'),
    T(4, 7, 'p7-c'),
    T(5, 8, 'p8-d'),
    marker(6, 7, 'abort'),
    T(7, 8, 'p8-d2'),
    marker(8, 8, 'abort'),
    T(9, 8, 'p8-e'),
    marker(10, 8, 'commit'),
  ];
  const aborted = [
    { producerId: 8, firstOffset: 5 },
    { producerId: 7, firstOffset: 4 },
    { producerId: 7, firstOffset: 0 },
  ];
  assert.deepEqual(filterValues(log, aborted), ['p7-b', 'p8-e']);
});

test('filter: an aborted transaction that is one multi-record batch and its marker; a transaction listed beyond the response changes nothing', () => {
  // Java takes listed transactions up to each batch's LAST offset: the batch 10-12 holding firstOffset 10 is dropped whole.
  const log = [P(8, 'x', 'y'), T(10, 7, 'p7-0', 'p7-1', 'p7-2'), marker(13, 7, 'abort'), T(14, 7, 'p7-next')];
  assert.deepEqual(filterValues(log, [{ producerId: 7, firstOffset: 10 }, { producerId: 7, firstOffset: 20 }]), ['x', 'y', 'p7-next']);
});

// ---------------------------------------------------------------- through the consumer's fetch path

interface FakePartitionAnswer {
  records: Buffer;
  abortedTransactions: AbortedTransaction[] | null;
  highWatermark: number;
}

/** A cluster whose one broker answers every Fetch from `answer(fetchOffset, isolationLevel)`. */
function fakeCluster(answer: (fetchOffset: number, isolationLevel: number) => FakePartitionAnswer, fetches: { fetchOffset: number; isolationLevel: number }[]): Cluster {
  const conn = {
    async send(apiKey: number, body: any): Promise<any> {
      assert.equal(apiKey, 1, 'only Fetch is expected');
      const p = body.topics[0].partitions[0];
      fetches.push({ fetchOffset: p.fetchOffset, isolationLevel: body.isolationLevel });
      const a = answer(p.fetchOffset, body.isolationLevel);
      // A real broker long-polls an empty answer; answering at once would spin the fetch loop on microtasks.
      await new Promise((r) => setTimeout(r, a.records.length === 0 ? body.maxWaitMs : 1));
      return {
        errorCode: 0,
        responses: [{ topic: body.topics[0].topic, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: a.highWatermark, lastStableOffset: a.highWatermark, abortedTransactions: a.abortedTransactions, records: a.records }] }],
      };
    },
  };
  const fake = {
    requestTimeoutMs: 1000,
    async leaderOf() {
      return 1;
    },
    async brokerConnection() {
      return conn;
    },
    invalidate() {},
  };
  return fake as unknown as Cluster;
}

async function consumeOnce(cluster: Cluster, isolationLevel: 0 | 1, from: number): Promise<{ values: string[]; offsets: number[]; position: number | undefined }> {
  const consumer = new Consumer(cluster, { isolationLevel, maxWaitMs: 10 });
  consumer.assign([{ topic: 't', partition: 0, offset: from }]);
  const values: string[] = [];
  const offsets: number[] = [];
  const it = consumer.batches();
  const first = await it.next();
  if (!first.done) {
    for (const r of first.value.records) {
      values.push(r.value!.toString());
      offsets.push(r.offset);
    }
  }
  const position = consumer.position('t', 0);
  await consumer.close();
  return { values, offsets, position };
}

test('consumer: read_committed drops aborted records and markers, starting inside a batch and inside an aborted transaction; read_uncommitted drops only markers', async () => {
  const log = [
    plain(0, 'plain-0', 'plain-1'),
    txn(2, 7, 'p7-a-0', 'p7-a-1'),
    txn(4, 8, 'p8-b-0'),
    txn(5, 7, 'p7-a-2'),
    marker(6, 7, 'abort'),
    marker(7, 8, 'commit'),
    txn(8, 7, 'p7-c-0'),
    marker(9, 7, 'commit'),
  ];
  const fetches: { fetchOffset: number; isolationLevel: number }[] = [];
  // Kafka returns whole batches from the one holding the fetch offset, and lists the aborted
  // transactions overlapping the range only for read_committed.
  const answer = (fetchOffset: number, isolationLevel: number): FakePartitionAnswer => {
    const from = log.findIndex((b) => Number(b.readBigInt64BE(0)) + b.readInt32BE(23) >= fetchOffset);
    return { records: Buffer.concat(log.slice(from)), abortedTransactions: isolationLevel === 1 ? [{ producerId: 7, firstOffset: 2 }] : null, highWatermark: 10 };
  };
  const cluster = fakeCluster(answer, fetches);

  const committed = await consumeOnce(cluster, 1, 0);
  assert.deepEqual(committed.values, ['plain-0', 'plain-1', 'p8-b-0', 'p7-c-0']);
  assert.deepEqual(committed.offsets, [0, 1, 4, 8]);
  assert.equal(committed.position, 10, 'the position moves past the trailing commit marker');

  // Fetch offset 1 lands inside the first batch: its record at offset 0 is not returned again.
  const inside = await consumeOnce(cluster, 1, 1);
  assert.deepEqual(inside.values, ['plain-1', 'p8-b-0', 'p7-c-0']);

  // Fetch offset 3: the response starts with the aborted transaction's batch at 2 (offset 3 is inside it).
  const midTxn = await consumeOnce(cluster, 1, 3);
  assert.deepEqual(midTxn.values, ['p8-b-0', 'p7-c-0']);
  // Fetch offset 5: the response starts after the aborted transaction's first batch.
  const later = await consumeOnce(cluster, 1, 5);
  assert.deepEqual(later.values, ['p7-c-0']);
  assert.equal(later.position, 10);

  const uncommitted = await consumeOnce(cluster, 0, 0);
  assert.deepEqual(uncommitted.values, ['plain-0', 'plain-1', 'p7-a-0', 'p7-a-1', 'p8-b-0', 'p7-a-2', 'p7-c-0']);
  assert.deepEqual(uncommitted.offsets, [0, 1, 2, 3, 4, 5, 8]);
  assert.deepEqual(fetches.map((f) => f.isolationLevel), [1, 1, 1, 1, 0]);
});

test('consumer: a response of nothing but an aborted transaction and its marker yields a batch without records that moves the position', async () => {
  const log = [txn(0, 7, 'p7-a-0', 'p7-a-1'), marker(2, 7, 'abort')];
  const fetches: { fetchOffset: number; isolationLevel: number }[] = [];
  const cluster = fakeCluster((fetchOffset) => (fetchOffset >= 3 ? { records: Buffer.alloc(0), abortedTransactions: [], highWatermark: 3 } : { records: Buffer.concat(log), abortedTransactions: [{ producerId: 7, firstOffset: 0 }], highWatermark: 3 }), fetches);
  const consumer = new Consumer(cluster, { isolationLevel: 1, maxWaitMs: 10 });
  consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
  const it = consumer.batches();
  const first = await Promise.race([it.next(), new Promise<'pending'>((res) => setTimeout(() => res('pending'), 2000))]);
  assert.ok(first !== 'pending' && first.done !== true, 'a batch was yielded');
  assert.deepEqual(first.value.records, []);
  assert.equal(first.value.nextOffset, 3, 'the batch says where the position moved');
  assert.equal(consumer.position('t', 0), 3);
  void it.next();
  const deadline = Date.now() + 2000;
  while (fetches.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(fetches.length >= 2 && fetches[1]!.fetchOffset === 3, `the next fetch starts after the marker: ${JSON.stringify(fetches)}`);
  await consumer.close();
});
