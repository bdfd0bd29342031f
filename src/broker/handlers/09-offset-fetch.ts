// OffsetFetch (key 9), v0–9. v0–7 ask for one group; v2+ accept null topics (every committed offset
// of the group) and carry a top-level error; v5+ answer leader epochs; v7+ requireStable (KIP-447:
// a partition with offsets pending in an open transaction answers UNSTABLE_OFFSET_COMMIT, retriable);
// v8+ batch several groups.
// Partitions without a committed offset answer -1 with no error, as Kafka does.
import type { OffsetFetchRequest, OffsetFetchResponseInput } from '../../protocol/generated/offset-fetch.js';
import type { ApiHandler } from './index.js';
import type { FetchedOffsets } from '../group/coordinator.js';
import type { Broker } from '../broker.js';
import { ErrorCode } from '../../protocol/errors.js';

function markUnstable(broker: Broker, groupId: string, r: FetchedOffsets): FetchedOffsets {
  for (const t of r.topics) {
    for (const p of t.partitions) {
      if (broker.groups.hasPendingTxnOffset(groupId, t.name, p.partitionIndex)) {
        Object.assign(p, { errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1 });
      }
    }
  }
  return r;
}

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponseInput> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    if (apiVersion >= 8) {
      const groups = req.groups.map((g) => {
        let r = broker.groups.fetchOffsets(g.groupId, g.topics);
        if (req.requireStable) r = markUnstable(broker, g.groupId, r);
        return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
      });
      return { throttleTimeMs: 0, groups };
    }
    let r = broker.groups.fetchOffsets(req.groupId, req.topics);
    if (apiVersion >= 7 && req.requireStable) r = markUnstable(broker, req.groupId, r);
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
