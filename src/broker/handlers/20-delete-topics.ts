// DeleteTopics (key 20), v0–6. v0–5 name topics in topicNames; v6 in topics, by name or by id.
// Deleting removes the partitions' directories; fetches parked on them wake and find them gone.
// Internal topics (__consumer_offsets) are refused with INVALID_REQUEST.
import type { DeleteTopicsRequest, DeleteTopicsResponseInput, DeleteTopicsResponseDeletableTopicResultInput } from '../../protocol/generated/delete-topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf, errorMessageOf } from './common.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponseInput> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  exclusive: true,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const wanted = apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResultInput[] = [];
    for (const w of wanted) {
      const topic = w.name ? broker.logs.topic(w.name) : broker.logs.topics().find((t) => t.topicId === w.topicId);
      if (!topic) {
        const errorCode = w.name ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
        responses.push({ name: w.name, topicId: w.topicId, errorCode, errorMessage: apiVersion >= 5 ? 'This server does not host this topic.' : null });
        continue;
      }
      if (topic.isInternal) {
        // The coordinator writes to __consumer_offsets while it runs; deleting it would lose every
        // group's offsets. Kafka's own tools refuse this too.
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: apiVersion >= 5 ? `Topic ${topic.name} is an internal topic and cannot be deleted.` : null });
        continue;
      }
      try {
        const logs = [...topic.partitions];
        await broker.logs.deleteTopic(topic.name);
        for (const log of logs) broker.appendWaiters.notify(log);
        broker.log(`deleted topic ${topic.name}`);
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: 0, errorMessage: null });
      } catch (err) {
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: errorCodeOf(broker, err, `deleting topic ${topic.name}`), errorMessage: errorMessageOf(err) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
