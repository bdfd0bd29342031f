// The idempotent producer against a scripted in-process "broker" that keeps Kafka's producer state
// per partition (epochs, sequences, the last 5 batches for duplicates) and can lose responses or
// answer errors on cue: retries keep their sequence and are never written twice, out-of-order
// answers behind a retried batch are retried after it, lost producer state means a new producer id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords } from '../../../src/protocol/record-batch.js';
import { Producer, nextSequence } from '../../../src/client/producer.js';
import { ConnectionError, isRetriable } from '../../../src/client/errors.js';
import type { Cluster } from '../../../src/client/cluster.js';

const PRODUCE = 0;
const INIT_PRODUCER_ID = 22;

interface Written {
  value: string;
  producerId: number;
  sequence: number;
}

interface PartitionState {
  log: Written[];
  producers: Map<number, { epoch: number; batches: { first: number; last: number; offset: number }[] }>;
}

/** What a fault does to one partition's batch in one Produce request. */
type Fault = { kind: 'lose-response' } | { kind: 'error'; code: number };

class FakeBroker {
  readonly partitions: PartitionState[];
  nextProducerId = 1000;
  initCalls = 0;
  produceRequests = 0;
  outOfOrder = 0;
  /** Consulted per batch, in arrival order: a fault for it, or undefined. */
  faults: (batch: { request: number; partition: number; producerId: number; sequence: number; count: number }) => Fault | undefined = () => undefined;

  constructor(n: number) {
    this.partitions = Array.from({ length: n }, () => ({ log: [], producers: new Map() }));
  }

  /** Kafka's rules, as in ProducerStateManager: returns the error code and the base offset. */
  append(p: PartitionState, producerId: number, epoch: number, first: number, values: string[]): [number, number] {
    if (producerId < 0) {
      const offset = p.log.length;
      for (const value of values) p.log.push({ value, producerId, sequence: -1 });
      return [0, offset];
    }
    const last = first + values.length - 1;
    let s = p.producers.get(producerId);
    if (s && epoch < s.epoch) return [47, -1];
    if (s && epoch === s.epoch) {
      const dup = s.batches.find((b) => b.first === first && b.last === last);
      if (dup) return [0, dup.offset];
      const end = s.batches.at(-1)?.last ?? -1;
      if (first !== end + 1) return [45, -1];
    } else if (s && first !== 0) return [45, -1];
    if (!s || epoch !== s.epoch) p.producers.set(producerId, (s = { epoch, batches: [] }));
    const offset = p.log.length;
    values.forEach((value, i) => p.log.push({ value, producerId, sequence: first + i }));
    s.batches.push({ first, last, offset });
    if (s.batches.length > 5) s.batches.shift();
    return [0, offset];
  }

