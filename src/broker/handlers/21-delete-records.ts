// DeleteRecords (key 21), v0–2: moves each partition's log start offset forward (offset -1 means
// the high watermark). The new start is checkpointed before whole segments below it are deleted, so
// it survives restarts; reads below it answer OFFSET_OUT_OF_RANGE.
import type { DeleteRecordsRequest, DeleteRecordsResponseInput, DeleteRecordsResponseDeleteRecordsPartitionResultInput } from '../../protocol/generated/delete-records.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf } from './common.js';

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, DeleteRecordsResponseInput> = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const topics = [];
    for (const t of req.topics) {
      const topic = broker.logs.topic(t.name);
      const partitions: DeleteRecordsResponseDeleteRecordsPartitionResultInput[] = [];
      for (const p of t.partitions) {
        const log = topic?.partitions[p.partitionIndex];
        if (!log) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        try {
          const lowWatermark = await log.deleteRecords(p.offset);
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: 0 });
        } catch (err) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(broker, err, `deleting records of ${t.name}-${p.partitionIndex}`) });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};
