// DescribeConfigs (key 32), v0–4, for topics (resource type 2), this broker (4; by its node id, or
// "" for the dynamic cluster-wide defaults alone) and broker loggers (8; none are adjustable here, so the list is
// empty). Every config is reported with its effective value and source; v0 reports isDefault
// instead of a source. Synonyms (v1+) and documentation (v3+) only when asked for.
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponseInput,
  DescribeConfigsResponseDescribeConfigsResultInput,
} from '../../protocol/generated/describe-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import { describeConfigEntries } from '../config-entries.js';
import type { DescribedConfig } from '../log/topic-configs.js';
import { RESOURCE_BROKER, RESOURCE_BROKER_LOGGER, RESOURCE_TOPIC } from '../alter-configs.js';
import type { ApiHandler } from './index.js';


export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponseInput> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const { broker } = ctx;
    const results: DescribeConfigsResponseDescribeConfigsResultInput[] = [];
    for (const res of req.resources) {
      const fail = (errorCode: number, errorMessage: string) =>
        results.push({ errorCode, errorMessage, resourceType: res.resourceType, resourceName: res.resourceName, configs: [] });
      let entries: DescribedConfig[];
      if (res.resourceType === RESOURCE_TOPIC) {
        const topic = broker.logs.topic(res.resourceName);
        if (!topic) {
          fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${res.resourceName}' does not exist.`);
          continue;
        }
        entries = describeConfigEntries(broker, 'topic', topic.configs);
      } else if (res.resourceType === RESOURCE_BROKER) {
        if (res.resourceName !== '' && res.resourceName !== String(broker.nodeId)) {
          fail(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${res.resourceName}`);
          continue;
        }
        entries = describeConfigEntries(broker, res.resourceName === '' ? 'broker-defaults' : 'broker');
      } else if (res.resourceType === RESOURCE_BROKER_LOGGER) {
        entries = [];
      } else {
        fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${res.resourceType}`);
        continue;
      }
      const keys = res.configurationKeys === null ? null : new Set(res.configurationKeys);
      const configs = entries
        .filter((e) => keys === null || keys.has(e.name))
        .map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          isDefault: e.isDefault,
          configSource: e.configSource,
          isSensitive: e.isSensitive,
          synonyms: req.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
          configType: e.configType,
          documentation: req.includeDocumentation ? e.documentation : null,
        }));
      results.push({ errorCode: 0, errorMessage: null, resourceType: res.resourceType, resourceName: res.resourceName, configs });
    }
    return { throttleTimeMs: 0, results };
  },
};
