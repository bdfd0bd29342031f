// CreateTopics (key 19), v0–7. Single node: replication factor 1 only (-1 means the broker
// default); manual assignments must name this broker. v1+ supports validateOnly; v5+ echoes the
// resulting partition count, replication factor and full config list; v7 returns the topic id.
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponseInput,
  CreateTopicsResponseCreatableTopicResultInput,
} from '../../protocol/generated/create-topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import { validateTopicName } from '../log/log-manager.js';
import { validateTopicConfigs } from '../log/topic-configs.js';
import { describeConfigEntries } from '../config-entries.js';
import type { Broker } from '../broker.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf, errorMessageOf } from './common.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Plan {
  partitions: number;
  configs: Record<string, string>;
}

type Result = CreateTopicsResponseCreatableTopicResultInput;

/** Checks one topic of the request; returns what to create, or the error to answer with. */
function plan(broker: Broker, t: CreatableTopic): Plan | { errorCode: number; errorMessage: string } {
  try {
    validateTopicName(t.name);
  } catch (err) {
    return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: (err as Error).message };
  }
  if (broker.logs.topic(t.name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${t.name}' already exists.` };

  let partitions = t.numPartitions;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.' };
    }
    const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (indexes.some((p, i) => p !== i)) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Partitions in the replica assignment must be consecutive and start at 0.' };
    }
    for (const a of t.assignments) {
      if (a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Partition ${a.partitionIndex} is assigned to brokers [${a.brokerIds.join(', ')}], but this cluster has one broker (id ${broker.nodeId}).` };
      }
    }
    partitions = t.assignments.length;
  } else {
    if (partitions === -1) partitions = broker.config.numPartitions;
    if (partitions <= 0) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions must be larger than 0.' };
    const rf = t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor;
    if (rf <= 0) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0.' };
    if (rf > 1) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        errorMessage: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`,
      };
    }
  }

  const configs: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.value === null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Null value not supported for topic config '${c.name}'.` };
    configs[c.name] = c.value;
  }
  const configError = validateTopicConfigs(configs);
  if (configError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: configError.errorMessage };
  return { partitions, configs };
}

type CreatableTopic = CreateTopicsRequestCreatableTopic;

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponseInput> = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  exclusive: true,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);

    const topics: Result[] = [];
    for (const t of req.topics) {
      const failed = (errorCode: number, errorMessage: string): Result => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage: apiVersion >= 1 ? errorMessage : null,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      });
      if (counts.get(t.name)! > 1) {
        topics.push(failed(ErrorCode.INVALID_REQUEST, `Create topics request from client contains multiple entries for topic '${t.name}'.`));
        continue;
      }
      const p = plan(broker, t);
      if ('errorCode' in p) {
        topics.push(failed(p.errorCode, p.errorMessage));
        continue;
      }
      let topicId = ZERO_UUID;
      if (!req.validateOnly) {
        try {
          topicId = (await broker.logs.createTopic(t.name, p.partitions, p.configs)).topicId;
          broker.log(`created topic ${t.name} with ${p.partitions} partition(s)`);
        } catch (err) {
          topics.push(failed(errorCodeOf(broker, err, `creating topic ${t.name}`), errorMessageOf(err)));
          continue;
        }
      }
      topics.push({
        name: t.name,
        topicId,
        errorCode: 0,
        errorMessage: null,
        numPartitions: p.partitions,
        replicationFactor: 1,
        configs: describeConfigEntries(broker, 'topic', p.configs).map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          configSource: e.configSource,
          isSensitive: e.isSensitive,
        })),
      });
    }
    return { throttleTimeMs: 0, topics };
  },
};
