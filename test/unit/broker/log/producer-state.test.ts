// Idempotent and transactional producers at the partition log: sequence and epoch checks with Kafka's
// error codes, duplicate retries answered with the original offsets, open transactions holding back the
// last stable offset, aborted ranges for read_committed, and all of it surviving a reopen and a crash.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/broker/log/log-config.js';
import { LogError } from '../../../../src/broker/log/log-error.js';
import { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { decodeRecords, encodeBatch, iterateBatches } from '../../../../src/protocol/record-batch.js';
import { defer, tempDir } from './batch-helper.js';

const cfg = (over: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...over });

interface Produce {
  pid: number;
  epoch?: number;
  seq: number;
  n?: number;
  txn?: boolean;
}

function batch(p: Produce): Buffer {
  const n = p.n ?? 1;
  const records = Array.from({ length: n }, (_, i) => ({ value: `p${p.pid}-s${p.seq + i}` }));
  return encodeBatch(records, { producerId: p.pid, producerEpoch: p.epoch ?? 0, baseSequence: p.seq, isTransactional: p.txn ?? false });
}

const append = (log: PartitionLog, p: Produce) => log.append(batch(p), { durable: false, recordCount: p.n ?? 1 });
const plain = (log: PartitionLog, value: string) => log.append(encodeBatch([{ value }]), { durable: false, recordCount: 1 });

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof LogError, `a LogError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Values of every record a reader up to maxOffset would get, with the batch's producer id. */
async function values(log: PartitionLog, maxOffset = Infinity): Promise<string[]> {
  const { records } = await log.read(log.logStartOffset, 1 << 20, true, maxOffset);
  const out: string[] = [];
  for (const raw of iterateBatches(records)) {
    const b = decodeRecords(raw);
    for (const r of b.records) out.push(b.isControl ? `<${r.key!.readInt16BE(2) === 1 ? 'commit' : 'abort'}>` : r.value!.toString());
  }
  return out;
}

test('idempotent producer: in-order batches append, a retry gets the original offsets, gaps and old epochs are refused', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  const first = await append(log, { pid: 7, seq: 0, n: 3 });
  assert.deepEqual([first.baseOffset, first.lastOffset, first.duplicate], [0, 2, undefined]);
  await plain(log, 'other');
  const retry = await append(log, { pid: 7, seq: 0, n: 3 });
  assert.deepEqual([retry.baseOffset, retry.lastOffset, retry.duplicate], [0, 2, true]);
  assert.equal(log.logEndOffset, 4, 'nothing written for the retry');

  await rejectsWith(append(log, { pid: 7, seq: 5 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  await rejectsWith(append(log, { pid: 7, seq: 2 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  assert.equal((await append(log, { pid: 7, seq: 3, n: 2 })).baseOffset, 4);
  // A bumped epoch restarts sequences at 0; anything else is out of order, and the old epoch is fenced.
  await rejectsWith(append(log, { pid: 7, epoch: 1, seq: 5 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  assert.equal((await append(log, { pid: 7, epoch: 1, seq: 0 })).baseOffset, 6);
  await rejectsWith(append(log, { pid: 7, epoch: 0, seq: 5 }), 'INVALID_PRODUCER_EPOCH');
  // An unknown producer (new, or whose state expired) may start at any sequence, as since KIP-360.
  assert.equal((await append(log, { pid: 8, seq: 41 })).baseOffset, 7);
  assert.equal(log.logEndOffset, 8);
  assert.deepEqual(log.producers().map((p) => [p.producerId, p.producerEpoch, p.lastSequence]).sort(), [[7, 1, 0], [8, 0, 41]]);
});

test('only the last five batches are recognised as retries; an older one is out of order', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  for (let i = 0; i < 6; i++) await append(log, { pid: 1, seq: i * 2, n: 2 });
  assert.equal((await append(log, { pid: 1, seq: 2, n: 2 })).duplicate, true);
  await rejectsWith(append(log, { pid: 1, seq: 0, n: 2 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
});

test('sequences wrap from INT32_MAX to 0', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await append(log, { pid: 3, seq: 2147483646, n: 2 });
  assert.equal((await append(log, { pid: 3, seq: 0 })).baseOffset, 2);
});

test('a retry arriving while the original is still being written waits for it', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  const original = append(log, { pid: 5, seq: 0 });
  const retry = append(log, { pid: 5, seq: 0 });
  const [a, b] = await Promise.all([original, retry]);
  assert.deepEqual([a.baseOffset, b.baseOffset, b.duplicate], [0, 0, true]);
  assert.equal(log.highWatermark, 1);
});

test('open transactions hold back the last stable offset; aborted ranges are reported; markers close them', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await plain(log, 'before');
  await append(log, { pid: 10, seq: 0, n: 2, txn: true }); // 1-2, will abort
  await append(log, { pid: 11, seq: 0, txn: true }); // 3, will commit
  await plain(log, 'between'); // 4
  await append(log, { pid: 10, seq: 2, txn: true }); // 5
  assert.equal(log.highWatermark, 6);
  assert.equal(log.lastStableOffset, 1);
  assert.deepEqual(await values(log, log.lastStableOffset), ['before']);
  // Not transactional while its transaction is open: refused, as Kafka does.
  await rejectsWith(append(log, { pid: 10, seq: 3 }), 'INVALID_TXN_STATE');

  await log.appendTxnMarker({ producerId: 11, producerEpoch: 0, coordinatorEpoch: 0, commit: true }); // 6
  assert.equal(log.lastStableOffset, 1, 'producer 10 still holds it');
  await log.appendTxnMarker({ producerId: 10, producerEpoch: 0, coordinatorEpoch: 0, commit: false }); // 7
  assert.equal(log.lastStableOffset, 8);
  assert.equal(log.highWatermark, 8);
  assert.deepEqual(log.abortedTransactions(0, 8), [{ producerId: 10, firstOffset: 1 }]);
  assert.deepEqual(log.abortedTransactions(8, 20), [], 'ended before the fetch offset');
  assert.deepEqual(log.abortedTransactions(0, 1), [], 'starts at or after the upper bound');
  assert.deepEqual(await values(log), ['before', 'p10-s0', 'p10-s1', 'p11-s0', 'between', 'p10-s2', '<commit>', '<abort>']);

  // A later transaction of the same producer continues its sequence.
  await append(log, { pid: 10, seq: 3, txn: true });
  assert.equal(log.lastStableOffset, 8);
  assert.deepEqual(log.producers().find((p) => p.producerId === 10)?.currentTxnStartOffset, 8);
});

test('an epoch bump by a fencing marker makes the old producer stale; older markers are refused', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg());
  defer(t, () => log.close());
  await append(log, { pid: 20, epoch: 3, seq: 0, txn: true });
  // The coordinator aborts the zombie's transaction with the bumped epoch.
  await log.appendTxnMarker({ producerId: 20, producerEpoch: 4, coordinatorEpoch: 0, commit: false });
  await rejectsWith(append(log, { pid: 20, epoch: 3, seq: 1, txn: true }), 'INVALID_PRODUCER_EPOCH');
  await rejectsWith(log.appendTxnMarker({ producerId: 20, producerEpoch: 3, coordinatorEpoch: 0, commit: true }), 'INVALID_PRODUCER_EPOCH');
  assert.equal((await append(log, { pid: 20, epoch: 5, seq: 0, txn: true })).baseOffset, 2);
});

test('producer state survives a clean reopen without scanning, and a crash through snapshots plus a scan', async (t) => {
  const dir = tempDir(t);
  // Small segments so that rolls write snapshots and the crash scan starts at one.
  const config = cfg({ segmentBytes: 400 });
  const log = await PartitionLog.open(dir, config);
  for (let i = 0; i < 10; i++) await append(log, { pid: 1, seq: i });
  await append(log, { pid: 2, seq: 0, txn: true });
  await log.appendTxnMarker({ producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: false });
  await append(log, { pid: 3, seq: 0, n: 2, txn: true }); // left open
  await log.close();

  const expectState = async (l: PartitionLog) => {
    assert.equal((await append(l, { pid: 1, seq: 9 })).duplicate, true, 'the last batch is still recognised');
    await rejectsWith(append(l, { pid: 1, seq: 11 }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.equal(l.lastStableOffset, 12, 'the open transaction of producer 3 still holds the LSO');
    assert.deepEqual(l.abortedTransactions(0, l.highWatermark), [{ producerId: 2, firstOffset: 10 }]);
  };
  const reopened = await PartitionLog.open(dir, config);
  await expectState(reopened);
  assert.ok(readdirSync(dir).some((n) => n.endsWith('.snapshot')), 'rolls wrote snapshots');
  await reopened.flush();
  // Abandoned without close, as after kill -9: no clean-shutdown state to trust.
  const crashed = await PartitionLog.open(dir, config);
  defer(t, () => crashed.close());
  await expectState(crashed);
  await crashed.appendTxnMarker({ producerId: 3, producerEpoch: 0, coordinatorEpoch: 0, commit: true });
  assert.equal(crashed.lastStableOffset, crashed.highWatermark);
});

test('producer state expires producer.id.expiration.ms after its last write, unless a transaction is open', async (t) => {
  const log = await PartitionLog.open(tempDir(t), cfg({ producerIdExpirationMs: 60_000 }));
  defer(t, () => log.close());
  const old = Date.now() - 120_000;
  await log.append(encodeBatch([{ value: 'a' }], { producerId: 1, producerEpoch: 0, baseSequence: 0, timestamp: old }), { durable: false, recordCount: 1 });
  await log.append(encodeBatch([{ value: 'b' }], { producerId: 2, producerEpoch: 0, baseSequence: 0, isTransactional: true, timestamp: old }), { durable: false, recordCount: 1 });
  await append(log, { pid: 3, seq: 0 });
  await log.enforceRetention(Date.now());
  assert.deepEqual(log.producers().map((p) => p.producerId).sort(), [2, 3]);
  // Forgotten: its next batch may carry any sequence.
  assert.equal((await append(log, { pid: 1, seq: 17 })).duplicate, undefined);
});
