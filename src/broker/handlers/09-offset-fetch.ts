// OffsetFetch (key 9), v0–9. v0–7 ask for one group; v2+ accept null topics (every committed offset
// of the group) and carry a top-level error; v5+ answer leader epochs; v7+ requireStable (no
// transactional offsets are ever pending here, so it changes nothing); v8+ batch several groups.
// Partitions without a committed offset answer -1 with no error, as Kafka does.
import type { OffsetFetchRequest, OffsetFetchResponseInput } from '../../protocol/generated/offset-fetch.js';
import type { ApiHandler } from './index.js';

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponseInput> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    if (apiVersion >= 8) {
      const groups = req.groups.map((g) => {
        const r = broker.groups.fetchOffsets(g.groupId, g.topics);
        return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
      });
      return { throttleTimeMs: 0, groups };
    }
    const r = broker.groups.fetchOffsets(req.groupId, req.topics);
    if (apiVersion <= 1 && r.errorCode !== 0) {
      // v0–1 have no top-level error: every partition carries the group's.
      const topics = (req.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
      }));
      return { throttleTimeMs: 0, topics };
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
};
