// DescribeGroups (key 15), v0–5. States are spelled as Kafka spells them (Empty, PreparingRebalance,
// CompletingRebalance, Stable, Dead; an unknown group is Dead with no error). Member metadata and
// assignments are filled in once the group is Stable. v3+ authorized operations (no authorizer: all
// of a group's: READ, DELETE, DESCRIBE); v4+ group.instance.id.
import type { DescribeGroupsRequest, DescribeGroupsResponseInput } from '../../protocol/generated/describe-groups.js';
import { OPERATIONS_NOT_REQUESTED } from './common.js';
import type { ApiHandler } from './index.js';

const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponseInput> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const { broker } = ctx;
    const authorizedOperations = req.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => ({ ...broker.groups.describe(id), authorizedOperations })),
    };
  },
};
