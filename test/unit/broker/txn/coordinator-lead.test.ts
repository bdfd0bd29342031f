// The transaction coordinator driven directly, over real logs in a temp dir: Kafka's error codes for
// fencing, stale epochs, unknown partitions and concurrent operations; markers that move the last
// stable offset; timeouts that abort with an epoch bump; a decided transaction finished after a restart;
// producer ids that never repeat.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import { encodeBatch } from '../../../../src/protocol/record-batch.js';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { GroupCoordinator } from '../../../../src/broker/group/coordinator.js';
import { OffsetsTopic } from '../../../../src/broker/group/offsets-topic.js';
import { RealTimers } from '../../../../src/broker/group/timers.js';
import { DEFAULT_TXN_CONFIG, TransactionCoordinator, type TxnCoordinatorConfig } from '../../../../src/broker/txn/transaction-coordinator.js';
import { TransactionLog } from '../../../../src/broker/txn/transaction-log.js';
import { ProducerIdAllocator } from '../../../../src/broker/txn/producer-ids.js';
import { defer, tempDir } from '../log/batch-helper.js';

async function setup(t: TestContext, dir = tempDir(t), over: Partial<TxnCoordinatorConfig> = {}) {
  const logs = await LogManager.open(dir);
  defer(t, () => logs.close());
  const config = { ...DEFAULT_TXN_CONFIG, logPartitions: 1, ...over };
  const offsets = new OffsetsTopic(logs, 1);
  const timers = new RealTimers();
  const groups = new GroupCoordinator(offsets, timers, {});
  defer(t, () => {
    groups.stop();
    timers.clearAll();
  });
  const coordinator = new TransactionCoordinator(logs, new TransactionLog(logs, 1, () => {}), await ProducerIdAllocator.open(dir), groups, offsets, () => {}, config, () => {});
  await coordinator.load();
  defer(t, () => coordinator.stop());
  if (!logs.topic('t')) await logs.createTopic('t', 2, {});
  return { dir, logs, coordinator };
}

const init = (c: TransactionCoordinator, transactionalId: string | null, timeoutMs = 60_000) =>
  c.initProducerId({ transactionalId, timeoutMs, producerId: -1, producerEpoch: -1 });

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('idempotent producer ids are distinct and never repeat after a reopen', async (t) => {
  const dir = tempDir(t);
  const a = await ProducerIdAllocator.open(dir);
  const first = await Promise.all(Array.from({ length: 1500 }, () => a.allocate()));
  assert.equal(new Set(first).size, 1500);
  // As after a kill -9: the rest of the current block is skipped, nothing is handed out twice.
  const b = await ProducerIdAllocator.open(dir);
  const next = await b.allocate();
  assert.ok(next > Math.max(...first), `${next} follows ${Math.max(...first)}`);
});

