// Produce-time rule of compacted topics: every record needs a key, or the cleaner could not tell which
// records supersede it. Kafka answers INVALID_RECORD with this message (LogValidator).
import { ATTR_CONTROL, attributesOf } from '../../protocol/record-batch-header.js';
import { decodeRecords, iterateBatches } from '../../protocol/record-batch.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.js';
import { hasPolicy, type LogConfig } from './log-config.js';

/**
 * For the produce handler, after validateBatches: null when the batches may be appended, else the
 * partition's error. Only compacted topics pay for decoding (and decompressing) the records.
 */
export function checkCompactedTopicKeys(
  records: Buffer, config: LogConfig, topic: string, partition: number,
): { errorCode: number; errorMessage: string } | null {
  if (!hasPolicy(config.cleanupPolicy, 'compact')) return null;
  for (const batch of iterateBatches(records)) {
    if (attributesOf(batch) & ATTR_CONTROL) continue;
    let decoded;
    try {
      decoded = decodeRecords(batch, { verifyCrc: false });
    } catch (err) {
      if (err instanceof KafkaProtocolError) return { errorCode: err.errorCode, errorMessage: err.message };
      throw err;
    }
    for (const r of decoded.records) {
      if (r.key === null) {
        return {
          errorCode: ErrorCode.INVALID_RECORD,
          errorMessage: `Compacted topic cannot accept message without key in topic partition ${topic}-${partition}.`,
        };
      }
    }
  }
  return null;
}
