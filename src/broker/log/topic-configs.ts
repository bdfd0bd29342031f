// Catalogue of Kafka's topic-level configs (as of 3.9) and of the broker configs DescribeConfigs reports,
// with validation and the mapping onto the LogConfig the log acts on. Defaults are the strings Kafka
// reports in DescribeConfigs; Long.MAX_VALUE stays a string so that it round-trips exactly.
import { DEFAULT_LOG_CONFIG, NEVER, type LogConfig } from './log-config.js';

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** DescribeConfigs v3+ configType numbers. */
export const CONFIG_TYPE_CODES: Record<ConfigType, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
};

/** DescribeConfigs configSource numbers. */
export const CONFIG_SOURCE = {
  UNKNOWN: 0, TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5,
} as const;

export interface ConfigDef {
  name: string;
  type: ConfigType;
  /** As DescribeConfigs reports it; null when Kafka has no default. */
  defaultValue: string | null;
  /** Broker-level config that supplies the default (DescribeConfigs synonym). */
  brokerSynonym?: string;
  isSensitive: false;
  documentation: string;
  min?: number;
  max?: number;
  /** Allowed values (for lists: each element). */
  validValues?: string[];
  /** Field of LogConfig this config sets, when the log acts on it. */
  logConfigKey?: keyof LogConfig;
  readOnly?: boolean;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = 2147483647;

const def = (d: Omit<ConfigDef, 'isSensitive'>): ConfigDef => ({ ...d, isSensitive: false });

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  def({ name: 'cleanup.policy', type: 'list', defaultValue: 'delete', brokerSynonym: 'log.cleanup.policy', validValues: ['compact', 'delete'], logConfigKey: 'cleanupPolicy',
    documentation: 'What happens to old segments: "delete" drops them by retention time or size, "compact" keeps the latest record per key; both may be combined.' }),
  def({ name: 'compression.type', type: 'string', defaultValue: 'producer', brokerSynonym: 'compression.type', validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    documentation: 'Codec batches are stored with; "producer" keeps whatever the producer used.' }),
  def({ name: 'compression.gzip.level', type: 'int', defaultValue: '-1', brokerSynonym: 'compression.gzip.level', min: -1, max: 9,
    documentation: 'Level used when the broker compresses with gzip (-1: codec default).' }),
  def({ name: 'compression.lz4.level', type: 'int', defaultValue: '9', brokerSynonym: 'compression.lz4.level', min: 1, max: 17,
    documentation: 'Level used when the broker compresses with lz4.' }),
  def({ name: 'compression.zstd.level', type: 'int', defaultValue: '3', brokerSynonym: 'compression.zstd.level', min: -131072, max: 22,
    documentation: 'Level used when the broker compresses with zstd.' }),
  def({ name: 'delete.retention.ms', type: 'long', defaultValue: '86400000', brokerSynonym: 'log.cleaner.delete.retention.ms', min: 0, logConfigKey: 'deleteRetentionMs',
    documentation: 'How long tombstones stay in a compacted topic, so that consumers reading from the start see deletions.' }),
  def({ name: 'file.delete.delay.ms', type: 'long', defaultValue: '60000', brokerSynonym: 'log.segment.delete.delay.ms', min: 0, logConfigKey: 'fileDeleteDelayMs',
    documentation: 'Grace period before a deleted segment\'s files are removed from disk.' }),
  def({ name: 'flush.messages', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.flush.interval.messages', min: 1, logConfigKey: 'flushMessages',
    documentation: 'Force an fsync after this many records have been appended (the default leaves flushing to the OS).' }),
  def({ name: 'flush.ms', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.flush.interval.ms', min: 0, logConfigKey: 'flushMs',
    documentation: 'Force an fsync when data has been unflushed for this long.' }),
  def({ name: 'follower.replication.throttled.replicas', type: 'list', defaultValue: '',
    documentation: 'Replicas (partition:broker pairs, or *) whose follower-side replication is throttled.' }),
  def({ name: 'index.interval.bytes', type: 'int', defaultValue: '4096', brokerSynonym: 'log.index.interval.bytes', min: 0, logConfigKey: 'indexIntervalBytes',
    documentation: 'Bytes of log between two entries of the sparse offset index: smaller means faster lookups and bigger indexes.' }),
  def({ name: 'leader.replication.throttled.replicas', type: 'list', defaultValue: '',
    documentation: 'Replicas (partition:broker pairs, or *) whose leader-side replication is throttled.' }),
  def({ name: 'local.retention.bytes', type: 'long', defaultValue: '-2', brokerSynonym: 'log.local.retention.bytes', min: -2,
    documentation: 'With tiered storage, the size kept on local disk (-2: same as retention.bytes).' }),
  def({ name: 'local.retention.ms', type: 'long', defaultValue: '-2', brokerSynonym: 'log.local.retention.ms', min: -2,
    documentation: 'With tiered storage, how long data stays on local disk (-2: same as retention.ms).' }),
  def({ name: 'max.compaction.lag.ms', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', min: 1, logConfigKey: 'maxCompactionLagMs',
    documentation: 'Longest time a record may stay uncompacted in a compacted topic.' }),
  def({ name: 'max.message.bytes', type: 'int', defaultValue: '1048588', brokerSynonym: 'message.max.bytes', min: 0, logConfigKey: 'maxMessageBytes',
    documentation: 'Largest record batch (after compression) the topic accepts.' }),
  def({ name: 'message.downconversion.enable', type: 'boolean', defaultValue: 'true', brokerSynonym: 'log.message.downconversion.enable',
    documentation: 'Whether fetches by old clients may be served by converting batches to an older message format.' }),
  def({ name: 'message.format.version', type: 'string', defaultValue: '3.0-IV1', brokerSynonym: 'log.message.format.version',
    documentation: 'Deprecated and ignored since Kafka 3.0: the message format is always v2.' }),
  def({ name: 'message.timestamp.after.max.ms', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.message.timestamp.after.max.ms', min: 0,
    documentation: 'How far in the future (relative to the broker clock) a CreateTime timestamp may be.' }),
  def({ name: 'message.timestamp.before.max.ms', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.message.timestamp.before.max.ms', min: 0,
    documentation: 'How far in the past (relative to the broker clock) a CreateTime timestamp may be.' }),
  def({ name: 'message.timestamp.difference.max.ms', type: 'long', defaultValue: LONG_MAX, brokerSynonym: 'log.message.timestamp.difference.max.ms', min: 0,
    documentation: 'Deprecated: largest allowed distance between a CreateTime timestamp and the broker clock.' }),
  def({ name: 'message.timestamp.type', type: 'string', defaultValue: 'CreateTime', brokerSynonym: 'log.message.timestamp.type', validValues: ['CreateTime', 'LogAppendTime'], logConfigKey: 'messageTimestampType',
    documentation: 'Whether record timestamps are the producer\'s (CreateTime) or set by the broker on append (LogAppendTime).' }),
  def({ name: 'min.cleanable.dirty.ratio', type: 'double', defaultValue: '0.5', brokerSynonym: 'log.cleaner.min.cleanable.ratio', min: 0, max: 1, logConfigKey: 'minCleanableDirtyRatio',
    documentation: 'Share of uncompacted log above which a compacted topic becomes eligible for cleaning.' }),
  def({ name: 'min.compaction.lag.ms', type: 'long', defaultValue: '0', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', min: 0, logConfigKey: 'minCompactionLagMs',
    documentation: 'Shortest time a record stays uncompacted in a compacted topic.' }),
  def({ name: 'min.insync.replicas', type: 'int', defaultValue: '1', brokerSynonym: 'min.insync.replicas', min: 1,
    documentation: 'Replicas that must acknowledge an acks=all write; a single node always has one.' }),
  def({ name: 'preallocate', type: 'boolean', defaultValue: 'false', brokerSynonym: 'log.preallocate',
    documentation: 'Whether segment files are preallocated on disk when created.' }),
  def({ name: 'remote.log.copy.disable', type: 'boolean', defaultValue: 'false',
    documentation: 'With tiered storage, stop copying segments to remote storage while keeping what is there readable.' }),
  def({ name: 'remote.log.delete.on.disable', type: 'boolean', defaultValue: 'false',
    documentation: 'With tiered storage, whether disabling it deletes the remote data.' }),
  def({ name: 'remote.storage.enable', type: 'boolean', defaultValue: 'false',
    documentation: 'Whether the topic uses tiered (remote) storage.' }),
  def({ name: 'retention.bytes', type: 'long', defaultValue: '-1', brokerSynonym: 'log.retention.bytes', logConfigKey: 'retentionBytes',
    documentation: 'Largest size a partition may reach before its oldest segments are deleted (-1: no limit).' }),
  def({ name: 'retention.ms', type: 'long', defaultValue: '604800000', brokerSynonym: 'log.retention.ms', min: -1, logConfigKey: 'retentionMs',
    documentation: 'How long a segment is kept after its newest record, before deletion (-1: forever).' }),
  def({ name: 'segment.bytes', type: 'int', defaultValue: '1073741824', brokerSynonym: 'log.segment.bytes', min: 14, logConfigKey: 'segmentBytes',
    documentation: 'Size at which the active segment is closed and a new one started; retention deletes whole segments.' }),
  def({ name: 'segment.index.bytes', type: 'int', defaultValue: '10485760', brokerSynonym: 'log.index.size.max.bytes', min: 4, logConfigKey: 'segmentIndexBytes',
    documentation: 'Largest size of a segment\'s offset index; reaching it rolls the segment.' }),
  def({ name: 'segment.jitter.ms', type: 'long', defaultValue: '0', brokerSynonym: 'log.roll.jitter.ms', min: 0,
    documentation: 'Random amount subtracted from segment.ms so that many partitions do not roll at once.' }),
  def({ name: 'segment.ms', type: 'long', defaultValue: '604800000', brokerSynonym: 'log.roll.ms', min: 1, logConfigKey: 'segmentMs',
    documentation: 'Age at which the active segment is rolled even if not full, so that retention can delete it.' }),
  def({ name: 'unclean.leader.election.enable', type: 'boolean', defaultValue: 'false', brokerSynonym: 'unclean.leader.election.enable',
    documentation: 'Whether an out-of-sync replica may become leader (meaningless on a single node).' }),
];

