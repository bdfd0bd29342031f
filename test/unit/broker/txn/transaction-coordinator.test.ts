// The transaction coordinator's state machine, driven directly over real logs in a temp directory, for
// what coordinator-lead.test.ts does not cover: requests while markers are in flight, KIP-360 retries
// and epoch rotation, transactional group offsets, id expiry, reloads with PrepareCommit + offsets,
// PrepareAbort and Ongoing transactions, loading, describe and list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { OffsetsTopic } from '../../../../src/broker/group/offsets-topic.js';
import { OFFSETS_TOPIC } from '../../../../src/broker/group/offsets-records.js';
import { ProducerIdAllocator } from '../../../../src/broker/txn/producer-ids.js';
import { DEFAULT_TXN_CONFIG, TransactionCoordinator } from '../../../../src/broker/txn/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC, type TxnLogValue } from '../../../../src/broker/txn/transaction-log.js';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import { tempDir } from '../log/batch-helper.js';
import { TIMEOUT, commitOffset, committed, contents, init, open, produce, setup, stateOf, until } from './harness.js';

/** Makes a partition's marker writes hang, as if the process died before them. */
function markersNeverLand(...logs: PartitionLog[]): void {
  for (const log of logs) log.appendTxnMarker = () => new Promise(() => {});
}

test('before the load completes: COORDINATOR_LOAD_IN_PROGRESS for transactional requests; idempotent ids still served', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  const loading = new TransactionCoordinator(n.logs, n.store, await ProducerIdAllocator.open(n.dir), n.groups, new OffsetsTopic(n.logs, 1), () => {}, DEFAULT_TXN_CONFIG, () => {});
  assert.equal(loading.isLoading, true);
  assert.equal((await loading.initProducerId({ transactionalId: 'tx', timeoutMs: TIMEOUT, producerId: -1, producerEpoch: -1 })).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.deepEqual(await loading.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] }), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
  assert.equal(await loading.endTxn({ transactionalId: 'tx', ...p, commit: true }), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(loading.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  const idempotent = await loading.initProducerId({ transactionalId: null, timeoutMs: 0, producerId: -1, producerEpoch: -1 });
  assert.deepEqual([idempotent.errorCode, idempotent.producerEpoch], [0, 0]);
  assert.notEqual(idempotent.producerId, p.producerId);
  assert.equal((await init(n, '')).errorCode, ErrorCode.INVALID_REQUEST, 'an empty transactional id');
  // A transaction timeout of 0 is as invalid as one above transaction.max.timeout.ms.
  assert.equal((await init(n, 'tx', { timeoutMs: 0 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
});

test('while markers are being written: CONCURRENT_TRANSACTIONS for the same decision and for new work, INVALID_TXN_STATE for the opposite one', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] });
  await produce(n, 0, p, 0);
  // Hold the marker write of partition 0 until released.
  const p0 = n.logs.partition('t', 0)!;
  const real = p0.appendTxnMarker.bind(p0);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  p0.appendTxnMarker = async (m) => {
    await gate;
    return real(m);
  };
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0);
  assert.equal(stateOf(n, 'tx'), 'PrepareCommit');
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: false }), ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 1 }] }), [ErrorCode.CONCURRENT_TRANSACTIONS]);
  assert.equal((await init(n, 'tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await init(n, 'tx', { producerId: p.producerId, producerEpoch: p.producerEpoch })).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  n.txns.checkTimeouts(Date.now() + 10 * TIMEOUT); // a timeout check does not touch a decided transaction
  release();
  await until('CompleteCommit', () => stateOf(n, 'tx') === 'CompleteCommit');
  assert.deepEqual(await contents(p0), ['v0', '<commit e0>']);
  assert.ok(n.woken.includes(p0), 'read_committed fetches are woken');
});

test('the next transaction of a producer holds only its own partitions; the fencing abort marker carries the bumped epoch', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] });
  await produce(n, 0, p, 0, 'a');
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0);
  await until('CompleteCommit', () => stateOf(n, 'tx') === 'CompleteCommit');
  assert.deepEqual(await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 1 }] }), [0]);
  assert.deepEqual(n.txns.describe('tx')!.partitions, [{ topic: 't', partitions: [1] }]);
  await produce(n, 1, p, 0, 'b');
  // A new instance: the open transaction is aborted at epoch + 1, and only partition 1 gets a marker.
  assert.equal((await init(n, 'tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await until('CompleteAbort', () => stateOf(n, 'tx') === 'CompleteAbort');
  assert.deepEqual(await contents(n.logs.partition('t', 0)!), ['a', '<commit e0>']);
  assert.deepEqual(await contents(n.logs.partition('t', 1)!), ['<commit e0>', 'b', '<abort e1>']);
  const fresh = await init(n, 'tx');
  assert.deepEqual([fresh.errorCode, fresh.producerEpoch], [0, 2]);
  await assert.rejects(produce(n, 1, p, 1, 'zombie'), { code: 'INVALID_PRODUCER_EPOCH' });
});

test('KIP-360: InitProducerId naming the current producer bumps it; a retry of that call gets the same answer; a stale one is fenced', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  const bumped = await init(n, 'tx', { producerId: p.producerId, producerEpoch: p.producerEpoch });
  assert.deepEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [0, p.producerId, p.producerEpoch + 1]);
  // The answer was lost and the producer retries with what it had: Kafka answers the bumped epoch again.
  const retried = await init(n, 'tx', { producerId: p.producerId, producerEpoch: p.producerEpoch });
  assert.deepEqual([retried.errorCode, retried.producerId, retried.producerEpoch], [0, p.producerId, p.producerEpoch + 1]);
  // Once it moved on, an older epoch belongs to a fenced instance.
  await init(n, 'tx', { producerId: bumped.producerId, producerEpoch: bumped.producerEpoch });
  assert.equal((await init(n, 'tx', { producerId: p.producerId, producerEpoch: p.producerEpoch })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await init(n, 'tx', { producerId: p.producerId + 100, producerEpoch: 0 })).errorCode, ErrorCode.PRODUCER_FENCED, 'another producer id');
  // A producer whose transactional id is unknown here (expired) gets a new producer id.
  const unknown = await init(n, 'forgotten', { producerId: 4242, producerEpoch: 7 });
  assert.deepEqual([unknown.errorCode, unknown.producerEpoch], [0, 0]);
  assert.notEqual(unknown.producerId, 4242);
});

