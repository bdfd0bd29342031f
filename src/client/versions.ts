// The API versions this client implements, per key. The connection picks, per API, the highest
// version inside both this range and the broker's advertised one.
//
// Why the bounds:
// - Produce from v3 and Fetch from v4: magic-v2 record batches only (no legacy message sets).
// - Fetch up to v12: v13+ names topics by id, which would need a topic-id cache for no gain here.
// - ListOffsets from v1: v0 returns an offset array instead of one offset.
// - Metadata from v1: v0 cannot ask for "all topics" with a null list.
import { API_CODECS } from '../protocol/generated/index.js';

export const ApiKeys = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  DescribeLogDirs: 35,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  DescribeCluster: 60,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

export const CLIENT_VERSION_RANGES: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  [ApiKeys.Produce, [3, 11]],
  [ApiKeys.Fetch, [4, 12]],
  [ApiKeys.ListOffsets, [1, 10]],
  [ApiKeys.Metadata, [1, 12]],
  [ApiKeys.ApiVersions, [0, 3]],
  [ApiKeys.CreateTopics, [2, 7]],
  [ApiKeys.DeleteTopics, [1, 6]],
  [ApiKeys.DescribeConfigs, [1, 4]],
  [ApiKeys.AlterConfigs, [0, 2]],
  [ApiKeys.CreatePartitions, [0, 3]],
  [ApiKeys.IncrementalAlterConfigs, [0, 1]],
  [ApiKeys.DescribeCluster, [0, 1]],
  // One group per request: OffsetFetch v8+ and FindCoordinator v4+ switch to batched shapes.
  [ApiKeys.OffsetCommit, [2, 7]],
  [ApiKeys.OffsetFetch, [1, 7]],
  [ApiKeys.FindCoordinator, [0, 3]],
  // The group consumer: JoinGroup from v1 (v0 has no rebalance timeout); every version up to the
  // latest means the same to it (v4 two-step join, v5 group.instance.id, v9 skipAssignment).
  [ApiKeys.JoinGroup, [1, 9]],
  [ApiKeys.SyncGroup, [0, 5]],
  [ApiKeys.Heartbeat, [0, 4]],
  [ApiKeys.LeaveGroup, [0, 5]],
  [ApiKeys.DescribeGroups, [0, 5]],
  [ApiKeys.ListGroups, [0, 4]],
  [ApiKeys.DeleteGroups, [0, 2]],
  [ApiKeys.DeleteRecords, [0, 2]],
  [ApiKeys.DescribeLogDirs, [1, 4]],
  // v3+ carries the current producer id/epoch (KIP-360), used only for a transactional producer's
  // epoch bump after an abort; lower versions bump the epoch all the same, without that check.
  [ApiKeys.InitProducerId, [0, 5]],
  // v4+ is KIP-890's broker-to-broker batch form; clients send v3 at most.
  [ApiKeys.AddPartitionsToTxn, [0, 3]],
  [ApiKeys.AddOffsetsToTxn, [0, 3]],
  [ApiKeys.EndTxn, [0, 3]],
  // v3 adds the member's generation (KIP-447).
  [ApiKeys.TxnOffsetCommit, [0, 3]],
  [ApiKeys.DescribeProducers, [0, 0]],
  [ApiKeys.DescribeTransactions, [0, 0]],
  // v1 adds a minimum-duration filter, not used here yet.
  [ApiKeys.ListTransactions, [0, 1]],
]);

export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

/**
 * Highest version in both ranges, or -1 when they do not overlap (or the broker lacks the API).
 * APIs without a client range fall back to whatever the generated codec can encode.
 */
export function pickVersion(apiKey: number, broker: VersionRange | undefined): number {
  if (broker === undefined) return -1;
  const codec = API_CODECS.get(apiKey);
  if (codec === undefined) return -1;
  const [cMin, cMax] = CLIENT_VERSION_RANGES.get(apiKey) ?? [codec.minVersion, codec.maxVersion];
  const max = Math.min(cMax, codec.maxVersion, broker.maxVersion);
  const min = Math.max(cMin, codec.minVersion, broker.minVersion);
  return max >= min ? max : -1;
}
