// IncrementalAlterConfigs (key 44), v0–1: per-config SET, DELETE, APPEND and SUBTRACT (the last two
// for list-typed configs such as cleanup.policy), applied as one change to a topic's overrides or to
// the dynamic configs of this broker (resource name = node id) or of every broker (resource name "").
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponseInput,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput,
} from '../../protocol/generated/incremental-alter-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  OP_APPEND, OP_DELETE, OP_SET, OP_SUBTRACT, RESOURCE_BROKER, RESOURCE_TOPIC, alterBrokerConfigs, alterTopicConfigs, brokerLevel,
  effectiveTopicConfig, isListConfig, unsupportedResource, type AlterOutcome,
} from '../alter-configs.js';
import type { ApiHandler } from './index.js';

type Resource = IncrementalAlterConfigsRequest['resources'][number];

const splitList = (v: string | null): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** The resource's operations as one change set (null removes a value), or why they are refused. */
function changesOf(res: Resource, current: (name: string) => string | null): Record<string, string | null> | AlterOutcome {
  const changes: Record<string, string | null> = {};
  const seen = new Set<string>();
  for (const c of res.configs) {
    if (seen.has(c.name)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate config ${c.name} in the request` };
    seen.add(c.name);
    if (c.configOperation === OP_SET) {
      if (c.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${c.name}` };
      changes[c.name] = c.value;
    } else if (c.configOperation === OP_DELETE) {
      changes[c.name] = null;
    } else if (c.configOperation === OP_APPEND || c.configOperation === OP_SUBTRACT) {
      if (!isListConfig(c.name, res.resourceType)) {
        return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value append/subtract is not allowed for config key ${c.name}, which is not a list` };
      }
      const now = splitList(current(c.name));
      const items = splitList(c.value);
      const next = c.configOperation === OP_APPEND ? [...now, ...items.filter((i) => !now.includes(i))] : now.filter((i) => !items.includes(i));
      changes[c.name] = next.join(',');
    } else {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown operations type ${c.configOperation}` };
    }
  }
  return changes;
}

const isOutcome = (x: object): x is AlterOutcome => 'errorCode' in x && typeof (x as AlterOutcome).errorCode === 'number';

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponseInput> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const responses: IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const res of req.resources) {
      const answer = (o: AlterOutcome) => responses.push({ ...o, resourceType: res.resourceType, resourceName: res.resourceName });
      if (res.resourceType === RESOURCE_TOPIC) {
        if (!broker.logs.topic(res.resourceName)) {
          answer({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${res.resourceName}' does not exist.` });
          continue;
        }
        const changes = changesOf(res, (name) => effectiveTopicConfig(broker, res.resourceName, name));
        answer(isOutcome(changes) ? changes : await alterTopicConfigs(broker, res.resourceName, changes, req.validateOnly));
      } else if (res.resourceType === RESOURCE_BROKER) {
        const level = brokerLevel(broker, res.resourceName);
        if (typeof level !== 'string') {
          answer(level);
          continue;
        }
        const changes = changesOf(res, (name) => broker.dynamicConfigs.effective(name));
        if (isOutcome(changes)) {
          answer(changes);
          continue;
        }
        const next = { ...broker.dynamicConfigs.layer(level) };
        for (const [name, value] of Object.entries(changes)) {
          if (value === null) delete next[name];
          else next[name] = value;
        }
        answer(await alterBrokerConfigs(broker, level, next, req.validateOnly));
      } else {
        answer(unsupportedResource(res.resourceType));
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
