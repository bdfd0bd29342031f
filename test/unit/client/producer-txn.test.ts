// The transactional producer against a scripted in-process broker that plays transaction coordinator,
// group coordinator and partition leader, keeps Kafka's rules (a transactional batch only for a
// partition already in the transaction, epochs, sequences) and records every request, so the tests can
// check what went on the wire and in which order: partitions added once per transaction and in one
// request per send() call, EndTxn only after every batch is answered, unsent batches dropped on abort,
// retriable coordinator answers retried, fencing fatal, a failed batch abortable and followed by an
// epoch bump, offsets sent to the group's coordinator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords } from '../../../src/protocol/record-batch.js';
import { Producer } from '../../../src/client/producer.js';
import { TransactionError } from '../../../src/client/transactions.js';
import { isRetriable } from '../../../src/client/errors.js';
import type { Cluster } from '../../../src/client/cluster.js';

const API = { 0: 'Produce', 10: 'FindCoordinator', 22: 'InitProducerId', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 28: 'TxnOffsetCommit' } as Record<number, string>;

interface Logged {
  api: string;
  body: any;
  /** For Produce: partition → values of the batch; for EndTxn: the number of Produce requests unanswered when it arrived. */
  detail?: unknown;
}

interface Written {
  value: string;
  producerId: number;
  epoch: number;
  /** Decided with EndTxn; undefined while the transaction is open. */
  outcome?: 'commit' | 'abort';
}

/** A fault for one request: an error code to answer with (per partition for partitioned APIs). */
type Fault = number | undefined;

class FakeTxnBroker {
  readonly log: Logged[] = [];
  /** When each request of `log` arrived (ms). */
  readonly at: number[] = [];
  readonly partitions: Written[][];
  readonly violations: string[] = [];
  producerId = 5000;
  epoch = -1;
  private readonly inTxn = new Set<number>();
  private offsetsAdded = false;
  private readonly nextSeq = new Map<number, number>();
  private producing = 0;
  readonly committedOffsets: { group: string; topic: string; partition: number; offset: number }[] = [];
  private pendingOffsets: { group: string; topic: string; partition: number; offset: number }[] = [];
  /** Consulted per TxnOffsetCommit partition (n counts TxnOffsetCommit requests). */
  offsetFault: (partition: number, n: number) => Fault = () => undefined;
  /** Consulted per request: an error code to answer with instead of the usual answer. */
  fault: (api: string, body: any, n: number) => Fault = () => undefined;
  private readonly counts = new Map<string, number>();

  constructor(n: number) {
    this.partitions = Array.from({ length: n }, () => []);
  }

  calls(api: string): Logged[] {
    return this.log.filter((l) => l.api === api);
  }

  committed(p: number): string[] {
    return this.partitions[p]!.filter((w) => w.outcome === 'commit' || w.producerId < 0).map((w) => w.value);
  }

