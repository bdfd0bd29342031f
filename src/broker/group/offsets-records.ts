// The records of the internal topic __consumer_offsets, in Apache Kafka's own format, so tools that
// read the topic (kcat, Burrow, kafka-console-consumer's OffsetsMessageFormatter) understand ours.
//
// Every key and value starts with an int16 schema version. Keys:
//   OffsetCommitKey   v0/v1 => group STRING, topic STRING, partition INT32
//   GroupMetadataKey  v2    => group STRING
// Values (a null value is a tombstone: the offset or group was deleted):
//   OffsetCommitValue v0 => offset INT64, metadata STRING, commitTimestamp INT64
//                     v1 => offset INT64, metadata STRING, commitTimestamp INT64, expireTimestamp INT64
//                     v2 => offset INT64, metadata STRING, commitTimestamp INT64
//                     v3 => offset INT64, leaderEpoch INT32, metadata STRING, commitTimestamp INT64
//                     v4 => as v3, flexible (compact strings, tagged fields)
//   GroupMetadataValue v0–v4 => protocolType STRING, generation INT32, protocol NULLABLE_STRING,
//                     leader NULLABLE_STRING, currentStateTimestamp INT64 (v2+),
//                     members ARRAY of { memberId STRING, groupInstanceId NULLABLE_STRING (v3+),
//                       clientId STRING, clientHost STRING, rebalanceTimeout INT32 (v1+),
//                       sessionTimeout INT32, subscription BYTES, assignment BYTES }; v4 is flexible.
// We write OffsetCommitKey v1, OffsetCommitValue v3, GroupMetadataKey v2, GroupMetadataValue v3 (what
// Kafka 3.x writes) and read every version.
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetCommitKey {
  type: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupMetadataKey {
  type: 'group';
  group: string;
}

export type OffsetsRecordKey = OffsetCommitKey | GroupMetadataKey;

export interface OffsetCommitValue {
  offset: number;
  /** -1 when unknown (values older than v3). */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only v1 carries it; -1 otherwise. */
  expireTimestamp: number;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMemberValue[];
}

export class OffsetsRecordError extends Error {
  override name = 'OffsetsRecordError';
}

/** Java's String.hashCode over UTF-16 code units, as Kafka uses to place a group. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(groupId.hashCode) % partitionCount (abs maps MIN_VALUE to 0). */
export function partitionForGroup(groupId: string, partitionCount: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitionCount;
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(64).int16(1).string(group).string(topic).int32(partition).toBuffer();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Writer(32).int16(2).string(group).toBuffer();
}

export function decodeKey(buf: Buffer): OffsetsRecordKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) return { type: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { type: 'group', group: r.string() };
  throw new OffsetsRecordError(`unknown __consumer_offsets key version ${version}`);
}

export function encodeOffsetCommitValue(v: { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }): Buffer {
  return new Writer(32 + v.metadata.length).int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64(v.commitTimestamp).toBuffer();
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new OffsetsRecordError(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  if (flexible) r.taggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new Writer(128);
  w.int16(3).string(v.protocolType).int32(v.generation).nullableString(v.protocol).nullableString(v.leader).int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(m.subscription).bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new OffsetsRecordError(`unknown GroupMetadataValue version ${version}`);
  const flex = version >= 4;
  const str = (): string => (flex ? r.compactString() : r.string());
  const nstr = (): string | null => (flex ? r.compactNullableString() : r.nullableString());
  const bytes = (): Buffer => (flex ? r.compactBytes() : r.bytes());
  const protocolType = str();
  const generation = r.int32();
  const protocol = nstr();
  const leader = nstr();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const n = r.arrayLength(flex);
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nstr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = bytes();
    const assignment = bytes();
    if (flex) r.taggedFields();
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment });
  }
  if (flex) r.taggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
