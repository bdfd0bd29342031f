// SyncGroup (key 14), v0–5. The leader's assignment is stored in __consumer_offsets and then handed
// to every member; followers' requests are parked until then. v3+ carry group.instance.id; v5 names
// the protocol type and name on both sides (a mismatch is INCONSISTENT_GROUP_PROTOCOL).
import type { SyncGroupRequest, SyncGroupResponseInput } from '../../protocol/generated/sync-group.js';
import type { ApiHandler } from './index.js';

export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponseInput> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const r = await broker.groups.sync({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: apiVersion >= 3 ? req.groupInstanceId : null,
      protocolType: apiVersion >= 5 ? req.protocolType : null,
      protocolName: apiVersion >= 5 ? req.protocolName : null,
      assignments: req.assignments,
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
};
