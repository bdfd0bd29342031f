// ListTransactions (key 66), v0–1: transactional ids, filtered by state, producer id and (v1) how long
// the transaction has been running. Unknown state names come back in unknownStateFilters.
import type { ListTransactionsRequest, ListTransactionsResponseInput } from '../../protocol/generated/list-transactions.js';
import { ErrorCode } from '../../protocol/errors.js';
import { TXN_STATES } from '../txn/transaction-log.js';
import type { ApiHandler } from './index.js';

export const listTransactionsHandler: ApiHandler<ListTransactionsRequest, ListTransactionsResponseInput> = {
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const txns = ctx.broker.transactions;
    if (txns.isLoading) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] };
    const known = new Set<string>(TXN_STATES);
    const states = new Set(req.stateFilters.filter((s) => known.has(s)));
    const producerIds = new Set(req.producerIdFilters);
    const now = Date.now();
    const minDuration = ctx.apiVersion >= 1 ? req.durationFilter : -1;
    const transactionStates = txns
      .list()
      .filter((d) => (req.stateFilters.length === 0 || states.has(d.state)) && (producerIds.size === 0 || producerIds.has(d.producerId)))
      .filter((d) => minDuration < 0 || (d.state === 'Ongoing' && now - d.startTimestamp >= minDuration))
      .map((d) => ({ transactionalId: d.transactionalId, producerId: d.producerId, transactionState: d.state }));
    return { throttleTimeMs: 0, errorCode: 0, unknownStateFilters: req.stateFilters.filter((s) => !known.has(s)), transactionStates };
  },
};
