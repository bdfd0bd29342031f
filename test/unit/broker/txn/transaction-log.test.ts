// __transaction_state records against hand-written bytes in Kafka's layout: TransactionLogKey v0 and
// TransactionLogValue v0 (what Kafka 3.x writes, and we), and v1 (flexible, Kafka 4) read back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, type TxnLogValue } from '../../../../src/broker/txn/transaction-log.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const value: TxnLogValue = {
  producerId: 1001, producerEpoch: 3, timeoutMs: 60_000, state: 'Ongoing',
  partitions: new Map([['ab', [0, 2]]]), lastUpdateTimestamp: 1_700_000_000_001, startTimestamp: 1_700_000_000_000,
};

test('TransactionLogKey v0: version 0 and the transactional id as a string', () => {
  const key = encodeTxnKey('tx');
  assert.deepEqual(key, hex('0000 0002 7478'));
  assert.equal(decodeTxnKey(key), 'tx');
});

test('TransactionLogValue v0: Kafka 3.x byte layout, and back', () => {
  const bytes = encodeTxnValue(value);
  // version 0, producer id 1001, epoch 3, timeout 60000, Ongoing (1), [ab: 0, 2], last update, start
  assert.deepEqual(bytes, hex(`
    0000
    00000000000003e9
    0003
    0000ea60
    01
    00000001 0002 6162 00000002 00000000 00000002
    0000018bcfe56801
    0000018bcfe56800
  `));
  assert.deepEqual(decodeTxnValue(bytes), value);
});

test('TransactionLogValue v1 (flexible, Kafka 4): compact arrays and strings, tagged fields skipped', () => {
  // The same value in v1, with PreviousProducerId (tag 0) = 1000 at the end.
  const bytes = hex(`
    0001
    00000000000003e9
    0003
    0000ea60
    01
    02 03 6162 03 00000000 00000002 00
    0000018bcfe56801
    0000018bcfe56800
    01 00 08 00000000000003e8
  `);
  assert.deepEqual(decodeTxnValue(bytes), value);
  // A null partition array (Kafka writes one for Empty).
  const empty = hex('0001 00000000000003e9 0003 0000ea60 00 00 0000018bcfe56801 ffffffffffffffff 00');
  assert.deepEqual(decodeTxnValue(empty), { ...value, state: 'Empty', partitions: new Map(), startTimestamp: -1 });
});
