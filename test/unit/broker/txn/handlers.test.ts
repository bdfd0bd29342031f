// The transaction handlers over a real coordinator: which fencing code each API version hears
// (KIP-588: PRODUCER_FENCED from InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2;
// TxnOffsetCommit always INVALID_PRODUCER_EPOCH, as Kafka answers it), and TxnOffsetCommit's
// per-partition answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestContext } from '../../../../src/broker/handlers/index.js';
import { initProducerIdHandler } from '../../../../src/broker/handlers/22-init-producer-id.js';
import { addPartitionsToTxnHandler } from '../../../../src/broker/handlers/24-add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from '../../../../src/broker/handlers/25-add-offsets-to-txn.js';
import { endTxnHandler } from '../../../../src/broker/handlers/26-end-txn.js';
import { txnOffsetCommitHandler } from '../../../../src/broker/handlers/28-txn-offset-commit.js';
import type { AddPartitionsToTxnRequest } from '../../../../src/protocol/generated/add-partitions-to-txn.js';
import type { TxnOffsetCommitRequest } from '../../../../src/protocol/generated/txn-offset-commit.js';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import { TIMEOUT, init, setup, type Node } from './harness.js';

/** Just what these handlers read from their context. */
const ctx = (n: Node, apiVersion: number) => ({ broker: { transactions: n.txns, groups: n.groups, logs: n.logs }, apiVersion }) as unknown as RequestContext;

/** A transactional id whose epoch moved on: `stale` is the fenced instance, `current` the live one. */
async function fencedSetup(t: Parameters<typeof setup>[0]) {
  const n = await setup(t);
  const stale = await init(n, 'tx');
  const current = await init(n, 'tx');
  return { n, stale, current };
}

test('InitProducerId: a fenced KIP-360 producer hears INVALID_PRODUCER_EPOCH before v4, PRODUCER_FENCED from v4', async (t) => {
  const { n, stale } = await fencedSetup(t);
  await init(n, 'tx'); // two bumps past `stale`: its epoch is neither current nor the previous one
  const req = { transactionalId: 'tx', transactionTimeoutMs: TIMEOUT, producerId: stale.producerId, producerEpoch: stale.producerEpoch };
  assert.equal((await initProducerIdHandler.handle(ctx(n, 3), req))!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await initProducerIdHandler.handle(ctx(n, 4), req))!.errorCode, ErrorCode.PRODUCER_FENCED);
  // Before v3 the request carries no producer: a plain epoch bump.
  const old = (await initProducerIdHandler.handle(ctx(n, 2), req))!;
  assert.deepEqual([old.errorCode, old.producerId], [0, stale.producerId]);
});

test('AddPartitionsToTxn, AddOffsetsToTxn, EndTxn: INVALID_PRODUCER_EPOCH before v2, PRODUCER_FENCED from v2', async (t) => {
  const { n, stale } = await fencedSetup(t);
  const add = (v: number) =>
    addPartitionsToTxnHandler.handle(ctx(n, v), {
      transactions: [], v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: stale.producerId, v3AndBelowProducerEpoch: stale.producerEpoch,
      v3AndBelowTopics: [{ name: 't', partitions: [0, 1] }],
    } as AddPartitionsToTxnRequest);
  assert.deepEqual((await add(1))!.resultsByTopicV3AndBelow![0]!.resultsByPartition!.map((p) => p.partitionErrorCode), [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH]);
  assert.deepEqual((await add(2))!.resultsByTopicV3AndBelow![0]!.resultsByPartition!.map((p) => p.partitionErrorCode), [ErrorCode.PRODUCER_FENCED, ErrorCode.PRODUCER_FENCED]);
  const offsets = { transactionalId: 'tx', producerId: stale.producerId, producerEpoch: stale.producerEpoch, groupId: 'g' };
  assert.equal((await addOffsetsToTxnHandler.handle(ctx(n, 1), offsets))!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await addOffsetsToTxnHandler.handle(ctx(n, 2), offsets))!.errorCode, ErrorCode.PRODUCER_FENCED);
  const end = { transactionalId: 'tx', producerId: stale.producerId, producerEpoch: stale.producerEpoch, committed: true };
  assert.equal((await endTxnHandler.handle(ctx(n, 1), end))!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await endTxnHandler.handle(ctx(n, 3), end))!.errorCode, ErrorCode.PRODUCER_FENCED);
});

test('TxnOffsetCommit: unknown partitions, fencing at every version, INVALID_TXN_STATE without AddOffsetsToTxn, then success', async (t) => {
  const { n, stale, current } = await fencedSetup(t);
  const commit = (v: number, p: { producerId: number; producerEpoch: number }) =>
    txnOffsetCommitHandler.handle(ctx(n, v), {
      transactionalId: 'tx', groupId: 'g', ...p, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 4, committedLeaderEpoch: -1, committedMetadata: null }] },
        { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] },
      ],
    } as TxnOffsetCommitRequest);
  const codes = async (v: number, p: { producerId: number; producerEpoch: number }) => (await commit(v, p))!.topics!.map((x) => x.partitions![0]!.errorCode);
  for (const v of [0, 2, 3]) assert.deepEqual(await codes(v, stale), [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], `v${v}`);
  assert.deepEqual(await codes(3, current), [ErrorCode.INVALID_TXN_STATE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], 'no AddOffsetsToTxn yet');
  assert.equal(await n.txns.addOffsets({ transactionalId: 'tx', ...current, groupId: 'g' }), 0);
  assert.deepEqual(await codes(3, current), [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(n.groups.hasPendingTxnOffset('g', 't', 0), true);
  assert.equal(n.groups.hasPendingTxnOffset('g', 'missing', 0), false, 'nothing stored for the unknown topic');
});
