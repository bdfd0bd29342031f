// OffsetDelete (key 47), v0 (KIP-496). Deletes a group's committed offsets for partitions of topics
// it does not consume: GROUP_SUBSCRIBED_TO_TOPIC for those it does, NON_EMPTY_GROUP for an active
// group that is not a consumer group, GROUP_ID_NOT_FOUND for an unknown one.
import type { OffsetDeleteRequest, OffsetDeleteResponseInput } from '../../protocol/generated/offset-delete.js';
import type { ApiHandler } from './index.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponseInput> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const r = await ctx.broker.groups.deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
};
