// DeleteGroups (key 42), v0–2. Only an empty group can go (NON_EMPTY_GROUP otherwise; unknown ones
// GROUP_ID_NOT_FOUND); its offsets and metadata get tombstones in __consumer_offsets.
import type { DeleteGroupsRequest, DeleteGroupsResponseInput } from '../../protocol/generated/delete-groups.js';
import type { ApiHandler } from './index.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponseInput> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    return { throttleTimeMs: 0, results: await ctx.broker.groups.deleteGroups(req.groupsNames) };
  },
};
