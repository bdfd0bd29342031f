// Produce (key 0), v3–11. v3 is the first version that carries magic-v2 record batches, the only
// format this log stores; older clients negotiate up to v3+ through ApiVersions. v9+ is flexible.
//
// Batches are validated (sizes, CRC-32C) without decoding records and appended verbatim; the log
// rewrites baseOffset in place. Appends start synchronously, in request order, so pipelined
// requests on one connection keep their order. acks=1 answers after the write reaches the page
// cache, acks=all after an fsync (shared with concurrent appends), acks=0 never answers — and, as
// Kafka does, closes the connection on an error so the producer notices.
import type { ProduceRequest, ProduceResponseInput, ProduceResponsePartitionProduceResponseInput } from '../../protocol/generated/produce.js';
import { validateBatches } from '../../protocol/record-batch.js';
import { ErrorCode } from '../../protocol/errors.js';
import { CompressionCodec } from '../../protocol/compression.js';
import { checkCompactedTopicKeys } from '../log/compacted-topic.js';
import type { ApiHandler } from './index.js';
import { errorCodeOf, errorMessageOf } from './common.js';

type PartitionResult = ProduceResponsePartitionProduceResponseInput;

const failed = (index: number, errorCode: number, errorMessage: string | null = null): PartitionResult => ({
  index,
  errorCode,
  baseOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
  recordErrors: [],
  errorMessage,
});

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponseInput> = {
  apiKey: 0,
  minVersion: 3,
  maxVersion: 11,
  async handle(ctx, req) {
    const { broker } = ctx;
    const acks = req.acks;
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    const durable = acks === -1;
    let anyError = false;

    // Phase 1, synchronous: validate and append every partition, in request order.
    const pending: { name: string; results: (PartitionResult | Promise<PartitionResult>)[] }[] = [];
    for (const topicData of req.topicData) {
      const topic = broker.logs.topic(topicData.name);
      const results: (PartitionResult | Promise<PartitionResult>)[] = [];
      for (const p of topicData.partitionData) {
        if (!validAcks) {
          results.push(failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS));
          continue;
        }
        const log = topic?.partitions[p.index];
        if (!topic || !log) {
          results.push(failed(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        const records = p.records;
        if (!records || records.length === 0) {
          results.push(failed(p.index, ErrorCode.INVALID_RECORD, `Produce requests with version ${ctx.apiVersion} must have at least one record batch per partition`));
          continue;
        }
        // Kafka, like us, allows exactly one batch per partition in a v3+ produce request.
        const validation = validateBatches(records, { maxMessageBytes: log.currentConfig.maxMessageBytes, singleBatch: true });
        if (validation.errorCode === 0 && ctx.apiVersion < 7 && validation.batches.some((b) => b.compression === CompressionCodec.zstd)) {
          // zstd arrived with Produce v7 (KIP-110): older requests cannot carry it.
          results.push(failed(p.index, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd compression requires Produce v7 or later'));
          continue;
        }
        if (validation.errorCode !== 0) {
          broker.logOnce(`produce-invalid:${validation.errorCode}`, `rejected produce to ${topicData.name}-${p.index} from ${ctx.connection.remote}: ${validation.errorMessage}`);
          results.push(failed(p.index, validation.errorCode, validation.errorMessage));
          continue;
        }
        const keyProblem = checkCompactedTopicKeys(records, log.currentConfig, topicData.name, p.index);
        if (keyProblem) {
          results.push(failed(p.index, keyProblem.errorCode, keyProblem.errorMessage));
          continue;
        }
        let appended;
        try {
          appended = log.append(records, { durable, recordCount: validation.recordCount });
        } catch (err) {
          results.push(failed(p.index, errorCodeOf(broker, err, `appending to ${topicData.name}-${p.index}`), errorMessageOf(err)));
          continue;
        }
        broker.appendWaiters.notify(log);
        results.push(
          appended.then(
            (r): PartitionResult => {
              // Wake long-polling fetches again in case the first notice came before the bytes were readable.
              broker.appendWaiters.notify(log);
              return { index: p.index, errorCode: 0, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTime, logStartOffset: r.logStartOffset, recordErrors: [], errorMessage: null };
            },
            (err): PartitionResult => failed(p.index, errorCodeOf(broker, err, `appending to ${topicData.name}-${p.index}`), errorMessageOf(err)),
          ),
        );
      }
      pending.push({ name: topicData.name, results });
    }

    // Phase 2: wait for the writes (and fsyncs) to complete.
    const responses = [];
    for (const t of pending) {
      const partitionResponses = await Promise.all(t.results);
      for (const r of partitionResponses) if (r.errorCode !== 0) anyError = true;
      responses.push({ name: t.name, partitionResponses });
    }

    if (acks === 0) {
      if (anyError) ctx.connection.close();
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
};
