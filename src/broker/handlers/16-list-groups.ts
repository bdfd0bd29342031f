// ListGroups (key 16), v0–5. v4+ filter by state (case-insensitive, as Kafka) and answer each group's
// state; v5+ filter by type and answer it (every group here is a "classic" one).
import type { ListGroupsRequest, ListGroupsResponseInput } from '../../protocol/generated/list-groups.js';
import type { ApiHandler } from './index.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponseInput> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const { apiVersion } = ctx;
    const r = ctx.broker.groups.list(apiVersion >= 4 ? req.statesFilter : [], apiVersion >= 5 ? req.typesFilter : []);
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups };
  },
};
