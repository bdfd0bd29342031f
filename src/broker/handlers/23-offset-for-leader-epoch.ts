// OffsetForLeaderEpoch (key 23), v0–4. Clients (librdkafka ≥ 2.1, Java, platformatic) ask it after
// a leader change to detect log truncation. This node is every partition's only leader, at epoch 0
// from offset 0, so epoch 0 ends at the log end; an epoch we never had answers the undefined
// epoch/offset (-1/-1), as Kafka's epoch cache does. currentLeaderEpoch (v2+) is fenced as in Fetch.
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponseInput,
  OffsetForLeaderEpochResponseEpochEndOffsetInput,
} from '../../protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode } from '../../protocol/errors.js';
import { LEADER_EPOCH } from '../log/partition-log.js';
import type { ApiHandler } from './index.js';

const UNDEFINED = -1;

export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponseInput> = {
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const { broker } = ctx;
    const topics = req.topics.map((t) => {
      const topic = broker.logs.topic(t.topic);
      const partitions: OffsetForLeaderEpochResponseEpochEndOffsetInput[] = t.partitions.map((p) => {
        const answer = (errorCode: number, leaderEpoch = UNDEFINED, endOffset = UNDEFINED) => ({ errorCode, partition: p.partition, leaderEpoch, endOffset });
        const log = topic?.partitions[p.partition];
        if (!log) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < LEADER_EPOCH) return answer(ErrorCode.FENCED_LEADER_EPOCH);
        if (p.currentLeaderEpoch > LEADER_EPOCH) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
        if (p.leaderEpoch !== LEADER_EPOCH) return answer(0);
        return answer(0, LEADER_EPOCH, log.highWatermark);
      });
      return { topic: t.topic, partitions };
    });
    return { throttleTimeMs: 0, topics };
  },
};
