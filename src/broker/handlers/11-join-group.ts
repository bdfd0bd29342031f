// JoinGroup (key 11), v0–9. The answer is parked until the rebalance completes (or fails), so this
// handler must not be exclusive. v0 has no rebalance timeout (the session timeout serves as one);
// v4+ new dynamic members get MEMBER_ID_REQUIRED first (KIP-394); v5+ group.instance.id (KIP-345);
// v7+ answer the protocol type and a nullable protocol name; v8 adds a reason; v9 skipAssignment.
import type { JoinGroupRequest, JoinGroupResponseInput } from '../../protocol/generated/join-group.js';
import { clientHostOf } from '../group/client-host.js';
import type { ApiHandler } from './index.js';

export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponseInput> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const { broker, apiVersion, connection, header } = ctx;
    const r = await broker.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: apiVersion >= 5 ? req.groupInstanceId : null,
      clientId: header.clientId ?? '',
      clientHost: clientHostOf(connection.remote),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      requireKnownMemberId: apiVersion >= 4,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Before v7 the protocol name cannot be null.
      protocolName: apiVersion >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members,
    };
  },
};
