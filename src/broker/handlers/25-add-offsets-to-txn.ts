// AddOffsetsToTxn (key 25), v0–3: the group's __consumer_offsets partition joins the transaction, so
// that offsets sent with TxnOffsetCommit are decided with it.
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput } from '../../protocol/generated/add-offsets-to-txn.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';

export const addOffsetsToTxnHandler: ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput> = {
  apiKey: 25,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const code = await ctx.broker.transactions.addOffsets(req);
    return { throttleTimeMs: 0, errorCode: code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 2 ? ErrorCode.INVALID_PRODUCER_EPOCH : code };
  },
};
