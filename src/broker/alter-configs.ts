// The shared core of AlterConfigs (replace every override) and IncrementalAlterConfigs (set,
// delete, append to or subtract from single configs): both end as one change set applied to a
// topic's overrides, or as the new set of a broker level's dynamic configs, validated first and
// written atomically.
import { ErrorCode } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import { LogError } from './log/log-error.js';
import { BROKER_CONFIGS, TOPIC_CONFIGS_BY_NAME, validateTopicConfigs } from './log/topic-configs.js';
import type { DynamicLevel } from './dynamic-broker-configs.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
export const RESOURCE_BROKER_LOGGER = 8;

export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

const ok: AlterOutcome = { errorCode: 0, errorMessage: null };

/** Applies `changes` (null deletes an override) to a topic, or to nothing when validateOnly. */
export async function alterTopicConfigs(broker: Broker, topicName: string, changes: Record<string, string | null>, validateOnly: boolean): Promise<AlterOutcome> {
  const topic = broker.logs.topic(topicName);
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${topicName}' does not exist.` };
  const invalid = validateTopicConfigs(changes);
  if (invalid) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: invalid.errorMessage };
  if (validateOnly) return ok;
  try {
    await broker.logs.alterTopicConfigs(topicName, changes);
    broker.log(`altered configs of topic ${topicName}: ${Object.entries(changes).map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`)).join(', ')}`);
    return ok;
  } catch (err) {
    if (err instanceof LogError) return { errorCode: err.errorCode, errorMessage: err.message };
    throw err;
  }
}

/**
 * The dynamic-config level a broker resource names: its node id is this broker, "" the cluster-wide
 * defaults; anything else is refused as Kafka does.
 */
export function brokerLevel(broker: Broker, resourceName: string): DynamicLevel | AlterOutcome {
  if (resourceName === '') return 'default';
  if (!/^-?\d+$/.test(resourceName)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Node id must be an integer, but it is: ${resourceName}` };
  if (Number(resourceName) !== broker.nodeId) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.nodeId}, but received ${resourceName}` };
  }
  return 'broker';
}

/** Makes `next` the whole set of dynamic configs at `level`, validated first (Kafka answers INVALID_REQUEST). */
export async function alterBrokerConfigs(broker: Broker, level: DynamicLevel, next: Record<string, string>, validateOnly: boolean): Promise<AlterOutcome> {
  const invalid = broker.dynamicConfigs.validate(level, next);
  if (invalid) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid };
  if (validateOnly) return ok;
  await broker.dynamicConfigs.replace(level, next);
  const entries = Object.entries(next).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)';
  broker.log(`dynamic ${level === 'broker' ? `configs of broker ${broker.nodeId}` : 'cluster-wide broker defaults'} are now: ${entries}`);
  return ok;
}

/** The answer for resource types without dynamic configs here. */
export function unsupportedResource(resourceType: number): AlterOutcome {
  if (resourceType === RESOURCE_BROKER_LOGGER) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Broker logger levels cannot be changed on this broker.' };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown resource type ${resourceType}` };
}

/** Current effective value of a topic config (override, else broker default, else Kafka's default). */
export function effectiveTopicConfig(broker: Broker, topicName: string, name: string): string | null {
  const topic = broker.logs.topic(topicName);
  const override = topic?.configs[name];
  if (override !== undefined) return override;
  return TOPIC_CONFIGS_BY_NAME.get(name)?.defaultValue ?? null;
}

export function isListConfig(name: string, resourceType = RESOURCE_TOPIC): boolean {
  if (resourceType === RESOURCE_BROKER) return BROKER_CONFIGS.some((d) => d.name === name && d.type === 'list');
  return TOPIC_CONFIGS_BY_NAME.get(name)?.type === 'list';
}
