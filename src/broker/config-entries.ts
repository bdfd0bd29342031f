// Config entries as DescribeConfigs and CreateTopics (v5+) report them: every config with its
// effective value, where that value comes from, and (on request) its synonyms and documentation.
//
// Sources follow Kafka's precedence: topic override (1) > dynamic per-broker config (2) > dynamic
// cluster default (3) > server.properties (4) > built-in default (5). Synonyms are listed by source
// first, then by name (log.retention.ms before .minutes before .hours), as Kafka's ConfigHelper
// lists them; the first synonym is the one in force.
import type { Broker } from './broker.js';
import { BROKER_DEFAULTS } from './broker-config.js';
import { DYNAMIC_BROKER_CONFIGS, brokerSynonyms } from './dynamic-broker-configs.js';
import { NEVER, type LogConfig } from './log/log-config.js';
import {
  BROKER_CONFIGS, CONFIG_SOURCE, CONFIG_TYPE_CODES, TOPIC_CONFIGS, brokerLogDefaults, type DescribedConfig,
} from './log/topic-configs.js';

type Synonym = DescribedConfig['synonyms'][number];

interface Layers {
  /** Highest precedence first, each with its DescribeConfigs source. */
  set: { values: Readonly<Record<string, string>>; source: number }[];
  defaults: Readonly<Record<string, string | null>>;
}

function layersOf(broker: Broker): Layers {
  const dynamic = broker.dynamicConfigs;
  // Identity settings always have a value, even when the operator left them to Kappa's defaults.
  const statics: Record<string, string> = { ...dynamic.staticValues, 'node.id': String(broker.nodeId), 'broker.id': String(broker.nodeId) };
  const defaults: Record<string, string | null> = {};
  for (const d of BROKER_CONFIGS) defaults[d.name] = d.defaultValue;
  Object.assign(defaults, BROKER_DEFAULTS);
  return {
    set: [
      { values: dynamic.perBroker, source: CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG },
      { values: dynamic.clusterDefault, source: CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { values: statics, source: CONFIG_SOURCE.STATIC_BROKER_CONFIG },
    ],
    defaults,
  };
}

function synonymsOf(names: readonly string[], layers: Layers): Synonym[] {
  const out: Synonym[] = [];
  for (const { values, source } of layers.set) {
    for (const name of names) if (values[name] !== undefined) out.push({ name, value: values[name]!, source });
  }
  for (const name of names) {
    const value = layers.defaults[name];
    if (value !== undefined && value !== null) out.push({ name, value, source: CONFIG_SOURCE.DEFAULT_CONFIG });
  }
  return out;
}

const UNIT_MS: Record<string, number> = {
  'log.retention.minutes': 60_000, 'log.retention.hours': 3_600_000, 'log.roll.hours': 3_600_000, 'log.roll.jitter.hours': 3_600_000,
};

/** A broker synonym's value in the topic config's unit (hours and minutes become ms; negative retention is -1). */
function inTopicUnit(s: Synonym): string {
  const factor = UNIT_MS[s.name];
  if (factor === undefined) return s.value!;
  const n = Number(s.value);
  return n < 0 ? '-1' : String(n * factor);
}

const LONG_MAX = '9223372036854775807';

function describeTopic(broker: Broker, topicOverrides: Record<string, string>): DescribedConfig[] {
  const layers = layersOf(broker);
  // The value the log acts on. It can differ from the first synonym's: log.retention.ms beats
  // log.retention.hours whatever their levels, while synonyms are listed by level (Kafka does the same).
  const logDefaults: Partial<LogConfig> = brokerLogDefaults(broker.dynamicConfigs.merged()).defaults;
  const logValue = (key: keyof LogConfig | undefined): string | undefined => {
    const v = key === undefined ? undefined : logDefaults[key];
    return v === undefined ? undefined : typeof v === 'number' && v >= NEVER ? LONG_MAX : String(v);
  };
  return TOPIC_CONFIGS.map((d) => {
    const fromBroker = d.brokerSynonym ? synonymsOf(brokerSynonyms(d.brokerSynonym), layers) : [];
    const override = topicOverrides[d.name];
    const synonyms: Synonym[] = override !== undefined ? [{ name: d.name, value: override, source: CONFIG_SOURCE.TOPIC_CONFIG }, ...fromBroker] : fromBroker;
    const inForce = override !== undefined ? synonyms[0] : fromBroker.find((s) => s.source !== CONFIG_SOURCE.DEFAULT_CONFIG);
    const value = override ?? (inForce ? logValue(d.logConfigKey) ?? inTopicUnit(inForce) : d.defaultValue);
    const configSource = inForce?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG;
    return {
      name: d.name, value, readOnly: false, configSource, isSensitive: false, isDefault: configSource === CONFIG_SOURCE.DEFAULT_CONFIG,
      configType: CONFIG_TYPE_CODES[d.type], documentation: d.documentation, synonyms,
    };
  });
}

/**
 * The broker resource by node id: every broker config. By "" (cluster-wide defaults): only the
 * configs set at that level, as Kafka answers, without per-broker synonyms.
 */
function describeBroker(broker: Broker, clusterDefaultsOnly: boolean): DescribedConfig[] {
  const layers = layersOf(broker);
  if (clusterDefaultsOnly) layers.set = layers.set.filter((l) => l.source !== CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG);
  const defs = clusterDefaultsOnly ? BROKER_CONFIGS.filter((d) => broker.dynamicConfigs.clusterDefault[d.name] !== undefined) : BROKER_CONFIGS;
  return defs.map((d) => {
    const synonyms = synonymsOf(brokerSynonyms(d.name), layers);
    const own = synonymsOf([d.name], layers)[0];
    const configSource = synonyms[0]?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG;
    return {
      name: d.name, value: own?.value ?? null, readOnly: !DYNAMIC_BROKER_CONFIGS.has(d.name), configSource, isSensitive: false,
      isDefault: configSource === CONFIG_SOURCE.DEFAULT_CONFIG, configType: CONFIG_TYPE_CODES[d.type], documentation: d.documentation, synonyms,
    };
  });
}

export function describeConfigEntries(
  broker: Broker, resource: 'topic' | 'broker' | 'broker-defaults', topicOverrides: Record<string, string> = {},
): DescribedConfig[] {
  if (resource === 'topic') return describeTopic(broker, topicOverrides);
  return describeBroker(broker, resource === 'broker-defaults');
}