test('an exhausted epoch rotates to a new producer id at epoch 0; a KIP-360 retry naming the old id gets the new one', async (t) => {
  const dir = tempDir(t, 'kappa-txn-');
  const a = await open(t, dir);
  const p = await init(a, 'tx');
  const value: TxnLogValue = { producerId: p.producerId, producerEpoch: 32766, timeoutMs: TIMEOUT, state: 'CompleteCommit', partitions: new Map(), lastUpdateTimestamp: Date.now(), startTimestamp: -1 };
  await a.store.write('tx', value);
  await a.close();
  const b = await open(t, dir);
  const r = await init(b, 'tx', { producerId: p.producerId, producerEpoch: 32766 });
  assert.equal(r.errorCode, 0);
  assert.notEqual(r.producerId, p.producerId);
  assert.equal(r.producerEpoch, 0);
  const retried = await init(b, 'tx', { producerId: p.producerId, producerEpoch: 32766 });
  assert.deepEqual([retried.errorCode, retried.producerId, retried.producerEpoch], [0, r.producerId, 0]);
});

test('transactional ids idle longer than transactional.id.expiration.ms are removed, also from the log; open ones are kept', async (t) => {
  const dir = tempDir(t, 'kappa-txn-');
  const a = await open(t, dir, { idExpirationMs: 10_000 });
  const idle = await init(a, 'idle');
  const busy = await init(a, 'busy');
  await a.txns.addPartitions({ transactionalId: 'busy', ...busy, partitions: [{ topic: 't', partition: 0 }] });
  a.txns.checkTimeouts(Date.now() + 5_000);
  assert.equal(stateOf(a, 'idle'), 'Empty');
  a.txns.checkTimeouts(Date.now() + 11_000);
  assert.equal(a.txns.describe('idle'), null);
  assert.equal(stateOf(a, 'busy'), 'Ongoing', 'within its transaction timeout, and ids with a transaction open never expire');
  assert.deepEqual(await a.txns.addPartitions({ transactionalId: 'idle', ...idle, partitions: [{ topic: 't', partition: 0 }] }), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  await until('the tombstone', () => a.logs.partition(TRANSACTION_STATE_TOPIC, 0)!.highWatermark === 4);
  await a.close();
  const b = await open(t, dir, { idExpirationMs: 10_000 });
  assert.equal(b.txns.describe('idle'), null);
  assert.deepEqual(b.txns.list().map((d) => d.transactionalId), ['busy']);
  // The id starts over with a new producer id.
  const again = await init(b, 'idle');
  assert.deepEqual([again.errorCode, again.producerEpoch], [0, 0]);
  assert.notEqual(again.producerId, idle.producerId);
});

test('transactional offsets: invisible and unstable until the commit marker, dropped on abort', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  assert.equal(await n.txns.addOffsets({ transactionalId: 'tx', ...p, groupId: 'g' }), 0);
  assert.deepEqual(n.txns.describe('tx')!.partitions, [{ topic: OFFSETS_TOPIC, partitions: [0] }]);
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch), 0);
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch + 1), ErrorCode.PRODUCER_FENCED);
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId + 1, p.producerEpoch), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await commitOffset(n, p, 0, 5), 0);
  assert.equal(committed(n, 0).committedOffset, -1, 'not visible before the commit');
  assert.equal(n.groups.hasPendingTxnOffset('g', 't', 0), true, 'OffsetFetch requireStable answers UNSTABLE_OFFSET_COMMIT');
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0);
  await until('CompleteCommit', () => stateOf(n, 'tx') === 'CompleteCommit');
  assert.equal(committed(n, 0).committedOffset, 5);
  assert.equal(n.groups.hasPendingTxnOffset('g', 't', 0), false);
  const offsetsLog = n.logs.partition(OFFSETS_TOPIC, 0)!;
  assert.equal(offsetsLog.lastStableOffset, offsetsLog.highWatermark);

  await n.txns.addOffsets({ transactionalId: 'tx', ...p, groupId: 'g' });
  assert.equal(await commitOffset(n, p, 0, 9), 0);
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: false }), 0);
  await until('CompleteAbort', () => stateOf(n, 'tx') === 'CompleteAbort');
  assert.equal(committed(n, 0).committedOffset, 5, 'the aborted offset is discarded');
  assert.equal(n.groups.hasPendingTxnOffset('g', 't', 0), false);
});