  private handle(apiKey: number, body: any): any {
    const api = API[apiKey] ?? `api-${apiKey}`;
    const n = (this.counts.get(api) ?? 0) + 1;
    this.counts.set(api, n);
    const entry: Logged = { api, body };
    this.log.push(entry);
    this.at.push(Date.now());
    const fault = this.fault(api, body, n);
    switch (api) {
      case 'FindCoordinator':
        return { errorCode: fault ?? 0, errorMessage: null, nodeId: 1, host: 'fake', port: 9092, coordinators: [] };
      case 'InitProducerId': {
        if (fault) return { errorCode: fault, producerId: -1, producerEpoch: -1 };
        if (body.producerId >= 0 && (body.producerId !== this.producerId || body.producerEpoch !== this.epoch)) return { errorCode: 90, producerId: -1, producerEpoch: -1 };
        this.abortOpen();
        this.epoch++;
        this.nextSeq.clear();
        return { errorCode: 0, producerId: this.producerId, producerEpoch: this.epoch };
      }
      case 'AddPartitionsToTxn': {
        const code = fault ?? this.check(body.v3AndBelowProducerId, body.v3AndBelowProducerEpoch);
        if (code === 0) for (const t of body.v3AndBelowTopics) for (const p of t.partitions) this.inTxn.add(p);
        return { errorCode: 0, resultsByTopicV3AndBelow: body.v3AndBelowTopics.map((t: any) => ({ name: t.name, resultsByPartition: t.partitions.map((p: number) => ({ partitionIndex: p, partitionErrorCode: code })) })) };
      }
      case 'AddOffsetsToTxn': {
        const code = fault ?? this.check(body.producerId, body.producerEpoch);
        if (code === 0) this.offsetsAdded = true;
        return { errorCode: code };
      }
      case 'TxnOffsetCommit': {
        if (!this.offsetsAdded) this.violations.push('TxnOffsetCommit before AddOffsetsToTxn');
        return {
          topics: body.topics.map((t: any) => ({
            name: t.name,
            partitions: t.partitions.map((p: any) => {
              const code = fault ?? this.offsetFault(p.partitionIndex, n) ?? this.check(body.producerId, body.producerEpoch);
              if (code === 0) this.pendingOffsets.push({ group: body.groupId, topic: t.name, partition: p.partitionIndex, offset: p.committedOffset });
              return { partitionIndex: p.partitionIndex, errorCode: code };
            }),
          })),
        };
      }
      case 'EndTxn': {
        entry.detail = this.producing;
        if (this.producing > 0) this.violations.push(`EndTxn with ${this.producing} Produce request(s) unanswered`);
        const code = fault ?? this.check(body.producerId, body.producerEpoch);
        if (code !== 0) return { errorCode: code };
        if (this.inTxn.size === 0 && !this.offsetsAdded) return { errorCode: 48 };
        this.decide(body.committed ? 'commit' : 'abort');
        return { errorCode: 0 };
      }
      case 'Produce': {
        const written: Record<number, string[]> = {};
        entry.detail = written;
        const responses = body.topicData.map((t: any) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((pd: any) => {
            const batch = decodeRecords(pd.records);
            const values = batch.records.map((r) => r.value!.toString());
            written[pd.index] = values;
            const answer = (errorCode: number, baseOffset = -1) => ({ index: pd.index, errorCode, baseOffset, errorMessage: null });
            if (fault) return answer(fault);
            if (body.transactionalId !== null && !batch.isTransactional) this.violations.push('a transactional producer sent a non-transactional batch');
            if (batch.isTransactional && !this.inTxn.has(pd.index)) {
              this.violations.push(`batch for partition ${pd.index} before AddPartitionsToTxn`);
              return answer(48);
            }
            if (batch.producerEpoch < this.epoch) return answer(90);
            const expected = this.nextSeq.get(pd.index) ?? 0;
            if (batch.baseSequence !== expected) return answer(45);
            this.nextSeq.set(pd.index, expected + values.length);
            const log = this.partitions[pd.index]!;
            const offset = log.length;
            for (const value of values) log.push({ value, producerId: batch.producerId, epoch: batch.producerEpoch });
            return answer(0, offset);
          }),
        }));
        return { responses };
      }
      default:
        throw new Error(`unexpected request ${api}`);
    }
  }

  private check(producerId: number, epoch: number): number {
    if (producerId !== this.producerId) return 49;
    if (epoch !== this.epoch) return 90;
    return 0;
  }

  private decide(outcome: 'commit' | 'abort'): void {
    for (const log of this.partitions) for (const w of log) if (w.outcome === undefined && w.producerId >= 0) w.outcome = outcome;
    if (outcome === 'commit') this.committedOffsets.push(...this.pendingOffsets);
    this.pendingOffsets = [];
    this.inTxn.clear();
    this.offsetsAdded = false;
  }

  /** A new InitProducerId aborts what the previous epoch left open, as the coordinator does. */
  private abortOpen(): void {
    if (this.inTxn.size > 0 || this.offsetsAdded) this.decide('abort');
  }

  connection() {
    return {
      address: 'fake:9092',
      send: (apiKey: number, body: any): Promise<any> => {
        // Handled on arrival, answered a moment later, so that several requests can be in flight.
        if (apiKey === 0) this.producing++;
        let res: any;
        try {
          res = this.handle(apiKey, body);
        } catch (err) {
          return Promise.reject(err);
        }
        return new Promise((resolve) =>
          setTimeout(() => {
            if (apiKey === 0) this.producing--;
            resolve(res);
          }, 2),
        );
      },
    };
  }

  cluster(partitions: number): Cluster {
    const conn = this.connection();
    const fake = {
      requestTimeoutMs: 2000,
      async topic(name: string) {
        return { name, topicId: '', isInternal: false, partitions: Array.from({ length: partitions }, (_, i) => ({ partition: i, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], errorCode: 0 })) };
      },
      async leaderOf() {
        return 1;
      },
      async brokerConnection() {
        return conn;
      },
      async anyConnection() {
        return conn;
      },
      invalidate() {},
      async withRetry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
          try {
            return await fn(attempt);
          } catch (err) {
            if (attempt >= 3 || !isRetriable(err)) throw err;
          }
        }
      },
    };
    return fake as unknown as Cluster;
  }
}

