// ListOffsets (key 2), v0–10 (v10 only adds a timeout, unused: no remote storage to wait for). Special timestamps: -1 latest, -2 earliest, -3 the offset of the
// largest timestamp (v7+), -4 earliest local (v8+, the same as earliest here: no tiered storage),
// -5 earliest pending upload (v9+, none here: answered with offset -1). Any other value finds the
// first offset whose timestamp is >= it. v0 answers with a list of "old-style" offsets.
// read_committed (v2+) answers latest with the last stable offset.
import type { ListOffsetsRequest, ListOffsetsResponseInput, ListOffsetsResponseListOffsetsPartitionResponseInput } from '../../protocol/generated/list-offsets.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf } from './common.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const EARLIEST_PENDING_UPLOAD = -5;

type PartitionResponse = ListOffsetsResponseListOffsetsPartitionResponseInput;

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponseInput> = {
  apiKey: 2,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const topics = [];
    for (const t of req.topics) {
      const topic = broker.logs.topic(t.name);
      const partitions: PartitionResponse[] = [];
      for (const p of t.partitions) {
        const answer = (errorCode: number, offset = -1, timestamp = -1): PartitionResponse => ({
          partitionIndex: p.partitionIndex,
          errorCode,
          oldStyleOffsets: apiVersion === 0 && errorCode === 0 && offset >= 0 ? [offset] : [],
          timestamp,
          offset,
          leaderEpoch: errorCode === 0 && offset >= 0 ? 0 : -1,
        });
        const log = topic?.partitions[p.partitionIndex];
        if (!log) {
          partitions.push(answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        if (p.currentLeaderEpoch > 0) {
          partitions.push(answer(ErrorCode.UNKNOWN_LEADER_EPOCH));
          continue;
        }
        try {
          switch (p.timestamp) {
            case LATEST:
              // read_committed consumers (isolation level 1) start at the last stable offset, as in Kafka.
              partitions.push(answer(0, req.isolationLevel === 1 ? log.lastStableOffset : log.highWatermark));
              break;
            case EARLIEST:
            case EARLIEST_LOCAL:
              partitions.push(answer(0, log.logStartOffset));
              break;
            case EARLIEST_PENDING_UPLOAD:
              partitions.push(answer(0));
              break;
            default: {
              if (p.timestamp < 0 && p.timestamp !== MAX_TIMESTAMP) {
                partitions.push(answer(ErrorCode.INVALID_REQUEST));
                break;
              }
              const found = await log.offsetForTimestamp(p.timestamp);
              partitions.push(found ? answer(0, found.offset, found.timestamp) : answer(0));
            }
          }
        } catch (err) {
          partitions.push(answer(errorCodeOf(broker, err, `listing offsets of ${t.name}-${p.partitionIndex}`)));
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};