test('restart with PrepareCommit and transactional offsets: the reload writes the markers, commits the offsets, completes it', async (t) => {
  const dir = tempDir(t, 'kappa-txn-');
  const a = await open(t, dir);
  const p = await init(a, 'tx');
  await a.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] });
  await a.txns.addOffsets({ transactionalId: 'tx', ...p, groupId: 'g' });
  await produce(a, 0, p, 0, 'decided');
  assert.equal(await commitOffset(a, p, 0, 1, 'm'), 0);
  markersNeverLand(a.logs.partition('t', 0)!, a.logs.partition(OFFSETS_TOPIC, 0)!);
  assert.equal(await a.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0);
  assert.equal(stateOf(a, 'tx'), 'PrepareCommit');
  await a.close();

  const b = await open(t, dir);
  await until('CompleteCommit after the reload', () => stateOf(b, 'tx') === 'CompleteCommit');
  const p0 = b.logs.partition('t', 0)!;
  assert.deepEqual(await contents(p0), ['decided', '<commit e0>']);
  assert.equal(p0.lastStableOffset, p0.highWatermark);
  assert.deepEqual([committed(b, 0).committedOffset, committed(b, 0).metadata], [1, 'm']);
  assert.equal(b.groups.hasPendingTxnOffset('g', 't', 0), false);
  assert.equal(await b.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0, 'the producer retrying its EndTxn succeeds');
  await b.close();

  const c = await open(t, dir);
  assert.equal(stateOf(c, 'tx'), 'CompleteCommit', 'the completion is durable');
  assert.equal(committed(c, 0).committedOffset, 1);
});

test('restart with PrepareAbort: the reload aborts it and drops its offsets', async (t) => {
  const dir = tempDir(t, 'kappa-txn-');
  const a = await open(t, dir);
  const p = await init(a, 'tx');
  await a.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 1 }] });
  await a.txns.addOffsets({ transactionalId: 'tx', ...p, groupId: 'g' });
  await produce(a, 1, p, 0, 'undone');
  assert.equal(await commitOffset(a, p, 1, 1), 0);
  markersNeverLand(a.logs.partition('t', 1)!, a.logs.partition(OFFSETS_TOPIC, 0)!);
  assert.equal(await a.txns.endTxn({ transactionalId: 'tx', ...p, commit: false }), 0);
  await a.close();

  const b = await open(t, dir);
  await until('CompleteAbort after the reload', () => stateOf(b, 'tx') === 'CompleteAbort');
  const p1 = b.logs.partition('t', 1)!;
  assert.deepEqual(await contents(p1), ['undone', '<abort e0>']);
  assert.deepEqual(p1.abortedTransactions(0, p1.highWatermark), [{ producerId: p.producerId, firstOffset: 0 }]);
  assert.equal(committed(b, 1).committedOffset, -1);
  assert.equal(b.groups.hasPendingTxnOffset('g', 't', 1), false);
});

