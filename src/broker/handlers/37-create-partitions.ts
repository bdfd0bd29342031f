// CreatePartitions (key 37), v0–3. Partition counts only grow; manual assignments must name this
// broker. validateOnly checks without changing anything.
import type { CreatePartitionsRequest, CreatePartitionsResponseInput, CreatePartitionsResponseCreatePartitionsTopicResultInput } from '../../protocol/generated/create-partitions.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf, errorMessageOf } from './common.js';

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponseInput> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const results: CreatePartitionsResponseCreatePartitionsTopicResultInput[] = [];
    const seen = new Set<string>();
    for (const t of req.topics) {
      const fail = (errorCode: number, errorMessage: string) => results.push({ name: t.name, errorCode, errorMessage });
      if (seen.has(t.name)) {
        fail(ErrorCode.INVALID_REQUEST, `Duplicate topic in request: ${t.name}`);
        continue;
      }
      seen.add(t.name);
      const topic = broker.logs.topic(t.name);
      if (!topic) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
        continue;
      }
      const current = topic.partitions.length;
      if (t.count <= current) {
        fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is ${t.count === current ? 'equal to' : 'higher than'} the requested ${t.count}.`);
        continue;
      }
      if (t.assignments) {
        if (t.assignments.length !== t.count - current) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${t.count - current} but ${t.assignments.length} assignments provided.`);
          continue;
        }
        const bad = t.assignments.find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId);
        if (bad) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Assignment [${bad.brokerIds.join(', ')}] names brokers other than this one (id ${broker.nodeId}).`);
          continue;
        }
      }
      if (req.validateOnly) {
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
        continue;
      }
      try {
        await broker.logs.createPartitions(t.name, t.count);
        broker.log(`topic ${t.name} now has ${t.count} partitions`);
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (err) {
        fail(errorCodeOf(broker, err, `adding partitions to ${t.name}`), errorMessageOf(err));
      }
    }
    return { throttleTimeMs: 0, results };
  },
};
