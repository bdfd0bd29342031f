// LeaveGroup (key 13), v0–5. v0–2 name one member and answer with one error code; v3+ name a batch
// of members, static ones by group.instance.id (KIP-345), and answer per member.
import type { LeaveGroupRequest, LeaveGroupResponseInput } from '../../protocol/generated/leave-group.js';
import type { ApiHandler } from './index.js';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponseInput> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const identities = apiVersion >= 3
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }];
    const r = broker.groups.leave(req.groupId, identities);
    if (apiVersion >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
    return { throttleTimeMs: 0, errorCode: r.errorCode || (r.members[0]?.errorCode ?? 0) };
  },
};
