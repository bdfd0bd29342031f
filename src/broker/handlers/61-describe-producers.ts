// DescribeProducers (key 61), v0: the producer state of partitions (kafka-transactions.sh describe-producers).
import type { DescribeProducersRequest, DescribeProducersResponseInput } from '../../protocol/generated/describe-producers.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const describeProducersHandler: ApiHandler<DescribeProducersRequest, DescribeProducersResponseInput> = {
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const topics = req.topics.map((t) => {
      const topic = ctx.broker.logs.topic(t.name);
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const log = topic?.partitions[partitionIndex];
          if (!log) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
          return { partitionIndex, errorCode: 0, errorMessage: null, activeProducers: log.producers() };
        }),
      };
    });
    return { throttleTimeMs: 0, topics };
  },
};
