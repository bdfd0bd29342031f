// Shared by the transaction coordinator's unit tests: a broker's coordinators over real logs in a temp
// directory, loaded as at start-up, and small helpers to drive and inspect them.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import type { PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { GroupCoordinator } from '../../../../src/broker/group/coordinator.js';
import { OffsetsTopic } from '../../../../src/broker/group/offsets-topic.js';
import { ManualTimers } from '../../../../src/broker/group/timers.js';
import { ProducerIdAllocator } from '../../../../src/broker/txn/producer-ids.js';
import { DEFAULT_TXN_CONFIG, TransactionCoordinator, type TxnCoordinatorConfig } from '../../../../src/broker/txn/transaction-coordinator.js';
import { TransactionLog } from '../../../../src/broker/txn/transaction-log.js';
import { decodeControlRecord, decodeRecords, encodeBatch, iterateBatches } from '../../../../src/protocol/record-batch.js';
import { defer, tempDir } from '../log/batch-helper.js';

export const TIMEOUT = 60_000;

export interface Node {
  dir: string;
  logs: LogManager;
  groups: GroupCoordinator;
  txns: TransactionCoordinator;
  store: TransactionLog;
  woken: PartitionLog[];
  /** Stops timers and closes the logs (a clean stop; a crash is simply not calling it before reopening). */
  close(): Promise<void>;
}

/** A broker's coordinators over dir, loaded as at start-up (groups first, then transactions). */
export async function open(t: TestContext, dir: string, over: Partial<TxnCoordinatorConfig> = {}): Promise<Node> {
  const logs = await LogManager.open(dir, {});
  if (!logs.topic('t')) await logs.createTopic('t', 2, {});
  const log = () => {};
  const offsets = new OffsetsTopic(logs, 1, log);
  const groups = new GroupCoordinator(offsets, new ManualTimers(), {}, log);
  await groups.load((visit, pending) => offsets.readAll(visit, pending));
  const store = new TransactionLog(logs, 1, log);
  const woken: PartitionLog[] = [];
  const config = { ...DEFAULT_TXN_CONFIG, logPartitions: 1, ...over };
  const txns = new TransactionCoordinator(logs, store, await ProducerIdAllocator.open(dir), groups, offsets, (l) => woken.push(l), config, log);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    txns.stop();
    groups.stop();
    await logs.close();
  };
  defer(t, close);
  await txns.load();
  return { dir, logs, groups, txns, store, woken, close };
}

export const setup = (t: TestContext, over: Partial<TxnCoordinatorConfig> = {}) => open(t, tempDir(t, 'kappa-txn-'), over);

export function init(n: Node, transactionalId: string, over: { timeoutMs?: number; producerId?: number; producerEpoch?: number } = {}) {
  return n.txns.initProducerId({ transactionalId, timeoutMs: over.timeoutMs ?? TIMEOUT, producerId: over.producerId ?? -1, producerEpoch: over.producerEpoch ?? -1 });
}

export async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

export const stateOf = (n: Node, id: string) => n.txns.describe(id)?.state;

/** Appends one transactional record to partition t-<partition> as the producer would. */
export function produce(n: Node, partition: number, p: { producerId: number; producerEpoch: number }, seq: number, value = `v${seq}`) {
  const batch = encodeBatch([{ value }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: seq, isTransactional: true });
  return n.logs.partition('t', partition)!.append(batch, { durable: false, recordCount: 1 });
}

export function commitOffset(n: Node, p: { producerId: number; producerEpoch: number }, partition: number, offset: number, metadata = '') {
  return n.groups.commitTxnOffsets({
    groupId: 'g', ...p, generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition, offset, leaderEpoch: -1, metadata }],
  });
}

export const committed = (n: Node, partition: number) => n.groups.fetchOffsets('g', [{ name: 't', partitionIndexes: [partition] }]).topics[0]!.partitions[0]!;

/** Data values and markers (with the marker's epoch) of a partition, in offset order. */
export async function contents(log: PartitionLog): Promise<string[]> {
  const { records } = await log.read(log.logStartOffset, 1 << 20, true);
  const out: string[] = [];
  for (const raw of iterateBatches(records)) {
    const b = decodeRecords(raw);
    for (const r of b.records) out.push(b.isControl ? `<${decodeControlRecord(r).marker} e${b.producerEpoch}>` : r.value!.toString());
  }
  return out;
}
