// The coordinator's server.properties keys, under the names Kafka documents.
import { DEFAULT_COORDINATOR_CONFIG, type CoordinatorConfig } from './coordinator.js';

export interface GroupConfig {
  /** offsets.topic.num.partitions: used when __consumer_offsets is created. */
  offsetsTopicPartitions: number;
  coordinator: CoordinatorConfig;
}

export class GroupConfigError extends Error {
  override name = 'GroupConfigError';
}

function int(raw: Record<string, string>, key: string, fallback: number, min: number): number {
  const text = raw[key];
  if (text === undefined) return fallback;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < min) throw new GroupConfigError(`${key} must be an integer >= ${min}, got '${text}'`);
  return n;
}

export function parseGroupConfig(raw: Record<string, string>): GroupConfig {
  const d = DEFAULT_COORDINATOR_CONFIG;
  return {
    offsetsTopicPartitions: int(raw, 'offsets.topic.num.partitions', 50, 1),
    coordinator: {
      initialRebalanceDelayMs: int(raw, 'group.initial.rebalance.delay.ms', d.initialRebalanceDelayMs, 0),
      minSessionTimeoutMs: int(raw, 'group.min.session.timeout.ms', d.minSessionTimeoutMs, 0),
      maxSessionTimeoutMs: int(raw, 'group.max.session.timeout.ms', d.maxSessionTimeoutMs, 0),
      offsetMetadataMaxBytes: int(raw, 'offset.metadata.max.bytes', d.offsetMetadataMaxBytes, 0),
      offsetsRetentionMs: int(raw, 'offsets.retention.minutes', d.offsetsRetentionMs / 60_000, 1) * 60_000,
    },
  };
}