const rec = (value: string, partition: number) => ({ value, partition });

async function ready(broker: FakeTxnBroker, partitions = 3, options: { lingerMs?: number } = {}): Promise<Producer> {
  const producer = new Producer(broker.cluster(partitions), { transactionalId: 'tx-1', lingerMs: options.lingerMs ?? 0 });
  await producer.initTransactions();
  return producer;
}

/** Asserts that `p` rejects with a TransactionError matching `expected`, and returns it. */
async function rejectsWith(p: Promise<unknown> | (() => unknown), expected: { code: string; fatal?: boolean; abortable?: boolean }): Promise<TransactionError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TransactionError, `expected a TransactionError ${expected.code}, got ${caught instanceof Error ? `${caught.name} ${caught.message}` : String(caught)}`);
  assert.equal(caught.code, expected.code, caught.message);
  assert.equal(caught.fatal, expected.fatal ?? false, `fatal: ${caught.message}`);
  assert.equal(caught.abortable, expected.abortable ?? false, `abortable: ${caught.message}`);
  return caught;
}

test('commit: one AddPartitionsToTxn per send() for the partitions new to the transaction, before their first batch; EndTxn after every batch is answered', async () => {
  const broker = new FakeTxnBroker(3);
  const producer = await ready(broker);
  assert.deepEqual(broker.calls('FindCoordinator').map((c) => [c.body.keyType, c.body.key]), [[1, 'tx-1']]);
  producer.beginTransaction();
  await producer.send('t', [rec('a0', 0), rec('b0', 1), rec('c0', 2)]);
  await producer.send('t', [rec('a1', 0), rec('b1', 1)]);
  await producer.commitTransaction();
  const adds = broker.calls('AddPartitionsToTxn');
  assert.equal(adds.length, 1, 'the second send() adds nothing: its partitions are in the transaction');
  assert.deepEqual(adds[0]!.body.v3AndBelowTopics, [{ name: 't', partitions: [0, 1, 2] }]);
  assert.equal(adds[0]!.body.v3AndBelowTransactionalId, 'tx-1');
  assert.deepEqual(broker.calls('EndTxn').map((c) => c.body.committed), [true]);
  assert.deepEqual(broker.violations, []);
  assert.deepEqual([0, 1, 2].map((p) => broker.committed(p)), [['a0', 'a1'], ['b0', 'b1'], ['c0']]);
  for (const p of broker.calls('Produce')) assert.equal(p.body.transactionalId, 'tx-1');

  // The next transaction adds its partitions again, once.
  producer.beginTransaction();
  await producer.send('t', [rec('a2', 0)]);
  await producer.send('t', [rec('a3', 0)]);
  await producer.commitTransaction();
  assert.deepEqual(broker.calls('AddPartitionsToTxn').map((c) => c.body.v3AndBelowTopics[0].partitions), [[0, 1, 2], [0]]);
  assert.deepEqual(broker.committed(0), ['a0', 'a1', 'a2', 'a3']);
  assert.equal(producer.transactionState, 'ready');
});

