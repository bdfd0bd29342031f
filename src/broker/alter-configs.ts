// The shared core of AlterConfigs (replace every override) and IncrementalAlterConfigs (set,
// delete, append to or subtract from single configs): both end as one change set applied to a
// topic's overrides, validated first, written atomically by the log manager.
import { ErrorCode } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import { LogError } from './log/log-error.js';
import { TOPIC_CONFIGS_BY_NAME, validateTopicConfigs } from './log/topic-configs.js';

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

/** The answer for resources other than topics: broker configs are static (set with --config). */
export function unsupportedResource(broker: Broker, resourceType: number, resourceName: string): AlterOutcome {
  if (resourceType === RESOURCE_BROKER || resourceType === RESOURCE_BROKER_LOGGER) {
    if (resourceName !== '' && resourceName !== String(broker.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resourceName}` };
    }
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Dynamic broker configs are not supported; set them in the broker config file (kappa broker --config FILE).' };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

/** Current effective value of a topic config (override, else broker default, else Kafka's default). */
export function effectiveTopicConfig(broker: Broker, topicName: string, name: string): string | null {
  const topic = broker.logs.topic(topicName);
  const override = topic?.configs[name];
  if (override !== undefined) return override;
  return TOPIC_CONFIGS_BY_NAME.get(name)?.defaultValue ?? null;
}

export function isListConfig(name: string): boolean {
  return TOPIC_CONFIGS_BY_NAME.get(name)?.type === 'list';
}
