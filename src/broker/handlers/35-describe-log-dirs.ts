// DescribeLogDirs (key 35), v0–4: one log directory (the data dir) holding every partition, with
// partition sizes; v4 adds the file system's total and usable bytes.
import { statfs } from 'node:fs/promises';
import type { DescribeLogDirsRequest, DescribeLogDirsResponseInput, DescribeLogDirsResponseDescribeLogDirsTopicInput } from '../../protocol/generated/describe-log-dirs.js';
import type { ApiHandler } from './index.js';

export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponseInput> = {
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { broker } = ctx;
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const topics: DescribeLogDirsResponseDescribeLogDirsTopicInput[] = [];
    for (const topic of broker.logs.topics()) {
      const only = wanted?.get(topic.name);
      if (wanted && !only) continue;
      const partitions = topic.partitions
        .map((log, index) => ({ partitionIndex: index, partitionSize: log.sizeInBytes, offsetLag: 0, isFutureKey: false }))
        .filter((p) => !only || only.has(p.partitionIndex));
      topics.push({ name: topic.name, partitions });
    }
    let totalBytes = -1;
    let usableBytes = -1;
    try {
      const fs = await statfs(broker.logs.dataDir);
      totalBytes = fs.blocks * fs.bsize;
      usableBytes = fs.bavail * fs.bsize;
    } catch {
      // Sizes are informative; an unreadable statfs leaves Kafka's "unknown" (-1).
    }
    return { throttleTimeMs: 0, errorCode: 0, results: [{ errorCode: 0, logDir: broker.logs.dataDir, topics, totalBytes, usableBytes }] };
  },
};
