// AddPartitionsToTxn (key 24), v0–3 (the client form; v4+ is the broker-to-broker batch of KIP-890,
// not needed on one node). Unknown partitions answer UNKNOWN_TOPIC_OR_PARTITION and the others
// OPERATION_NOT_ATTEMPTED, as Kafka does; before v2 a fenced producer hears INVALID_PRODUCER_EPOCH.
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput } from '../../protocol/generated/add-partitions-to-txn.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const addPartitionsToTxnHandler: ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput> = {
  apiKey: 24,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const partitions = req.v3AndBelowTopics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    const codes = await ctx.broker.transactions.addPartitions({
      transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, producerEpoch: req.v3AndBelowProducerEpoch, partitions,
    });
    let i = 0;
    const resultsByTopicV3AndBelow = req.v3AndBelowTopics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => {
        const code = codes[i++]!;
        return { partitionIndex, partitionErrorCode: code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2 ? ErrorCode.INVALID_PRODUCER_EPOCH : code };
      }),
    }));
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow };
  },
};
