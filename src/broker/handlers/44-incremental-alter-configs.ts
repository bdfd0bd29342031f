// IncrementalAlterConfigs (key 44), v0–1: per-config SET, DELETE, APPEND and SUBTRACT (the last two
// for list-typed configs such as cleanup.policy), applied to a topic's overrides as one change.
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponseInput,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput,
} from '../../protocol/generated/incremental-alter-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import { OP_APPEND, OP_DELETE, OP_SET, OP_SUBTRACT, RESOURCE_TOPIC, alterTopicConfigs, effectiveTopicConfig, isListConfig, unsupportedResource } from '../alter-configs.js';
import type { ApiHandler } from './index.js';

const splitList = (v: string | null): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponseInput> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const responses: IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const res of req.resources) {
      const answer = (o: { errorCode: number; errorMessage: string | null }) =>
        responses.push({ ...o, resourceType: res.resourceType, resourceName: res.resourceName });
      if (res.resourceType !== RESOURCE_TOPIC) {
        answer(unsupportedResource(broker, res.resourceType, res.resourceName));
        continue;
      }
      if (!broker.logs.topic(res.resourceName)) {
        answer({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${res.resourceName}' does not exist.` });
        continue;
      }
      const changes: Record<string, string | null> = {};
      let problem: { errorCode: number; errorMessage: string } | null = null;
      const seen = new Set<string>();
      for (const c of res.configs) {
        if (seen.has(c.name)) {
          problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate config ${c.name} in the request` };
          break;
        }
        seen.add(c.name);
        if (c.configOperation === OP_SET) {
          if (c.value === null) {
            problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for topic config '${c.name}'` };
            break;
          }
          changes[c.name] = c.value;
        } else if (c.configOperation === OP_DELETE) {
          changes[c.name] = null;
        } else if (c.configOperation === OP_APPEND || c.configOperation === OP_SUBTRACT) {
          if (!isListConfig(c.name)) {
            problem = { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value append/subtract is not allowed for config key ${c.name}, which is not a list` };
            break;
          }
          const current = splitList(effectiveTopicConfig(broker, res.resourceName, c.name));
          const items = splitList(c.value);
          const next = c.configOperation === OP_APPEND ? [...current, ...items.filter((i) => !current.includes(i))] : current.filter((i) => !items.includes(i));
          changes[c.name] = next.join(',');
        } else {
          problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown config operation ${c.configOperation}` };
          break;
        }
      }
      answer(problem ?? (await alterTopicConfigs(broker, res.resourceName, changes, req.validateOnly)));
    }
    return { throttleTimeMs: 0, responses };
  },
};