  connection() {
    return {
      address: 'fake:9092',
      send: (apiKey: number, body: any): Promise<any> => {
        if (apiKey === INIT_PRODUCER_ID) {
          this.initCalls++;
          return Promise.resolve({ errorCode: 0, producerId: this.nextProducerId++, producerEpoch: 0 });
        }
        assert.equal(apiKey, PRODUCE);
        // Processed on arrival (a connection is in order); the answer comes back later, so several
        // requests can be in flight.
        const request = ++this.produceRequests;
        let lose = false;
        const responses = body.topicData.map((t: any) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((pd: any) => {
            const batch = decodeRecords(pd.records);
            const values = batch.records.map((r) => r.value!.toString());
            const fault = this.faults({ request, partition: pd.index, producerId: batch.producerId, sequence: batch.baseSequence, count: values.length });
            if (fault?.kind === 'error') return { index: pd.index, errorCode: fault.code, baseOffset: -1, errorMessage: null };
            const [errorCode, baseOffset] = this.append(this.partitions[pd.index]!, batch.producerId, batch.producerEpoch, batch.baseSequence, values);
            if (errorCode === 45) this.outOfOrder++;
            if (fault?.kind === 'lose-response') lose = true;
            return { index: pd.index, errorCode, baseOffset, errorMessage: null };
          }),
        }));
        return new Promise((resolve, reject) =>
          setTimeout(() => (lose ? reject(new ConnectionError('connection to fake:9092 closed')) : resolve({ responses })), 1),
        );
      },
    };
  }

  cluster(partitions: number): Cluster {
    const conn = this.connection();
    const fake = {
      requestTimeoutMs: 1000,
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

const values = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}`, partition: 0 }));

test('a batch whose response was lost is retried with its sequence and acknowledged with the original offsets', async () => {
  const broker = new FakeBroker(1);
  broker.faults = ({ request }) => (request === 1 ? { kind: 'lose-response' } : undefined);
  const producer = new Producer(broker.cluster(1), { idempotent: true, lingerMs: 0 });
  const meta = await producer.send('t', values(3));
  assert.deepEqual(meta.map((m) => m.offset), [0, 1, 2]);
  assert.deepEqual(broker.partitions[0]!.log.map((w) => w.value), ['v0', 'v1', 'v2']);
  assert.equal(broker.produceRequests, 2, 'sent twice, written once');
  assert.equal(broker.initCalls, 1);
  assert.deepEqual(producer.identity, { producerId: 1000, producerEpoch: 0 });

  // The same fault without idempotence writes the batch twice: what the test above guards against.
  const plain = new FakeBroker(1);
  plain.faults = ({ request }) => (request === 1 ? { kind: 'lose-response' } : undefined);
  await new Producer(plain.cluster(1), { lingerMs: 0 }).send('t', values(3));
  assert.deepEqual(plain.partitions[0]!.log.map((w) => w.value), ['v0', 'v1', 'v2', 'v0', 'v1', 'v2']);
  assert.equal(plain.initCalls, 0);
  assert.equal(plain.partitions[0]!.log[0]!.producerId, -1);
});

test('pipelined batches behind a failed one are answered out of order, retried after it, and land once, in order', async () => {
  const broker = new FakeBroker(2);
  // The 2nd request is refused (retriable, nothing written) while later ones are already in flight;
  // the 4th one's response is lost after it was written.
  broker.faults = ({ request }) => (request === 2 ? { kind: 'error', code: 6 } : request === 4 ? { kind: 'lose-response' } : undefined);
  const producer = new Producer(broker.cluster(2), { idempotent: true, lingerMs: 0, batchSize: 200, maxInFlight: 5 });
  const records = Array.from({ length: 200 }, (_, i) => ({ value: `r${String(i).padStart(3, '0')}`, partition: i % 2 }));
  const sends = [];
  for (let i = 0; i < records.length; i += 20) sends.push(producer.send('t', records.slice(i, i + 20)));
  const meta = (await Promise.all(sends)).flat();
  await producer.close();
  for (const p of [0, 1]) {
    const log = broker.partitions[p]!.log;
    assert.deepEqual(log.map((w) => w.value), records.filter((_, i) => i % 2 === p).map((r) => r.value), `partition ${p}: every record once, in order`);
    assert.deepEqual(log.map((w) => w.sequence), log.map((_, i) => i), `partition ${p}: sequences without gaps`);
  }
  // Every record's acknowledged offset is where it is in the log.
  for (let i = 0; i < records.length; i++) assert.equal(broker.partitions[meta[i]!.partition]!.log[meta[i]!.offset]!.value, records[i]!.value);
  assert.equal(broker.initCalls, 1);
  assert.ok(broker.outOfOrder > 0, 'batches behind the refused one were answered out of order');
});

test('acknowledged offsets are right when one batch carries records of several sends (not idempotent too)', async () => {
  const broker = new FakeBroker(1);
  const producer = new Producer(broker.cluster(1), { lingerMs: 20 });
  const [a, b] = await Promise.all([producer.send('t', values(3, 'a')), producer.send('t', values(2, 'b'))]);
  assert.equal(broker.produceRequests, 1, 'one batch');
  assert.deepEqual([...a!, ...b!].map((m) => broker.partitions[0]!.log[m.offset]!.value), ['a0', 'a1', 'a2', 'b0', 'b1']);
});

test('UNKNOWN_PRODUCER_ID: a new producer id, sequences from 0', async () => {
  const broker = new FakeBroker(1);
  const producer = new Producer(broker.cluster(1), { idempotent: true, lingerMs: 0 });
  await producer.send('t', values(2, 'a'));
  let refused = false;
  broker.faults = () => (refused ? undefined : ((refused = true), { kind: 'error', code: 59 }));
  const meta = await producer.send('t', values(2, 'b'));
  assert.deepEqual(meta.map((m) => m.offset), [2, 3]);
  assert.equal(broker.initCalls, 2);
  assert.deepEqual(broker.partitions[0]!.log.map((w) => [w.value, w.producerId, w.sequence]), [
    ['a0', 1000, 0],
    ['a1', 1000, 1],
    ['b0', 1001, 0],
    ['b1', 1001, 1],
  ]);
});

test('a batch that fails for good leaves no gap: the next batches go under a new producer id', async () => {
  const broker = new FakeBroker(1);
  const producer = new Producer(broker.cluster(1), { idempotent: true, lingerMs: 0 });
  await producer.send('t', values(1, 'a'));
  broker.faults = ({ sequence, producerId }) => (producerId === 1000 && sequence === 1 ? { kind: 'error', code: 10 } : undefined);
  await assert.rejects(producer.send('t', values(1, 'big')), /MESSAGE_TOO_LARGE/);
  const meta = await producer.send('t', values(2, 'c'));
  assert.deepEqual(meta.map((m) => m.offset), [1, 2]);
  assert.deepEqual(broker.partitions[0]!.log.map((w) => [w.value, w.producerId, w.sequence]), [
    ['a0', 1000, 0],
    ['c0', 1001, 0],
    ['c1', 1001, 1],
  ]);
});

test('OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest batch (the broker lost state) also starts over', async () => {
  const broker = new FakeBroker(1);
  const producer = new Producer(broker.cluster(1), { idempotent: true, lingerMs: 0 });
  await producer.send('t', values(2, 'a'));
  // The broker forgets the producer's batches but keeps its epoch (as after records were deleted).
  broker.partitions[0]!.producers.get(1000)!.batches = [{ first: 5, last: 5, offset: 0 }];
  const meta = await producer.send('t', values(1, 'b'));
  assert.equal(meta[0]!.offset, 2);
  assert.equal(broker.initCalls, 2);
  assert.deepEqual(broker.partitions[0]!.log.at(-1), { value: 'b0', producerId: 1001, sequence: 0 });
});

test('INVALID_PRODUCER_EPOCH for the current producer id fails the send', async () => {
  const broker = new FakeBroker(1);
  broker.faults = () => ({ kind: 'error', code: 47 });
  const producer = new Producer(broker.cluster(1), { idempotent: true, lingerMs: 0 });
  await assert.rejects(producer.send('t', values(1)), /INVALID_PRODUCER_EPOCH/);
  assert.equal(broker.produceRequests, 1, 'not retried');
});

test('idempotence needs acks all and at most 5 requests in flight; sequences wrap at int32 max', () => {
  const broker = new FakeBroker(1);
  assert.throws(() => new Producer(broker.cluster(1), { idempotent: true, acks: 1 }), /acks -1/);
  assert.throws(() => new Producer(broker.cluster(1), { idempotent: true, maxInFlight: 6 }), /at most 5/);
  assert.equal(nextSequence(0, 5), 5);
  assert.equal(nextSequence(0x7fffffff - 2, 2), 0x7fffffff);
  assert.equal(nextSequence(0x7fffffff - 2, 3), 0);
  assert.equal(nextSequence(0x7fffffff, 1), 0);
});
