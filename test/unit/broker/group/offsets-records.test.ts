// __consumer_offsets records against bytes written out by hand from Kafka's schemas
// (OffsetCommitKey/Value, GroupMetadataKey/Value), so tools that read Kafka's topic read ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  encodeOffsetCommitKey, encodeOffsetCommitValue, javaStringHashCode, partitionForGroup,
} from '../../../../src/broker/group/offsets-records.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string): string => Buffer.from([0, s.length]).toString('hex') + Buffer.from(s).toString('hex');

test('OffsetCommitKey v1: version, group, topic, partition', () => {
  const golden = hex('0001' + '0001 67' + '0001 74' + '00000002');
  assert.deepEqual(encodeOffsetCommitKey('g', 't', 2), golden);
  assert.deepEqual(decodeKey(golden), { type: 'offset', group: 'g', topic: 't', partition: 2 });
  // v0 keys (written by old brokers) have the same layout.
  assert.deepEqual(decodeKey(hex('0000 0001 67 0001 74 00000007')), { type: 'offset', group: 'g', topic: 't', partition: 7 });
});

test('GroupMetadataKey v2: version, group', () => {
  const golden = hex('0002' + str('grp'));
  assert.deepEqual(encodeGroupMetadataKey('grp'), golden);
  assert.deepEqual(decodeKey(golden), { type: 'group', group: 'grp' });
  assert.throws(() => decodeKey(hex('0003 0001 67')), /unknown __consumer_offsets key version 3/);
});

test('OffsetCommitValue v3 round-trips; v0, v1 and flexible v4 decode', () => {
  const golden = hex('0003' + '0000000000000005' + '00000000' + '0001 6d' + '00000000000003e8');
  assert.deepEqual(encodeOffsetCommitValue({ offset: 5, leaderEpoch: 0, metadata: 'm', commitTimestamp: 1000 }), golden);
  assert.deepEqual(decodeOffsetCommitValue(golden), { offset: 5, leaderEpoch: 0, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
  // v0: offset, metadata, commitTimestamp.
  assert.deepEqual(decodeOffsetCommitValue(hex('0000 0000000000000009 0000 0000000000000064')), { offset: 9, leaderEpoch: -1, metadata: '', commitTimestamp: 100, expireTimestamp: -1 });
  // v1 adds expireTimestamp.
  assert.deepEqual(decodeOffsetCommitValue(hex('0001 0000000000000009 0000 0000000000000064 00000000000000c8')), { offset: 9, leaderEpoch: -1, metadata: '', commitTimestamp: 100, expireTimestamp: 200 });
  // v4: compact string (length + 1) and an empty tagged-field section.
  assert.deepEqual(decodeOffsetCommitValue(hex('0004 000000000000000a 00000003 03 6869 0000000000000064 00')), { offset: 10, leaderEpoch: 3, metadata: 'hi', commitTimestamp: 100, expireTimestamp: -1 });
});

test('GroupMetadataValue v3 round-trips with a member; v4 (flexible) decodes', () => {
  const golden = hex(
    '0003' + str('consumer') + '00000001' + str('range') + str('m1') + '00000000000003e8' +
    '00000001' + str('m1') + 'ffff' + str('c') + str('/h') + '000493e0' + '0000afc8' + '00000002 0102' + '00000001 03',
  );
  const value = {
    protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'm1', currentStateTimestamp: 1000,
    members: [{ memberId: 'm1', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeoutMs: 300000, sessionTimeoutMs: 45000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
  };
  assert.deepEqual(encodeGroupMetadataValue(value), golden);
  assert.deepEqual(decodeGroupMetadataValue(golden), value);
  // An empty group's record: null protocol and leader, no members.
  const empty = hex('0003' + str('consumer') + '00000002' + 'ffff' + 'ffff' + '00000000000003e8' + '00000000');
  assert.deepEqual(encodeGroupMetadataValue({ protocolType: 'consumer', generation: 2, protocol: null, leader: null, currentStateTimestamp: 1000, members: [] }), empty);
  // v4: compact strings/bytes/arrays, tagged fields after each member and at the end; a static member.
  const v4 = hex('0004 09' + Buffer.from('consumer').toString('hex') + '00000003 06' + Buffer.from('range').toString('hex') + '03 6d31 00000000000003e8' +
    '02' + '03 6d31' + '03 6931' + '02 63' + '03 2f68' + '00001388' + '00002710' + '02 01' + '01' + '00' + '00');
  assert.deepEqual(decodeGroupMetadataValue(v4), {
    protocolType: 'consumer', generation: 3, protocol: 'range', leader: 'm1', currentStateTimestamp: 1000,
    members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/h', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 10000, subscription: Buffer.from([1]), assignment: Buffer.alloc(0) }],
  });
});

test('a group goes to the partition Kafka picks: abs(String.hashCode) % partitions', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  // Java's famous hashCode of Integer.MIN_VALUE: Utils.abs maps it to 0.
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionForGroup('polygenelubricants', 50), 0);
  assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
  // A negative hash code uses its absolute value.
  const h = javaStringHashCode('zzzzzzzzzz');
  assert.ok(h < 0);
  assert.equal(partitionForGroup('zzzzzzzzzz', 50), Math.abs(h) % 50);
});
