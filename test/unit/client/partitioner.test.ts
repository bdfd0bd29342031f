import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { murmur2, partitionForKey, StickyPartitioner, toPositive } from '../../../src/client/partitioner.js';

// Golden values of Java's org.apache.kafka.common.utils.Utils.murmur2 (Kafka's UtilsTest).
const JAVA_MURMUR2: Array<[Uint8Array, number]> = [
  [Buffer.from('21'), -973932308],
  [Buffer.from('foobar'), -790332482],
  [Buffer.from('a-little-bit-long-string'), -985981536],
  [Buffer.from('a-little-bit-longer-string'), -1486304829],
  [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
  [Uint8Array.from([0x61, 0x62, 0x63]), 479470107],
];

test('murmur2 matches Java Utils.murmur2 for every tail length', () => {
  for (const [key, expected] of JAVA_MURMUR2) assert.equal(murmur2(key), expected, Buffer.from(key).toString());
});

test('murmur2 of the empty key is the hash of the seed alone', () => {
  // h = seed ^ 0, then the final mix only: computed by hand from the definition.
  let h = 0x9747b28c | 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  assert.equal(murmur2(new Uint8Array(0)), h);
});

test('keys with bytes above 0x7f land where kafkajs (Java-compatible partitioner) puts them', () => {
  const choose = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 12 }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  for (let i = 0; i < 200; i++) {
    const key = Buffer.from(Array.from({ length: i % 23 }, (_, j) => (i * 31 + j * 97) & 0xff));
    const theirs = choose({ topic: 't', partitionMetadata, message: { key, value: null } });
    assert.equal(partitionForKey(key, 12), theirs, key.toString('hex'));
  }
});

test('partitionForKey is toPositive(murmur2) modulo the partition count', () => {
  assert.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
  for (const [key, expected] of JAVA_MURMUR2) {
    assert.equal(partitionForKey(key, 7), (expected & 0x7fffffff) % 7);
  }
});

test('sticky partitioner keeps one partition until its batch is sent, then moves', () => {
  const p = new StickyPartitioner();
  const first = p.partition('t', 4);
  assert.equal(p.partition('t', 4), first);
  p.batchSent('t', first, 4);
  const second = p.partition('t', 4);
  assert.notEqual(second, first);
  assert.ok(second >= 0 && second < 4);
  assert.equal(p.partition('single', 1), 0);
});
