// DescribeCluster (key 60), v0–1: the single broker, the cluster id and ourselves as controller.
// v1 adds endpointType (1 = brokers); asking for controllers (2) is answered with our one node too,
// since this broker plays both roles.
import type { DescribeClusterRequest, DescribeClusterResponseInput } from '../../protocol/generated/describe-cluster.js';
import type { ApiHandler } from './index.js';

const ALL_CLUSTER_OPERATIONS = 0b1111_1111_1110; // every operation bit a cluster resource can have (1..11)
const NOT_REQUESTED = -2147483648;

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponseInput> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: req.endpointType,
      clusterId: broker.identity.clusterId,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: broker.identity.host, port: broker.identity.port, rack: null }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NOT_REQUESTED,
    };
  },
};
