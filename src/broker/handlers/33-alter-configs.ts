// AlterConfigs (key 33), v0–2: replaces a topic's whole set of overrides with the given one
// (configs left out return to their defaults). Superseded by IncrementalAlterConfigs, which admin
// clients prefer; kept because older tools still send it.
import type { AlterConfigsRequest, AlterConfigsResponseInput, AlterConfigsResponseAlterConfigsResourceResponseInput } from '../../protocol/generated/alter-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import { RESOURCE_TOPIC, alterTopicConfigs, unsupportedResource } from '../alter-configs.js';
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
      const answer = (o: { errorCode: number; errorMessage: string | null }) =>
        responses.push({ ...o, resourceType: res.resourceType, resourceName: res.resourceName });
      if (res.resourceType !== RESOURCE_TOPIC) {
        answer(unsupportedResource(broker, res.resourceType, res.resourceName));
        continue;
      }
      const topic = broker.logs.topic(res.resourceName);
      const changes: Record<string, string | null> = {};
      for (const name of Object.keys(topic?.configs ?? {})) changes[name] = null;
      let problem: { errorCode: number; errorMessage: string } | null = null;
      const seen = new Set<string>();
      for (const c of res.configs) {
        if (seen.has(c.name)) problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate config ${c.name} in the request` };
        else if (c.value === null) problem = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for topic config '${c.name}'` };
        if (problem) break;
        seen.add(c.name);
        changes[c.name] = c.value;
      }
      if (problem) {
        answer(problem);
        continue;
      }
      answer(await alterTopicConfigs(broker, res.resourceName, changes, req.validateOnly));
    }
    return { throttleTimeMs: 0, responses };
  },
};