test('sends not awaited, then commit: the commit waits for them (even those still waiting for metadata) and reports their offsets\' success', async () => {
  const broker = new FakeTxnBroker(2);
  const producer = await ready(broker, 2, { lingerMs: 50 });
  producer.beginTransaction();
  const sends = [0, 1, 2, 3].map((i) => producer.send('t', [rec(`v${i}`, i % 2)]));
  await producer.commitTransaction();
  const meta = await Promise.all(sends);
  assert.deepEqual(meta.map((m) => [m[0]!.partition, m[0]!.offset]), [[0, 0], [1, 0], [0, 1], [1, 1]]);
  assert.deepEqual(broker.violations, []);
  assert.deepEqual([broker.committed(0), broker.committed(1)], [['v0', 'v2'], ['v1', 'v3']]);
  const endIndex = broker.log.findIndex((l) => l.api === 'EndTxn');
  assert.ok(broker.log.slice(endIndex).every((l) => l.api !== 'Produce'), 'nothing produced after EndTxn');
});

test('abort: batches not sent yet are dropped (their sends reject, TRANSACTION_ABORTED) and never produced; EndTxn(abort); the next transaction commits', async () => {
  const broker = new FakeTxnBroker(2);
  const producer = await ready(broker, 2, { lingerMs: 60_000 });
  producer.beginTransaction();
  const pending = producer.send('t', [rec('lost-0', 0), rec('lost-1', 1)]);
  await new Promise((r) => setTimeout(r, 20)); // the partitions are added; the batch lingers
  await producer.abortTransaction();
  await rejectsWith(pending, { code: 'TRANSACTION_ABORTED', abortable: true });
  assert.equal(broker.calls('Produce').length, 0);
  assert.deepEqual(broker.calls('EndTxn').map((c) => c.body.committed), [false]);

  // A transaction that never reached the coordinator ends without EndTxn.
  producer.beginTransaction();
  await producer.abortTransaction();
  producer.beginTransaction();
  await producer.commitTransaction();
  assert.equal(broker.calls('EndTxn').length, 1);

  producer.beginTransaction();
  const kept = producer.send('t', [rec('kept', 0)]);
  await producer.commitTransaction();
  await kept;
  assert.deepEqual(broker.committed(0), ['kept']);
  assert.deepEqual(broker.violations, []);
});

test('abort while a batch is in flight: EndTxn(abort) waits for its answer (a batch arriving after the marker would open a transaction nothing closes)', async () => {
  const broker = new FakeTxnBroker(1);
  const producer = await ready(broker, 1);
  producer.beginTransaction();
  const inFlight = producer.send('t', [rec('in-flight', 0)]);
  while (broker.calls('Produce').length === 0) await new Promise((r) => setImmediate(r));
  await producer.abortTransaction();
  await inFlight; // written, then aborted with the transaction
  assert.deepEqual(broker.calls('EndTxn').map((c) => [c.body.committed, c.detail]), [[false, 0]]);
  assert.deepEqual(broker.violations, []);
  assert.deepEqual(broker.committed(0), []);
});

