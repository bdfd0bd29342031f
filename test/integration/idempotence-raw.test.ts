// Idempotent produce at the wire, with frames built by hand (test/helpers/wire.ts): InitProducerId
// hands out a producer id; a retried batch is acknowledged with its original offset and not written
// again; a sequence gap answers OUT_OF_ORDER_SEQUENCE_NUMBER (45) and an older epoch
// INVALID_PRODUCER_EPOCH (47), as Kafka does; a request whose connection dropped before the answer is
// retried on a new connection without duplicating anything, also across a broker kill -9.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker, type Broker } from '../helpers/broker.js';
import { Bytes, FrameReader, frame, metadataV1, openSocket, produceV3, recordBatch, roundTrip } from '../helpers/wire.js';

const TOPIC = 'idem-raw';
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const INVALID_PRODUCER_EPOCH = 47;

/** InitProducerId v0 without a transactional id: a fresh idempotent producer id and epoch. */
async function initProducerId(b: Broker): Promise<{ producerId: bigint; producerEpoch: number }> {
  const body = new Bytes().string(null).int32(60_000).build();
  const f = await roundTrip(b.host, b.port, frame(22, 0, 7, body));
  // correlationId, throttleTimeMs, errorCode, producerId, producerEpoch
  assert.equal(f.readInt32BE(0), 7);
  assert.equal(f.readInt16BE(8), 0, `InitProducerId error ${f.readInt16BE(8)}`);
  return { producerId: f.readBigInt64BE(10), producerEpoch: f.readInt16BE(18) };
}

interface ProduceAnswer {
  errorCode: number;
  baseOffset: number;
}

/** Decodes a Produce v3 response of one topic and one partition. */
function produceAnswer(f: Buffer): ProduceAnswer {
  let p = 4; // correlation id
  assert.equal(f.readInt32BE(p), 1, 'one topic');
  p += 4;
  p += 2 + f.readInt16BE(p); // topic name
  assert.equal(f.readInt32BE(p), 1, 'one partition');
  p += 4 + 4; // count, partition index
  return { errorCode: f.readInt16BE(p), baseOffset: Number(f.readBigInt64BE(p + 2)) };
}

let correlation = 100;

async function produce(b: Broker, producer: { producerId: bigint; producerEpoch: number }, seq: number, values: string[]): Promise<ProduceAnswer> {
  const batch = recordBatch(values.map((v) => ({ key: null, value: v })), Date.now(), { ...producer, baseSequence: seq });
  return produceAnswer(await roundTrip(b.host, b.port, produceV3(correlation++, TOPIC, 0, batch)));
}

test('raw idempotent produce: retries get the original offset, gaps and stale epochs get Kafka\'s error codes', async (t) => {
  const b = await startBroker(t);
  await roundTrip(b.host, b.port, metadataV1(1, [TOPIC])); // auto-creates the topic
  const p = await initProducerId(b);
  assert.ok(p.producerId >= 0n);
  assert.equal(p.producerEpoch, 0);
  const other = await initProducerId(b);
  assert.notEqual(other.producerId, p.producerId, 'every idempotent producer gets its own id');

  assert.deepEqual(await produce(b, p, 0, ['a', 'b']), { errorCode: 0, baseOffset: 0 });
  assert.deepEqual(await produce(b, other, 0, ['x']), { errorCode: 0, baseOffset: 2 });
  // The same batch again (a retry after a lost answer): acknowledged at its original offset.
  assert.deepEqual(await produce(b, p, 0, ['a', 'b']), { errorCode: 0, baseOffset: 0 });
  // A gap in the sequence, and a sequence already passed that is no retry of a known batch.
  assert.equal((await produce(b, p, 5, ['c'])).errorCode, OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produce(b, p, 1, ['b'])).errorCode, OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await produce(b, p, 2, ['c']), { errorCode: 0, baseOffset: 3 });
  // A bumped epoch starts again at sequence 0; from then on the old epoch is fenced.
  const bumped = { producerId: p.producerId, producerEpoch: 1 };
  assert.equal((await produce(b, bumped, 3, ['d'])).errorCode, OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await produce(b, bumped, 0, ['d']), { errorCode: 0, baseOffset: 4 });
  assert.equal((await produce(b, p, 3, ['e'])).errorCode, INVALID_PRODUCER_EPOCH);
  // Nothing but the five accepted records was written.
  assert.deepEqual(await produce(b, other, 1, ['y']), { errorCode: 0, baseOffset: 5 });
});

test('a produce whose connection dropped is retried on a new connection, and after a kill -9, without a duplicate', async (t) => {
  const b = await startBroker(t);
  await roundTrip(b.host, b.port, metadataV1(1, [TOPIC]));
  const p = await initProducerId(b);
  const batch = (seq: number, v: string) => recordBatch([{ key: null, value: v }], Date.now(), { ...p, baseSequence: seq });

  // Sent, then the connection is dropped before the answer is read.
  const lost = await openSocket(b.host, b.port);
  lost.write(produceV3(correlation++, TOPIC, 0, batch(0, 'first')));
  await new Promise((r) => setTimeout(r, 300));
  lost.destroy();
  const retry = produceAnswer(await roundTrip(b.host, b.port, produceV3(correlation++, TOPIC, 0, batch(0, 'first'))));
  assert.deepEqual(retry, { errorCode: 0, baseOffset: 0 });

  // Acknowledged with acks=all, then the broker dies: its producer state is rebuilt from the log.
  const socket = await openSocket(b.host, b.port);
  const reader = new FrameReader(socket);
  socket.write(produceV3(correlation++, TOPIC, 0, batch(1, 'second')));
  assert.deepEqual(produceAnswer(await reader.next()), { errorCode: 0, baseOffset: 1 });
  socket.destroy();
  await b.kill9();
  await b.restart();
  assert.deepEqual(produceAnswer(await roundTrip(b.host, b.port, produceV3(correlation++, TOPIC, 0, batch(1, 'second')))), { errorCode: 0, baseOffset: 1 });
  assert.equal(produceAnswer(await roundTrip(b.host, b.port, produceV3(correlation++, TOPIC, 0, batch(3, 'gap')))).errorCode, OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(produceAnswer(await roundTrip(b.host, b.port, produceV3(correlation++, TOPIC, 0, batch(2, 'third')))), { errorCode: 0, baseOffset: 2 });
});
