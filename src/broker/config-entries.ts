// Config entries as DescribeConfigs and CreateTopics (v5+) report them: every config with its
// effective value, where that value comes from, and (on request) its synonyms and documentation.
import type { Broker } from './broker.js';
import { describeBrokerConfigs, describeTopicConfigs, type DescribedConfig } from './log/topic-configs.js';
import { BROKER_DEFAULTS } from './broker-config.js';

export function describeConfigEntries(broker: Broker, resource: 'topic' | 'broker', topicOverrides: Record<string, string> = {}): DescribedConfig[] {
  if (resource === 'topic') return describeTopicConfigs(topicOverrides, broker.config.logDefaults);
  const values: Record<string, string | null> = { ...broker.config.raw };
  // Identity settings always have a value here, even when the operator left them unset.
  values['node.id'] = String(broker.nodeId);
  values['broker.id'] = String(broker.nodeId);
  for (const [k, v] of Object.entries(BROKER_DEFAULTS)) if (values[k] === undefined) values[k] = v;
  return describeBrokerConfigs(values);
}