test('calls in the wrong state fail at once with a clear, non-fatal error and change nothing', async () => {
  const broker = new FakeTxnBroker(1);
  const producer = new Producer(broker.cluster(1), { transactionalId: 'tx-1', lingerMs: 0 });
  assert.throws(() => producer.beginTransaction(), (e: unknown) => e instanceof TransactionError && e.code === 'INVALID_TRANSACTION_STATE' && /initTransactions/.test(e.message));
  await rejectsWith(producer.send('t', [rec('x', 0)]), { code: 'INVALID_TRANSACTION_STATE' });
  await producer.initTransactions();
  await rejectsWith(producer.initTransactions(), { code: 'INVALID_TRANSACTION_STATE' });
  const outside = await rejectsWith(producer.send('t', [rec('x', 0)]), { code: 'INVALID_TRANSACTION_STATE' });
  assert.match(outside.message, /beginTransaction/);
  await rejectsWith(producer.commitTransaction(), { code: 'INVALID_TRANSACTION_STATE' });
  await rejectsWith(producer.abortTransaction(), { code: 'INVALID_TRANSACTION_STATE' });
  await rejectsWith(producer.sendOffsetsToTransaction([{ topic: 't', partition: 0, offset: 1 }], { groupId: 'g' }), { code: 'INVALID_TRANSACTION_STATE' });
  producer.beginTransaction();
  assert.throws(() => producer.beginTransaction(), (e: unknown) => e instanceof TransactionError && !e.fatal);
  await producer.send('t', [rec('x', 0)]);
  await producer.commitTransaction();
  assert.deepEqual(broker.committed(0), ['x']);
  assert.equal(broker.calls('Produce').length, 1);

  const plain = new Producer(broker.cluster(1), { lingerMs: 0 });
  await rejectsWith(plain.initTransactions(), { code: 'INVALID_TRANSACTION_STATE' });
  assert.throws(() => plain.beginTransaction(), /not a transactional producer/);
  assert.equal(plain.transactionState, undefined);
  assert.throws(() => new Producer(broker.cluster(1), { transactionalId: 'x', acks: 1 }), /acks -1/);
  assert.throws(() => new Producer(broker.cluster(1), { transactionalId: 'x', idempotent: false }), /idempotent/);
  assert.throws(() => new Producer(broker.cluster(1), { transactionalId: '' }), /empty/);
});

test('retriable coordinator answers are retried after a short backoff: FindCoordinator, InitProducerId (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR finds the coordinator again), AddPartitionsToTxn, EndTxn', async () => {
  const broker = new FakeTxnBroker(1);
  broker.fault = (api, _body, n) => {
    if (api === 'FindCoordinator' && n === 1) return 15; // COORDINATOR_NOT_AVAILABLE
    if (api === 'InitProducerId' && n <= 2) return 51; // CONCURRENT_TRANSACTIONS
    if (api === 'InitProducerId' && n === 3) return 16; // NOT_COORDINATOR
    if (api === 'AddPartitionsToTxn' && n <= 2) return 14; // COORDINATOR_LOAD_IN_PROGRESS
    if (api === 'EndTxn' && n <= 3) return 51;
    return undefined;
  };
  const started = Date.now();
  const producer = await ready(broker, 1);
  producer.beginTransaction();
  await producer.send('t', [rec('x', 0)]);
  await producer.commitTransaction();
  const took = Date.now() - started;
  assert.deepEqual(broker.committed(0), ['x']);
  assert.equal(broker.calls('InitProducerId').length, 4);
  assert.equal(broker.calls('FindCoordinator').length, 3, 'looked up at first (failed), again, and again after NOT_COORDINATOR');
  assert.equal(broker.calls('AddPartitionsToTxn').length, 3);
  assert.equal(broker.calls('EndTxn').length, 4);
  // The backoff starts at 20 ms and doubles: the first retry of InitProducerId follows the first answer by
  // about 20 ms (Kafka's clients wait 100 ms, kafkajs 300 ms). Loose bounds: timers run late on a busy machine.
  const inits = broker.log.map((l, i) => [l.api, broker.at[i]!] as const).filter(([api]) => api === 'InitProducerId').map(([, at]) => at);
  const firstGap = inits[1]! - inits[0]!;
  assert.ok(firstGap >= 15 && firstGap < 250, `first retry after ${firstGap} ms`);
  assert.ok(took < 5000, `took ${took} ms`);
});

