// Heartbeat (key 12), v0–4. Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin
// (how librdkafka and kafkajs learn of a rebalance). v3+ carry group.instance.id.
import type { HeartbeatRequest, HeartbeatResponseInput } from '../../protocol/generated/heartbeat.js';
import type { ApiHandler } from './index.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponseInput> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const errorCode = ctx.broker.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
    });
    return { throttleTimeMs: 0, errorCode };
  },
};
