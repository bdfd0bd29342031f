// InitProducerId (key 22), v0–5. Without a transactional id: a fresh idempotent producer id. With one:
// the transaction coordinator bumps the epoch (fencing older instances), aborting an open transaction
// first (answered CONCURRENT_TRANSACTIONS until that is done; clients retry). v3+ (KIP-360) carries the
// producer's current id/epoch. Before v4 a fenced producer hears INVALID_PRODUCER_EPOCH (KIP-588).
import type { InitProducerIdRequest, InitProducerIdResponseInput } from '../../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponseInput> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const r = await ctx.broker.transactions.initProducerId({
      transactionalId: req.transactionalId,
      timeoutMs: req.transactionTimeoutMs,
      producerId: ctx.apiVersion >= 3 ? req.producerId : -1,
      producerEpoch: ctx.apiVersion >= 3 ? req.producerEpoch : -1,
    });
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
};
