// OffsetCommit (key 8), v0–9. v0 commits without a generation or member (a "simple" commit, allowed
// while the group has no members); v1 adds generation, member id and a per-partition commit
// timestamp; v2–4 a retention time (ignored: offsets.retention.minutes applies); v6+ the leader epoch;
// v7+ group.instance.id; v8+ flexible; v9 names the generation "member epoch" (same meaning here).
// Partition problems (unknown partition, metadata over offset.metadata.max.bytes) are answered per
// partition; the group's verdict (fencing, rebalance) applies to the rest. Acknowledged after fsync.
import type { OffsetCommitRequest, OffsetCommitResponseInput } from '../../protocol/generated/offset-commit.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetToCommit } from '../group/coordinator.js';
import type { ApiHandler } from './index.js';

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponseInput> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const maxMetadata = broker.groups.config.offsetMetadataMaxBytes;
    const errors = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) }));
    const valid: OffsetToCommit[] = [];
    const validSlots: { errorCode: number }[] = [];
    req.topics.forEach((t, ti) => {
      const topic = broker.logs.topic(t.name);
      t.partitions.forEach((p, pi) => {
        const slot = errors[ti]!.partitions[pi]!;
        const metadata = p.committedMetadata ?? '';
        if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions.length) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        // Kafka compares the string's length (UTF-16 units) with offset.metadata.max.bytes.
        else if (metadata.length > maxMetadata) slot.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          valid.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: apiVersion >= 6 ? p.committedLeaderEpoch : -1, metadata });
          validSlots.push(slot);
        }
      });
    });
    if (valid.length > 0) {
      const errorCode = await broker.groups.commitOffsets({
        groupId: req.groupId,
        generationId: apiVersion >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: apiVersion >= 1 ? req.memberId : '',
        groupInstanceId: apiVersion >= 7 ? req.groupInstanceId : null,
        offsets: valid,
      });
      for (const slot of validSlots) slot.errorCode = errorCode;
    }
    return { throttleTimeMs: 0, topics: errors };
  },
};
