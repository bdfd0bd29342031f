// DescribeTransactions (key 65), v0: state, producer, timeout, start time and partitions of transactional ids.
import type { DescribeTransactionsRequest, DescribeTransactionsResponseInput } from '../../protocol/generated/describe-transactions.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const describeTransactionsHandler: ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponseInput> = {
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const txns = ctx.broker.transactions;
    const transactionStates = req.transactionalIds.map((transactionalId) => {
      const d = txns.isLoading ? null : txns.describe(transactionalId);
      if (!d) {
        return {
          errorCode: txns.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId,
          transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
        };
      }
      return {
        errorCode: 0, transactionalId, transactionState: d.state, transactionTimeoutMs: d.timeoutMs, transactionStartTimeMs: d.startTimestamp,
        producerId: d.producerId, producerEpoch: d.producerEpoch, topics: d.partitions.map((p) => ({ topic: p.topic, partitions: p.partitions })),
      };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
};
