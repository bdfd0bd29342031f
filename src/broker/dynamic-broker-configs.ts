// Dynamic broker configs (KIP-226), as AlterConfigs / IncrementalAlterConfigs set them on the broker
// resource: per broker (resource name = node id) and cluster-wide defaults (resource name ""). Kafka's
// precedence is per broker > cluster default > server.properties > built-in default. Only the log
// defaults Kafka lets operators change at runtime are accepted; they are persisted in the data dir
// (Kafka keeps them in its metadata log) and applied to every topic without an override at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerConfig } from './broker-config.js';
import type { LogManager } from './log/log-manager.js';
import { writeFileAtomic } from './log/fs-util.js';
import { BROKER_CONFIGS, TOPIC_CONFIGS, brokerLogDefaults, validateConfigValue, type ConfigDef } from './log/topic-configs.js';

export type DynamicLevel = 'broker' | 'default';

export const DYNAMIC_CONFIGS_FILE = 'dynamic-broker-configs.json';

const BROKER_CONFIG_BY_NAME = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));

/**
 * What may change at runtime: every broker default of a topic config (Kafka's DynamicLogConfig), the
 * hour/minute forms of the time-based ones, and the cleaner's backoff (DynamicLogCleaner). The rest
 * of the catalogue (identity, listeners, log.dirs, group and thread settings) is read-only.
 */
export const DYNAMIC_BROKER_CONFIGS: ReadonlySet<string> = new Set(
  [
    ...TOPIC_CONFIGS.flatMap((d) => (d.brokerSynonym ? [d.brokerSynonym] : [])),
    'log.retention.minutes', 'log.retention.hours', 'log.roll.hours', 'log.roll.jitter.hours', 'log.roll.jitter.ms',
    'log.cleaner.backoff.ms',
  ].filter((name) => BROKER_CONFIG_BY_NAME.has(name)),
);

/** Broker configs that stand for one setting in different units, highest precedence first (Kafka's brokerConfigSynonyms). */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
];

/** The broker configs that together decide `name`, in precedence order. */
export function brokerSynonyms(name: string): readonly string[] {
  return SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
}

/** A broker config's type and range, borrowed from the topic config it is the default of where there is one. */
function definitionOf(name: string): ConfigDef | null {
  const topicDef = TOPIC_CONFIGS.find((d) => d.brokerSynonym === name);
  if (topicDef) return { ...topicDef, name };
  const d = BROKER_CONFIG_BY_NAME.get(name);
  return d ? { name, type: d.type, defaultValue: d.defaultValue, isSensitive: false, documentation: d.documentation } : null;
}

export class DynamicBrokerConfigs {
  private constructor(
    private readonly path: string,
    private readonly staticConfig: BrokerConfig,
    private readonly logs: LogManager,
    /** Set for this node (resource name = node id). */
    public perBroker: Readonly<Record<string, string>>,
    /** Set for every broker (resource name ""). */
    public clusterDefault: Readonly<Record<string, string>>,
  ) {}

  /**
   * Reads the persisted dynamic configs and applies them to the log manager. Synchronous: it runs
   * once while the broker is assembled, before any request or retention pass.
   */
  static open(config: BrokerConfig, logs: LogManager): DynamicBrokerConfigs {
    const path = join(logs.dataDir, DYNAMIC_CONFIGS_FILE);
    let stored: { broker?: Record<string, string>; default?: Record<string, string> } = {};
    try {
      stored = JSON.parse(readFileSync(path, 'utf8')) as typeof stored;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const d = new DynamicBrokerConfigs(path, config, logs, stored.broker ?? {}, stored.default ?? {});
    if (Object.keys(d.perBroker).length > 0 || Object.keys(d.clusterDefault).length > 0) d.apply();
    return d;
  }

  get staticValues(): Readonly<Record<string, string>> {
    return this.staticConfig.raw;
  }

  layer(level: DynamicLevel): Readonly<Record<string, string>> {
    return level === 'broker' ? this.perBroker : this.clusterDefault;
  }

  /** server.properties overlaid with the cluster defaults, then this broker's own dynamic configs. */
  merged(perBroker = this.perBroker, clusterDefault = this.clusterDefault): Record<string, string> {
    return { ...this.staticConfig.raw, ...clusterDefault, ...perBroker };
  }

  /** Effective value of a broker config as the log sees it, or null when unset everywhere. */
  effective(name: string): string | null {
    return this.merged()[name] ?? BROKER_CONFIG_BY_NAME.get(name)?.defaultValue ?? null;
  }

  /**
   * Why `next` cannot become the configs of `level`, in Kafka's words (Kafka answers INVALID_REQUEST
   * for all of these), or null when it can.
   */
  validate(level: DynamicLevel, next: Record<string, string>): string | null {
    const names = Object.keys(next);
    const unknown = names.filter((n) => !BROKER_CONFIG_BY_NAME.has(n));
    if (unknown.length > 0) return `Unknown broker configs: ${unknown.join(', ')}`;
    const fixed = names.filter((n) => !DYNAMIC_BROKER_CONFIGS.has(n));
    if (fixed.length > 0) return `Cannot update these configs dynamically: ${fixed.join(', ')}`;
    for (const name of names) {
      const problem = validateConfigValue(definitionOf(name)!, next[name]!);
      if (problem) return problem;
    }
    const merged = level === 'broker' ? this.merged(next, this.clusterDefault) : this.merged(this.perBroker, next);
    const { errors } = brokerLogDefaults(merged);
    return errors.length > 0 ? errors.join('; ') : null;
  }

  /** Makes `next` the whole set of `level`'s configs: persisted first, then applied to every log. */
  async replace(level: DynamicLevel, next: Record<string, string>): Promise<void> {
    const perBroker = level === 'broker' ? { ...next } : this.perBroker;
    const clusterDefault = level === 'default' ? { ...next } : this.clusterDefault;
    await writeFileAtomic(this.path, JSON.stringify({ broker: perBroker, default: clusterDefault }));
    this.perBroker = perBroker;
    this.clusterDefault = clusterDefault;
    this.apply();
  }

  private apply(): void {
    const { defaults, errors } = brokerLogDefaults(this.merged());
    // Values are validated before they are stored; a hand-edited file that no longer parses stops the
    // broker with the reason, as a bad server.properties does.
    if (errors.length > 0) throw new Error(`${this.path}: ${errors.join('; ')}`);
    this.logs.setBrokerDefaults(defaults);
  }
}