export const TOPIC_CONFIGS_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export interface BrokerConfigDef {
  name: string;
  type: ConfigType;
  defaultValue: string | null;
  documentation: string;
  readOnly: boolean;
  /** LogConfig field the broker default feeds. */
  logConfigKey?: keyof LogConfig;
}

const b = (name: string, type: ConfigType, defaultValue: string | null, documentation: string, logConfigKey?: keyof LogConfig): BrokerConfigDef =>
  ({ name, type, defaultValue, documentation, readOnly: true, ...(logConfigKey ? { logConfigKey } : {}) });

export const BROKER_CONFIGS: readonly BrokerConfigDef[] = [
  b('broker.id', 'int', '-1', 'Id of this broker.'),
  b('node.id', 'int', '-1', 'Id of this node (KRaft name of broker.id).'),
  b('process.roles', 'list', '', 'Roles of this node: broker and/or controller.'),
  b('listeners', 'list', 'PLAINTEXT://:9092', 'Addresses the broker listens on.'),
  b('advertised.listeners', 'list', null, 'Addresses clients are told to connect to.'),
  b('log.dir', 'string', '/tmp/kafka-logs', 'Directory holding the log data (used when log.dirs is unset).'),
  b('log.dirs', 'list', null, 'Directories holding the log data.'),
  b('num.partitions', 'int', '1', 'Partitions of an auto-created topic, or of a CreateTopics request without a count.'),
  b('default.replication.factor', 'int', '1', 'Replication factor of auto-created topics.'),
  b('auto.create.topics.enable', 'boolean', 'true', 'Whether Metadata and Produce requests for an unknown topic create it.'),
  b('delete.topic.enable', 'boolean', 'true', 'Whether topics may be deleted.'),
  b('message.max.bytes', 'int', '1048588', 'Largest record batch accepted (topic default for max.message.bytes).', 'maxMessageBytes'),
  b('compression.type', 'string', 'producer', 'Default of the topic compression.type.'),
  b('log.cleanup.policy', 'list', 'delete', 'Default of the topic cleanup.policy.', 'cleanupPolicy'),
  b('log.retention.hours', 'int', '168', 'Retention in hours (lowest precedence of the three retention settings).'),
  b('log.retention.minutes', 'int', null, 'Retention in minutes; overrides log.retention.hours.'),
  b('log.retention.ms', 'long', null, 'Retention in ms; overrides the minutes and hours settings.', 'retentionMs'),
  b('log.retention.bytes', 'long', '-1', 'Default of the topic retention.bytes.', 'retentionBytes'),
  b('log.retention.check.interval.ms', 'long', '300000', 'How often segments are checked for deletion.'),
  b('producer.id.expiration.ms', 'int', '86400000', 'How long a partition keeps an idempotent producer\'s state after its last write; retries within it are recognised as duplicates.', 'producerIdExpirationMs'),
  b('log.segment.bytes', 'int', '1073741824', 'Default of the topic segment.bytes.', 'segmentBytes'),
  b('log.roll.hours', 'int', '168', 'Default segment age before a roll, in hours.'),
  b('log.roll.ms', 'long', null, 'Default segment age before a roll, in ms; overrides log.roll.hours.', 'segmentMs'),
  b('log.roll.jitter.hours', 'int', '0', 'Default of segment.jitter.ms, in hours.'),
  b('log.roll.jitter.ms', 'long', null, 'Default of segment.jitter.ms.'),
  b('log.index.size.max.bytes', 'int', '10485760', 'Default of the topic segment.index.bytes.', 'segmentIndexBytes'),
  b('log.index.interval.bytes', 'int', '4096', 'Default of the topic index.interval.bytes.', 'indexIntervalBytes'),
  b('log.flush.interval.messages', 'long', LONG_MAX, 'Default of the topic flush.messages.', 'flushMessages'),
  b('log.flush.interval.ms', 'long', null, 'Default of the topic flush.ms.', 'flushMs'),
  b('log.flush.scheduler.interval.ms', 'long', LONG_MAX, 'How often logs are checked for a due flush.'),
  b('log.segment.delete.delay.ms', 'long', '60000', 'Default of the topic file.delete.delay.ms.', 'fileDeleteDelayMs'),
  b('log.message.timestamp.type', 'string', 'CreateTime', 'Default of the topic message.timestamp.type.', 'messageTimestampType'),
  b('log.message.timestamp.difference.max.ms', 'long', LONG_MAX, 'Default of the topic message.timestamp.difference.max.ms.'),
  b('log.message.timestamp.before.max.ms', 'long', LONG_MAX, 'Default of the topic message.timestamp.before.max.ms.'),
  b('log.message.timestamp.after.max.ms', 'long', LONG_MAX, 'Default of the topic message.timestamp.after.max.ms.'),
  b('log.message.downconversion.enable', 'boolean', 'true', 'Default of the topic message.downconversion.enable.'),
  b('log.preallocate', 'boolean', 'false', 'Default of the topic preallocate.'),
  b('log.cleaner.enable', 'boolean', 'true', 'Whether the log cleaner (compaction) runs.'),
  b('log.cleaner.backoff.ms', 'long', '15000', 'How long the log cleaner sleeps when no log needs cleaning.'),
  b('log.cleaner.delete.retention.ms', 'long', '86400000', 'Default of the topic delete.retention.ms.', 'deleteRetentionMs'),
  b('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'Default of the topic min.cleanable.dirty.ratio.', 'minCleanableDirtyRatio'),
  b('log.cleaner.min.compaction.lag.ms', 'long', '0', 'Default of the topic min.compaction.lag.ms.', 'minCompactionLagMs'),
  b('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, 'Default of the topic max.compaction.lag.ms.', 'maxCompactionLagMs'),
  b('log.local.retention.ms', 'long', '-2', 'Default of the topic local.retention.ms.'),
  b('log.local.retention.bytes', 'long', '-2', 'Default of the topic local.retention.bytes.'),
  b('min.insync.replicas', 'int', '1', 'Default of the topic min.insync.replicas.'),
  b('unclean.leader.election.enable', 'boolean', 'false', 'Default of the topic unclean.leader.election.enable.'),
  b('offsets.topic.num.partitions', 'int', '50', 'Partitions of __consumer_offsets.'),
  b('offsets.topic.replication.factor', 'short', '3', 'Replication factor of __consumer_offsets.'),
  b('offsets.retention.minutes', 'int', '10080', 'How long committed offsets of an empty group are kept.'),
  b('transaction.state.log.num.partitions', 'int', '50', 'Partitions of __transaction_state.'),
  b('transaction.state.log.replication.factor', 'short', '3', 'Replication factor of __transaction_state.'),
  b('group.initial.rebalance.delay.ms', 'int', '3000', 'How long a new group waits for more members before its first rebalance.'),
  b('group.min.session.timeout.ms', 'int', '6000', 'Smallest session timeout a consumer may ask for.'),
  b('group.max.session.timeout.ms', 'int', '1800000', 'Largest session timeout a consumer may ask for.'),
  b('socket.request.max.bytes', 'int', '104857600', 'Largest request the broker reads.'),
  b('fetch.max.bytes', 'int', '57671680', 'Largest response a Fetch request may ask for.'),
  b('replica.fetch.max.bytes', 'int', '1048576', 'Bytes per partition a follower fetches.'),
  b('num.network.threads', 'int', '3', 'Threads handling network I/O.'),
  b('num.io.threads', 'int', '8', 'Threads handling requests.'),
];

/** Broker configs whose value feeds a LogConfig field, keyed by that field. */
const BROKER_LOG_KEYS = new Map(BROKER_CONFIGS.filter((d) => d.logConfigKey).map((d) => [d.logConfigKey!, d.name]));
export const brokerConfigForLogKey = (key: keyof LogConfig): string | undefined => BROKER_LOG_KEYS.get(key);

const INTEGER = /^-?\d+$/;

/** Checks one value against its definition; returns an error message, or null when valid. */
export function validateConfigValue(d: ConfigDef, value: string): string | null {
  const range = (n: number): string | null =>
    (d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)
      ? `Invalid value ${value} for configuration ${d.name}: Value must be ${d.max === undefined ? `at least ${d.min}` : `in [${d.min ?? '-inf'}, ${d.max}]`}`
      : null;
  switch (d.type) {
    case 'boolean':
      return /^(true|false)$/i.test(value.trim()) ? null : `Invalid value ${value} for configuration ${d.name}: Expected value to be either true or false`;
    case 'int':
    case 'short':
    case 'long': {
      const v = value.trim();
      if (!INTEGER.test(v)) return `Invalid value ${value} for configuration ${d.name}: Not a number of type ${d.type.toUpperCase()}`;
      const n = Number(v);
      if (d.type === 'int' && (n > INT_MAX || n < -INT_MAX - 1)) return `Invalid value ${value} for configuration ${d.name}: Not a number of type INT`;
      return range(n);
    }
    case 'double': {
      const n = Number(value.trim());
      if (value.trim() === '' || Number.isNaN(n)) return `Invalid value ${value} for configuration ${d.name}: Not a number of type DOUBLE`;
      return range(n);
    }
    case 'list': {
      if (!d.validValues) return null;
      const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const bad = items.find((s) => !d.validValues!.includes(s));
      if (bad !== undefined) return `Invalid value ${bad} for configuration ${d.name}: String must be one of: ${d.validValues.join(', ')}`;
      if (d.name === 'cleanup.policy' && items.length === 0) return `Invalid value ${value} for configuration ${d.name}: empty list`;
      return null;
    }
    default:
      if (d.validValues && !d.validValues.includes(value)) {
        return `Invalid value ${value} for configuration ${d.name}: String must be one of: ${d.validValues.join(', ')}`;
      }
      return null;
  }
}

/** Validates topic config overrides as CreateTopics / AlterConfigs would; the first problem, or null. */
export function validateTopicConfigs(configs: Record<string, string | null>): { name: string; errorMessage: string } | null {
  for (const [name, value] of Object.entries(configs)) {
    const d = TOPIC_CONFIGS_BY_NAME.get(name);
    if (!d) return { name, errorMessage: `Unknown topic config name: ${name}` };
    if (value === null) continue;
    const err = validateConfigValue(d, value);
    if (err) return { name, errorMessage: err };
  }
  return null;
}

function parseForLog(key: keyof LogConfig, value: string): LogConfig[keyof LogConfig] {
  if (key === 'messageTimestampType') return value as LogConfig['messageTimestampType'];
  if (key === 'cleanupPolicy') return value.split(',').map((s) => s.trim()).filter(Boolean).join(',');
  const n = Number(value.trim());
  // Long.MAX_VALUE and friends: beyond 2^53 means "never".
  return n > NEVER ? NEVER : n;
}

/** Effective LogConfig: topic overrides over broker defaults over Kafka's defaults. */
export function toLogConfig(topicOverrides: Record<string, string>, brokerDefaults: Partial<LogConfig> = {}): LogConfig {
  const out: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const [k, v] of Object.entries(brokerDefaults) as [keyof LogConfig, LogConfig[keyof LogConfig] | undefined][]) {
    if (v !== undefined && k in DEFAULT_LOG_CONFIG) (out as unknown as Record<string, unknown>)[k] = v;
  }
  for (const [name, value] of Object.entries(topicOverrides)) {
    const key = TOPIC_CONFIGS_BY_NAME.get(name)?.logConfigKey;
    if (key) (out as unknown as Record<string, unknown>)[key] = parseForLog(key, value);
  }
  return out;
}

/** String form of a LogConfig value, as DescribeConfigs shows it. */
function logValueToString(value: LogConfig[keyof LogConfig]): string {
  if (typeof value === 'number' && value >= NEVER) return LONG_MAX;
  return String(value);
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  isDefault: boolean;
  configType: number;
  documentation: string;
  synonyms: { name: string; value: string | null; source: number }[];
}

/** Every topic config with its effective value and source, for DescribeConfigs of a topic. */
export function describeTopicConfigs(topicOverrides: Record<string, string>, brokerDefaults: Partial<LogConfig> = {}): DescribedConfig[] {
  return TOPIC_CONFIGS.map((d) => {
    const synonyms: DescribedConfig['synonyms'] = [];
    let value = d.defaultValue;
    let configSource: number = CONFIG_SOURCE.DEFAULT_CONFIG;
    const brokerValue = d.logConfigKey !== undefined ? brokerDefaults[d.logConfigKey] : undefined;
    if (brokerValue !== undefined && d.brokerSynonym) {
      value = logValueToString(brokerValue);
      configSource = CONFIG_SOURCE.STATIC_BROKER_CONFIG;
    }
    if (topicOverrides[d.name] !== undefined) {
      value = topicOverrides[d.name]!;
      configSource = CONFIG_SOURCE.TOPIC_CONFIG;
      synonyms.push({ name: d.name, value, source: CONFIG_SOURCE.TOPIC_CONFIG });
    }
    if (brokerValue !== undefined && d.brokerSynonym) {
      synonyms.push({ name: d.brokerSynonym, value: logValueToString(brokerValue), source: CONFIG_SOURCE.STATIC_BROKER_CONFIG });
    }
    if (d.brokerSynonym) synonyms.push({ name: d.brokerSynonym, value: d.defaultValue, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    return {
      name: d.name, value, readOnly: false, configSource, isSensitive: false,
      isDefault: configSource === CONFIG_SOURCE.DEFAULT_CONFIG, configType: CONFIG_TYPE_CODES[d.type],
      documentation: d.documentation, synonyms,
    };
  });
}

/** Every broker config with its value (from `values`, else the default), for DescribeConfigs of the broker. */
export function describeBrokerConfigs(values: Record<string, string | null>): DescribedConfig[] {
  return BROKER_CONFIGS.map((d) => {
    const set = Object.prototype.hasOwnProperty.call(values, d.name);
    const value = set ? values[d.name]! : d.defaultValue;
    const configSource = set ? CONFIG_SOURCE.STATIC_BROKER_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG;
    return {
      name: d.name, value, readOnly: d.readOnly, configSource, isSensitive: false, isDefault: !set,
      configType: CONFIG_TYPE_CODES[d.type], documentation: d.documentation,
      synonyms: [{ name: d.name, value, source: configSource }],
    };
  });
}

/**
 * The topic defaults a broker's server.properties sets (log.retention.ms, log.segment.bytes, …),
 * with Kafka's precedence among the hour/minute/ms forms. Invalid values are reported, not ignored.
 */
export function brokerLogDefaults(raw: Record<string, string>): { defaults: BrokerLogDefaults; errors: string[] } {
  const defaults: BrokerLogDefaults = {};
  const errors: string[] = [];
  const num = (key: string): number | undefined => {
    const text = raw[key];
    if (text === undefined) return undefined;
    const n = Number(text.trim());
    if (!Number.isFinite(n) || !INTEGER.test(text.trim())) {
      errors.push(`${key} must be an integer, got '${text}'`);
      return undefined;
    }
    return n > NEVER ? NEVER : n;
  };
  const firstOf = (...candidates: [string, number][]): number | undefined => {
    for (const [key, factor] of candidates) {
      const n = num(key);
      if (n !== undefined) return n < 0 ? -1 : n * factor;
    }
    return undefined;
  };
  const retention = firstOf(['log.retention.ms', 1], ['log.retention.minutes', 60_000], ['log.retention.hours', 3_600_000]);
  if (retention !== undefined) defaults.retentionMs = retention;
  const roll = firstOf(['log.roll.ms', 1], ['log.roll.hours', 3_600_000]);
  if (roll !== undefined) defaults.segmentMs = roll;
  for (const d of BROKER_CONFIGS) {
    if (!d.logConfigKey || d.logConfigKey === 'retentionMs' || d.logConfigKey === 'segmentMs' || raw[d.name] === undefined) continue;
    const topicDef = TOPIC_CONFIGS.find((t) => t.logConfigKey === d.logConfigKey);
    const problem = topicDef ? validateConfigValue(topicDef, raw[d.name]!) : null;
    if (problem) errors.push(`${d.name}: ${problem}`);
    else (defaults as Record<string, unknown>)[d.logConfigKey] = parseForLog(d.logConfigKey, raw[d.name]!);
  }
  const cleaner = cleanerSettings(raw, errors);
  if (cleaner) defaults.cleaner = cleaner;
  return { defaults, errors };
}

/** Broker-wide settings of the log cleaner (not topic defaults, but read from the same server.properties). */
export interface CleanerSettings {
  /** log.cleaner.enable */
  enable: boolean;
  /** log.cleaner.backoff.ms: pause between cleaner passes. */
  backoffMs: number;
  /**
   * kappa.test.cleaner.crash.at (tests only): the cleaner step at which the process kills itself with
   * SIGKILL, to prove crash recovery of a half-done clean (see CleanerStep in log-cleaner.ts).
   */
  crashAt?: string;
}

export const DEFAULT_CLEANER_SETTINGS: CleanerSettings = Object.freeze({ enable: true, backoffMs: 15000 });

/**
 * The broker's log defaults travel to the LogManager as one object (server.ts hands it over as is), so
 * the cleaner's broker-wide settings ride along under `cleaner`; toLogConfig ignores the field.
 */
export interface BrokerLogDefaults extends Partial<LogConfig> {
  cleaner?: CleanerSettings;
}

function cleanerSettings(raw: Record<string, string>, errors: string[]): CleanerSettings | null {
  const keys = ['log.cleaner.enable', 'log.cleaner.backoff.ms', 'kappa.test.cleaner.crash.at'];
  if (!keys.some((k) => raw[k] !== undefined)) return null;
  const out: CleanerSettings = { ...DEFAULT_CLEANER_SETTINGS };
  const enable = raw['log.cleaner.enable']?.trim().toLowerCase();
  if (enable !== undefined) {
    if (enable !== 'true' && enable !== 'false') errors.push(`log.cleaner.enable must be true or false, got '${enable}'`);
    else out.enable = enable === 'true';
  }
  const backoff = raw['log.cleaner.backoff.ms']?.trim();
  if (backoff !== undefined) {
    if (!INTEGER.test(backoff) || Number(backoff) < 0) errors.push(`log.cleaner.backoff.ms must be an integer >= 0, got '${backoff}'`);
    else out.backoffMs = Number(backoff);
  }
  const crashAt = raw['kappa.test.cleaner.crash.at']?.trim();
  if (crashAt) out.crashAt = crashAt;
  return out;
}