test('fenced during a transaction (Produce answers PRODUCER_FENCED): the send and every later call fail with the same fatal PRODUCER_FENCED error', async () => {
  const broker = new FakeTxnBroker(2);
  const producer = await ready(broker, 2);
  producer.beginTransaction();
  await producer.send('t', [rec('a', 0)]);
  broker.epoch++; // another instance initialised the transactional id
  const fenced = await rejectsWith(producer.send('t', [rec('b', 0)]), { code: 'PRODUCER_FENCED', fatal: true });
  assert.match(fenced.message, /fenced/);
  assert.equal(producer.transactionState, 'fatal-error');
  for (const call of [() => producer.commitTransaction(), () => producer.abortTransaction(), () => producer.send('t', [rec('c', 1)]), () => producer.beginTransaction(), () => producer.sendOffsetsToTransaction([], { groupId: 'g' })]) {
    const e = await rejectsWith(call, { code: 'PRODUCER_FENCED', fatal: true });
    assert.equal(e, fenced, 'the same error every time');
  }
  assert.equal(broker.calls('EndTxn').length, 0);
});

test('fenced at the coordinator: INVALID_PRODUCER_EPOCH from EndTxn and PRODUCER_FENCED from AddPartitionsToTxn are fatal; so are INVALID_TXN_STATE and TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
  {
    const broker = new FakeTxnBroker(1);
    const producer = await ready(broker, 1);
    producer.beginTransaction();
    await producer.send('t', [rec('a', 0)]);
    broker.fault = (api) => (api === 'EndTxn' ? 47 : undefined);
    await rejectsWith(producer.commitTransaction(), { code: 'PRODUCER_FENCED', fatal: true });
    await rejectsWith(producer.abortTransaction(), { code: 'PRODUCER_FENCED', fatal: true });
  }
  {
    const broker = new FakeTxnBroker(1);
    const producer = await ready(broker, 1);
    producer.beginTransaction();
    broker.fault = (api) => (api === 'AddPartitionsToTxn' ? 90 : undefined);
    await rejectsWith(producer.send('t', [rec('a', 0)]), { code: 'PRODUCER_FENCED', fatal: true });
    assert.equal(broker.calls('Produce').length, 0);
    await rejectsWith(producer.commitTransaction(), { code: 'PRODUCER_FENCED', fatal: true });
  }
  {
    const broker = new FakeTxnBroker(1);
    const producer = await ready(broker, 1);
    producer.beginTransaction();
    await producer.send('t', [rec('a', 0)]);
    broker.fault = (api) => (api === 'EndTxn' ? 48 : undefined);
    await rejectsWith(producer.commitTransaction(), { code: 'INVALID_TXN_STATE', fatal: true });
  }
  {
    const broker = new FakeTxnBroker(1);
    broker.fault = (api) => (api === 'InitProducerId' ? 53 : undefined);
    const producer = new Producer(broker.cluster(1), { transactionalId: 'tx-1' });
    await rejectsWith(producer.initTransactions(), { code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', fatal: true });
    assert.throws(() => producer.beginTransaction(), (e: unknown) => e instanceof TransactionError && e.fatal);
  }
});

test('a batch that fails for good makes the transaction abortable: commit rejects, abort succeeds, a new epoch closes the sequence gap, the next transaction commits', async () => {
  const broker = new FakeTxnBroker(2);
  const producer = await ready(broker, 2);
  const epoch0 = producer.identity.producerEpoch;
  producer.beginTransaction();
  await producer.send('t', [rec('ok', 1)]);
  broker.fault = (api, body) => (api === 'Produce' && body.topicData[0].partitionData[0].index === 0 ? 10 : undefined); // MESSAGE_TOO_LARGE
  await assert.rejects(producer.send('t', [rec('too-large', 0)]), /MESSAGE_TOO_LARGE/);
  broker.fault = () => undefined;
  const commitErr = await rejectsWith(producer.commitTransaction(), { code: 'TRANSACTION_ABORTABLE', abortable: true });
  assert.match(commitErr.message, /MESSAGE_TOO_LARGE/);
  assert.equal(producer.transactionState, 'abortable-error');
  await rejectsWith(producer.send('t', [rec('more', 1)]), { code: 'TRANSACTION_ABORTABLE', abortable: true });
  assert.throws(() => producer.beginTransaction(), (e: unknown) => e instanceof TransactionError && !e.fatal && /abort/.test(e.message));
  await producer.abortTransaction();
  assert.deepEqual(broker.calls('EndTxn').map((c) => c.body.committed), [false]);
  // The failed batch took sequence numbers the partition never saw: InitProducerId with the current id and epoch bumps it.
  const bump = broker.calls('InitProducerId').at(-1)!;
  assert.deepEqual([bump.body.producerId, bump.body.producerEpoch], [broker.producerId, epoch0]);
  assert.equal(producer.identity.producerEpoch, epoch0 + 1);

  producer.beginTransaction();
  await producer.send('t', [rec('next-0', 0), rec('next-1', 1)]);
  await producer.commitTransaction();
  assert.deepEqual([broker.committed(0), broker.committed(1)], [['next-0'], ['next-1']]);
  assert.deepEqual(broker.violations, []);
});

test('sendOffsetsToTransaction: AddOffsetsToTxn at the transaction coordinator, then TxnOffsetCommit at the group coordinator with the member\'s generation; committed only with the transaction', async () => {
  const broker = new FakeTxnBroker(2);
  const producer = await ready(broker, 2);
  producer.beginTransaction();
  await producer.send('t', [rec('out', 0)]);
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42 }, { topic: 'in', partition: 1, offset: 7, metadata: 'm' }], { groupId: 'g1', generationId: 3, memberId: 'member-1', groupInstanceId: null });
  assert.deepEqual(broker.calls('AddOffsetsToTxn').map((c) => c.body.groupId), ['g1']);
  assert.deepEqual(broker.calls('FindCoordinator').map((c) => [c.body.keyType, c.body.key]), [[1, 'tx-1'], [0, 'g1']]);
  const commit = broker.calls('TxnOffsetCommit')[0]!.body;
  assert.deepEqual([commit.groupId, commit.generationId, commit.memberId, commit.transactionalId], ['g1', 3, 'member-1', 'tx-1']);
  assert.deepEqual(commit.topics, [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: '' }, { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: 'm' }] }]);
  assert.equal(broker.committedOffsets.length, 0, 'not before the commit');
  await producer.commitTransaction();
  assert.deepEqual(broker.committedOffsets.map((o) => [o.topic, o.partition, o.offset]), [['in', 0, 42], ['in', 1, 7]]);

  // Offsets alone make a transaction (EndTxn is sent); an aborted one never commits them.
  producer.beginTransaction();
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 50 }], { groupId: 'g1' });
  await producer.abortTransaction();
  assert.deepEqual(broker.calls('EndTxn').map((c) => c.body.committed), [true, false]);
  assert.equal(broker.committedOffsets.length, 2);
  assert.deepEqual(broker.violations, []);
});