test('restart with an open transaction: it stays open (the LSO held, the producer may finish it) until its timeout aborts it', async (t) => {
  const dir = tempDir(t, 'kappa-txn-');
  const a = await open(t, dir);
  const p = await init(a, 'tx', { timeoutMs: 2000 });
  await a.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] });
  await produce(a, 0, p, 0, 'open');
  await a.close();

  const b = await open(t, dir);
  assert.equal(stateOf(b, 'tx'), 'Ongoing');
  assert.equal(b.logs.partition('t', 0)!.lastStableOffset, 0);
  b.txns.checkTimeouts(Date.now() + 1000);
  assert.equal(stateOf(b, 'tx'), 'Ongoing');
  assert.deepEqual(await b.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] }), [0], 'the producer is still welcome');
  b.txns.checkTimeouts(Date.now() + 3000);
  await until('CompleteAbort', () => stateOf(b, 'tx') === 'CompleteAbort');
  assert.deepEqual(await contents(b.logs.partition('t', 0)!), ['open', '<abort e1>']);
  assert.equal(b.logs.partition('t', 0)!.lastStableOffset, 2);
  assert.equal(await b.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), ErrorCode.PRODUCER_FENCED);
});

test('describe and list', async (t) => {
  const n = await setup(t);
  const a = await init(n, 'a');
  await init(n, 'b');
  await n.txns.addPartitions({ transactionalId: 'a', ...a, partitions: [{ topic: 't', partition: 1 }, { topic: 't', partition: 0 }] });
  const d = n.txns.describe('a')!;
  assert.deepEqual([d.state, d.producerId, d.producerEpoch, d.timeoutMs, d.partitions], ['Ongoing', a.producerId, 0, TIMEOUT, [{ topic: 't', partitions: [0, 1] }]]);
  assert.ok(d.startTimestamp > 0 && d.startTimestamp <= Date.now());
  assert.deepEqual(n.txns.describe('b')!.startTimestamp, -1);
  assert.equal(n.txns.describe('zzz'), null);
  assert.deepEqual(n.txns.list().map((x) => [x.transactionalId, x.state]).sort(), [['a', 'Ongoing'], ['b', 'Empty']]);
});

test('TxnOffsetCommit needs an open transaction holding the group (AddOffsetsToTxn first): INVALID_TXN_STATE otherwise', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch, 'g'), ErrorCode.INVALID_TXN_STATE, 'no transaction open');
  await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }] });
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch, 'g'), ErrorCode.INVALID_TXN_STATE, 'the group is not in it');
  assert.equal(await n.txns.addOffsets({ transactionalId: 'tx', ...p, groupId: 'g' }), 0);
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch, 'g'), 0);
  assert.equal(n.txns.checkTxnOffsetCommit('tx', p.producerId, p.producerEpoch + 1, 'g'), ErrorCode.PRODUCER_FENCED);
  assert.equal(n.txns.checkTxnOffsetCommit('other', p.producerId, p.producerEpoch, 'g'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
});

test('a marker that cannot be written keeps the transaction prepared; the periodic check writes the rest later, once', async (t) => {
  const n = await setup(t);
  const p = await init(n, 'tx');
  await n.txns.addPartitions({ transactionalId: 'tx', ...p, partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] });
  await produce(n, 0, p, 0, 'a');
  await produce(n, 1, p, 0, 'b');
  const p1 = n.logs.partition('t', 1)!;
  const real = p1.appendTxnMarker.bind(p1);
  let failing = true;
  p1.appendTxnMarker = (m) => (failing ? Promise.reject(Object.assign(new Error('disk on fire'), { code: 'KAFKA_STORAGE_ERROR' })) : real(m));
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), 0);
  await until('partition 0 marked', () => n.logs.partition('t', 0)!.lastStableOffset === 2);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(stateOf(n, 'tx'), 'PrepareCommit', 'not complete while a partition is unmarked');
  assert.equal(await n.txns.endTxn({ transactionalId: 'tx', ...p, commit: true }), ErrorCode.CONCURRENT_TRANSACTIONS, 'the client keeps retrying');
  failing = false;
  n.txns.checkTimeouts();
  await until('CompleteCommit', () => stateOf(n, 'tx') === 'CompleteCommit');
  assert.deepEqual(await contents(p1), ['b', '<commit e0>']);
  assert.deepEqual(await contents(n.logs.partition('t', 0)!), ['a', '<commit e0>'], 'no second marker where the first one landed');
});
