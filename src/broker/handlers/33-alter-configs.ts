// AlterConfigs (key 33), v0–2: replaces a resource's whole set of configs with the given one — a
// topic's overrides, or the dynamic configs of this broker (resource name = node id) or of every
// broker (""); configs left out return to their defaults. Superseded by IncrementalAlterConfigs,
// which admin clients prefer; kept because older tools still send it.
import type { AlterConfigsRequest, AlterConfigsResponseInput, AlterConfigsResponseAlterConfigsResourceResponseInput } from '../../protocol/generated/alter-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC, alterBrokerConfigs, alterTopicConfigs, brokerLevel, unsupportedResource, type AlterOutcome } from '../alter-configs.js';
import type { ApiHandler } from './index.js';

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponseInput> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const responses: AlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const res of req.resources) {
      const answer = (o: AlterOutcome) => responses.push({ ...o, resourceType: res.resourceType, resourceName: res.resourceName });
      if (res.resourceType !== RESOURCE_TOPIC && res.resourceType !== RESOURCE_BROKER) {
        answer(unsupportedResource(res.resourceType));
        continue;
      }
      const given: Record<string, string> = {};
      let problem: AlterOutcome | null = null;
      for (const c of res.configs) {
        if (Object.prototype.hasOwnProperty.call(given, c.name)) problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate config ${c.name} in the request` };
        else if (c.value === null) problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${c.name}` };
        if (problem) break;
        given[c.name] = c.value!;
      }
      if (problem) {
        answer(problem);
        continue;
      }
      if (res.resourceType === RESOURCE_BROKER) {
        const level = brokerLevel(broker, res.resourceName);
        answer(typeof level === 'string' ? await alterBrokerConfigs(broker, level, given, req.validateOnly) : level);
        continue;
      }
      const topic = broker.logs.topic(res.resourceName);
      const changes: Record<string, string | null> = {};
      for (const name of Object.keys(topic?.configs ?? {})) changes[name] = null;
      Object.assign(changes, given);
      answer(await alterTopicConfigs(broker, res.resourceName, changes, req.validateOnly));
    }
    return { throttleTimeMs: 0, responses };
  },
};