test('sendOffsetsToTransaction: a partition answered with a retriable error is sent again alone; ILLEGAL_GENERATION makes the transaction abortable', async () => {
  const broker = new FakeTxnBroker(1);
  const producer = await ready(broker, 1);
  producer.beginTransaction();
  // The first TxnOffsetCommit: partition 1 is not ready (COORDINATOR_LOAD_IN_PROGRESS), partition 0 is committed.
  broker.offsetFault = (partition, n) => (n === 1 && partition === 1 ? 14 : undefined);
  await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1 }, { topic: 'in', partition: 1, offset: 5 }], { groupId: 'g' });
  assert.deepEqual(broker.calls('TxnOffsetCommit').map((c) => c.body.topics[0].partitions.map((p: any) => p.partitionIndex)), [[0, 1], [1]]);
  await producer.commitTransaction();
  assert.deepEqual(broker.committedOffsets.map((o) => [o.partition, o.offset]), [[0, 1], [1, 5]]);

  producer.beginTransaction();
  broker.offsetFault = () => 22; // ILLEGAL_GENERATION: a rebalance took the partitions away
  await rejectsWith(producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 2 }], { groupId: 'g', generationId: 1, memberId: 'm' }), { code: 'ILLEGAL_GENERATION', abortable: true });
  await rejectsWith(producer.commitTransaction(), { code: 'ILLEGAL_GENERATION', abortable: true });
  await producer.abortTransaction();
  assert.equal(producer.transactionState, 'ready');
  assert.equal(broker.committedOffsets.length, 2);
});
