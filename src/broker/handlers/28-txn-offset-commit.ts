// TxnOffsetCommit (key 28), v0–3: consumer offsets written inside a transaction (sendOffsetsToTransaction),
// visible to OffsetFetch only once the transaction commits. v3 (KIP-447) adds the member's generation.
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseInput } from '../../protocol/generated/txn-offset-commit.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetToCommit } from '../group/coordinator.js';
import type { ApiHandler } from './index.js';

export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput> = {
  apiKey: 28,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const answer = (code: (topic: string, partition: number) => number): TxnOffsetCommitResponseInput => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })) })),
    });
    // A fenced producer hears INVALID_PRODUCER_EPOCH at every version: TxnOffsetCommit had no KIP-588 bump,
    // and Kafka answers the append's INVALID_PRODUCER_EPOCH (its KIP-890 verification converts PRODUCER_FENCED
    // to it too). Verification's INVALID_TXN_STATE / INVALID_PRODUCER_ID_MAPPING pass through as they are.
    const fenced = (c: number) => (c === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : c);
    // Unknown partitions answer UNKNOWN_TOPIC_OR_PARTITION whatever else fails (Kafka checks them first).
    const unknown = (topic: string, partition: number) => {
      const t = broker.logs.topic(topic);
      return !t || partition < 0 || partition >= t.partitions.length;
    };
    const check = broker.transactions.checkTxnOffsetCommit(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    if (check !== 0) return answer((topic, partition) => (unknown(topic, partition) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : fenced(check)));
    const offsets: OffsetToCommit[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (!unknown(t.name, p.partitionIndex)) {
          offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: apiVersion >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata ?? '' });
        }
      }
    }
    const code = await broker.groups.commitTxnOffsets({
      groupId: req.groupId, producerId: req.producerId, producerEpoch: req.producerEpoch,
      generationId: apiVersion >= 3 ? req.generationId : -1, memberId: apiVersion >= 3 ? req.memberId : '', groupInstanceId: apiVersion >= 3 ? req.groupInstanceId : null,
      offsets,
    });
    return answer((topic, partition) => (unknown(topic, partition) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : fenced(code)));
  },
};
