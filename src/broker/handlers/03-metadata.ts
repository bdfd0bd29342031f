// Metadata (key 3), v0–12. v0 asks for all topics with an empty list; v1+ with null. v4+ lets the
// client forbid auto-creation; v10+ carries topic ids, and v12 may ask by id alone. Auto-created
// topics are created before answering, so the client sees them at once. Leader epoch is a stable
// 0 (never -1), because librdkafka and newer clients validate epochs.
import type {
  MetadataRequest,
  MetadataResponseInput,
  MetadataResponseMetadataResponseTopicInput,
} from '../../protocol/generated/metadata.js';
import { validateTopicName, type TopicInfo } from '../log/log-manager.js';
import type { Broker } from '../broker.js';
import type { ApiHandler } from './index.js';
import { ALL_TOPIC_OPERATIONS, OPERATIONS_NOT_REQUESTED, errorCodeOf } from './common.js';
import { ErrorCode } from '../../protocol/errors.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const ALL_CLUSTER_OPERATIONS = 0b1111_1111_1110;

export function describeTopic(broker: Broker, topic: TopicInfo, includeOps: boolean): MetadataResponseMetadataResponseTopicInput {
  const node = broker.nodeId;
  return {
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.isInternal,
    partitions: topic.partitions.map((_, index) => ({
      errorCode: 0,
      partitionIndex: index,
      leaderId: node,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOps ? ALL_TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED,
  };
}

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponseInput> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const includeOps = req.includeTopicAuthorizedOperations;
    const allTopics = req.topics === null || (apiVersion === 0 && req.topics.length === 0);
    const topics: MetadataResponseMetadataResponseTopicInput[] = [];

    if (allTopics) {
      for (const t of broker.logs.topics()) topics.push(describeTopic(broker, t, includeOps));
    } else {
      const autoCreate = broker.config.autoCreateTopicsEnable && (apiVersion < 4 || req.allowAutoTopicCreation);
      for (const wanted of req.topics!) {
        let topic: TopicInfo | undefined;
        if (wanted.name === null) {
          topic = wanted.topicId !== ZERO_UUID ? broker.logs.topics().find((t) => t.topicId === wanted.topicId) : undefined;
          if (!topic) {
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: wanted.topicId, partitions: [] });
            continue;
          }
        } else {
          topic = broker.logs.topic(wanted.name);
          if (!topic) {
            try {
              validateTopicName(wanted.name);
            } catch {
              topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: wanted.name, partitions: [] });
              continue;
            }
          }
          if (!topic && autoCreate) {
            try {
              topic = await broker.ensureTopic(wanted.name);
            } catch (err) {
              topics.push({ errorCode: errorCodeOf(broker, err, `auto-creating topic ${wanted.name}`), name: wanted.name, partitions: [] });
              continue;
            }
          }
          if (!topic) {
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: wanted.name, partitions: [] });
            continue;
          }
        }
        topics.push(describeTopic(broker, topic, includeOps));
      }
    }

    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.identity.host, port: broker.identity.port, rack: null }],
      clusterId: broker.identity.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
};