test('fencing, stale epochs, unknown partitions and timeouts get Kafka\'s error codes', async (t) => {
  const { coordinator: c } = await setup(t);
  assert.equal((await init(c, 'x', DEFAULT_TXN_CONFIG.maxTimeoutMs + 1)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  const first = await init(c, 'x');
  assert.deepEqual([first.errorCode, first.producerEpoch], [0, 0]);
  const second = await init(c, 'x');
  assert.deepEqual([second.errorCode, second.producerId, second.producerEpoch], [0, first.producerId, 1]);

  const add = (epoch: number, partitions: { topic: string; partition: number }[], producerId = first.producerId) =>
    c.addPartitions({ transactionalId: 'x', producerId, producerEpoch: epoch, partitions });
  assert.deepEqual(await add(0, [{ topic: 't', partition: 0 }]), [ErrorCode.PRODUCER_FENCED]);
  assert.deepEqual(await add(1, [{ topic: 't', partition: 0 }], first.producerId + 1000), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  assert.deepEqual(await add(1, [{ topic: 't', partition: 0 }, { topic: 'nope', partition: 0 }, { topic: 't', partition: 9 }]), [
    ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ]);
  assert.equal(await c.endTxn({ transactionalId: 'x', producerId: first.producerId, producerEpoch: 1, commit: true }), ErrorCode.INVALID_TXN_STATE, 'nothing to end');
  assert.deepEqual(await add(1, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]), [0, 0]);
  assert.equal(c.describe('x')?.state, 'Ongoing');
});

test('ending a transaction writes markers that release the last stable offset; a retried end succeeds', async (t) => {
  const { logs, coordinator: c } = await setup(t);
  const p = await init(c, 'y');
  assert.deepEqual(await c.addPartitions({ transactionalId: 'y', ...p, partitions: [{ topic: 't', partition: 0 }] }), [0]);
  const log = logs.topic('t')!.partitions[0]!;
  await log.append(encodeBatch([{ value: 'v' }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0, isTransactional: true }), { durable: true, recordCount: 1 });
  assert.equal(log.lastStableOffset, 0, 'held by the open transaction');

  assert.equal(await c.endTxn({ transactionalId: 'y', ...p, commit: true }), 0);
  await until('CompleteCommit', () => c.describe('y')?.state === 'CompleteCommit');
  assert.equal(log.lastStableOffset, log.highWatermark);
  assert.equal(log.highWatermark, 2, 'the record and its COMMIT marker');
  assert.equal(await c.endTxn({ transactionalId: 'y', ...p, commit: true }), 0, 'a retry of the same end');
  assert.equal(await c.endTxn({ transactionalId: 'y', ...p, commit: false }), ErrorCode.INVALID_TXN_STATE);
});

test('the next transaction\'s first AddPartitionsToTxn waits for the previous completion instead of failing', async (t) => {
  const { logs, coordinator: c } = await setup(t);
  const p = await init(c, 'w');
  await c.addPartitions({ transactionalId: 'w', ...p, partitions: [{ topic: 't', partition: 0 }] });
  assert.equal(await c.endTxn({ transactionalId: 'w', ...p, commit: true }), 0);
  // Right away, while the COMMIT marker is still being written: accepted once it is, not refused.
  assert.equal(c.describe('w')?.state, 'PrepareCommit');
  assert.deepEqual(await c.addPartitions({ transactionalId: 'w', ...p, partitions: [{ topic: 't', partition: 1 }] }), [0]);
  assert.equal(logs.topic('t')!.partitions[0]!.highWatermark, 1, 'the previous transaction\'s marker is written');
  assert.deepEqual(c.describe('w')?.partitions, [{ topic: 't', partitions: [1] }], 'the new transaction holds only its own partition');
});

test('an open transaction of an older instance is aborted with a bumped epoch when a new one initialises', async (t) => {
  const { logs, coordinator: c } = await setup(t);
  const old = await init(c, 'z');
  await c.addPartitions({ transactionalId: 'z', ...old, partitions: [{ topic: 't', partition: 1 }] });
  const log = logs.topic('t')!.partitions[1]!;
  await log.append(encodeBatch([{ value: 'zombie' }], { producerId: old.producerId, producerEpoch: old.producerEpoch, baseSequence: 0, isTransactional: true }), { durable: true, recordCount: 1 });
  assert.equal((await init(c, 'z')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await until('the fencing abort', () => c.describe('z')?.state === 'CompleteAbort');
  const fresh = await init(c, 'z');
  assert.equal(fresh.errorCode, 0);
  assert.equal(fresh.producerEpoch, old.producerEpoch + 2, 'one bump to fence, one for the new instance');
  assert.deepEqual(log.abortedTransactions(0, 10), [{ producerId: old.producerId, firstOffset: 0 }]);
  // The zombie can write no more to the partition.
  await assert.rejects(
    log.append(encodeBatch([{ value: 'late' }], { producerId: old.producerId, producerEpoch: old.producerEpoch, baseSequence: 1, isTransactional: true }), { durable: true, recordCount: 1 }),
    /older than the current epoch/,
  );
});

test('a transaction older than its timeout is aborted and its producer fenced', async (t) => {
  const { logs, coordinator: c } = await setup(t, undefined, { abortCheckIntervalMs: 20 });
  c.start();
  const p = await init(c, 'slow', 100);
  await c.addPartitions({ transactionalId: 'slow', ...p, partitions: [{ topic: 't', partition: 0 }] });
  await until('the timeout abort', () => c.describe('slow')?.state === 'CompleteAbort');
  assert.equal(c.describe('slow')?.producerEpoch, p.producerEpoch + 1);
  assert.equal(await c.endTxn({ transactionalId: 'slow', ...p, commit: true }), ErrorCode.PRODUCER_FENCED);
  assert.equal(logs.topic('t')!.partitions[0]!.highWatermark, 1, 'an ABORT marker');
});

test('a decided transaction is completed after a restart, from __transaction_state', async (t) => {
  const dir = tempDir(t);
  const first = await setup(t, dir);
  const p = await init(first.coordinator, 'r');
  await first.coordinator.addPartitions({ transactionalId: 'r', ...p, partitions: [{ topic: 't', partition: 0 }] });
  const log = first.logs.topic('t')!.partitions[0]!;
  await log.append(encodeBatch([{ value: 'v' }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0, isTransactional: true }), { durable: true, recordCount: 1 });
  // The decision is stored, then the process dies before any marker: written here as the coordinator would.
  await new TransactionLog(first.logs, 1, () => {}).write('r', {
    producerId: p.producerId, producerEpoch: p.producerEpoch, timeoutMs: 60_000, state: 'PrepareCommit',
    partitions: new Map([['t', [0]]]), lastUpdateTimestamp: Date.now(), startTimestamp: Date.now(),
  });
  first.coordinator.stop();
  await first.logs.close();

  const again = await setup(t, dir);
  const reopened = again.logs.topic('t')!.partitions[0]!;
  await until('the commit to complete', () => again.coordinator.describe('r')?.state === 'CompleteCommit');
  assert.equal(reopened.lastStableOffset, reopened.highWatermark);
  assert.deepEqual(reopened.abortedTransactions(0, 10), [], 'committed, not aborted');
});
