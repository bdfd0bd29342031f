// EndTxn (key 26), v0–3: commit or abort. Answered once the decision (PrepareCommit/PrepareAbort) is
// durable; markers follow in the background. A retry of a completed end succeeds.
import type { EndTxnRequest, EndTxnResponseInput } from '../../protocol/generated/end-txn.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponseInput> = {
  apiKey: 26,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const code = await ctx.broker.transactions.endTxn({ transactionalId: req.transactionalId, producerId: req.producerId, producerEpoch: req.producerEpoch, commit: req.committed });
    return { throttleTimeMs: 0, errorCode: code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2 ? ErrorCode.INVALID_PRODUCER_EPOCH : code, producerId: -1, producerEpoch: -1 };
  },
};
