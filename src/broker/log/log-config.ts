// Effective configuration of one partition log: the topic-level configs the log itself acts on,
// already resolved against broker defaults (see topic-configs.ts for the full catalogue).
export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** retention.ms; -1 keeps data forever. */
  retentionMs: number;
  /** retention.bytes; -1 means no size limit. */
  retentionBytes: number;
  /** index.interval.bytes: bytes of log between two sparse index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: an offset index this large forces a roll. */
  segmentIndexBytes: number;
  /** flush.messages: fsync after this many unflushed records. */
  flushMessages: number;
  /** flush.ms: fsync unflushed data at least this often. */
  flushMs: number;
  /** file.delete.delay.ms: kept for DescribeConfigs; segments are refcounted, so deletion need not wait. */
  fileDeleteDelayMs: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** max.message.bytes: largest batch accepted (enforced by the produce path). */
  maxMessageBytes: number;
  /** cleanup.policy: 'delete', 'compact' or 'compact,delete'. */
  cleanupPolicy: string;
  /** delete.retention.ms: how long a cleaned tombstone stays readable (its delete horizon). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: dirty bytes / cleanable bytes at which a compacted log is cleaned. */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: segments whose newest record is younger than this are not cleaned. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty segment older than this is cleaned whatever the dirty ratio. */
  maxCompactionLagMs: number;
  /** producer.id.expiration.ms (broker-wide): a producer's state is dropped this long after its last write. */
  producerIdExpirationMs: number;
}

/** Kafka's "never": Long.MAX_VALUE does not fit a JS number, and nothing distinguishes the two in practice. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  retentionMs: 604800000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10485760,
  flushMessages: NEVER,
  flushMs: NEVER,
  fileDeleteDelayMs: 60000,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1048588,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 86400000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  producerIdExpirationMs: 86400000,
}) as LogConfig;

/** Whether a cleanup.policy value includes the given policy ('compact' or 'delete'). */
export function hasPolicy(cleanupPolicy: string, policy: 'compact' | 'delete'): boolean {
  return cleanupPolicy.split(',').some((p) => p.trim() === policy);
}

export function resolveLogConfig(partial: Partial<LogConfig> = {}): LogConfig {
  const out: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const key of Object.keys(partial) as (keyof LogConfig)[]) {
    if (partial[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = partial[key];
  }
  return out;
}
