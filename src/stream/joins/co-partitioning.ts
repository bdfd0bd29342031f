// A join pairs records by key inside one task, and task p reads partition p of every topic. That only
// finds every pair when both sides are partitioned by the join key over the same number of
// partitions (with the same partitioner): Kafka Streams' co-partitioning requirement. The partitioner
// cannot be checked from here; the partition counts can, before any record is read.
import type { Plan, PlanNode } from '../plan.js';

/** The topics a node reads, through every operator between it and its sources. */
function topicsBehind(node: PlanNode, seen = new Set<number>(), out = new Set<string>()): Set<string> {
  if (seen.has(node.id)) return out;
  seen.add(node.id);
  if (node.source?.spec.kind === 'topic') out.add(node.source.spec.topic);
  for (const e of node.inputs) topicsBehind(e.from, seen, out);
  return out;
}

/** Throws when a join's inputs come from topics with different partition counts. */
export function checkCoPartitioning(plan: Plan, partitionsOf: (topic: string) => number | undefined): void {
  for (const node of plan.nodes) {
    if (!node.coPartitioned) continue;
    const counts = new Map<string, number>();
    for (const e of node.inputs) {
      for (const topic of topicsBehind(e.from)) {
        const n = partitionsOf(topic);
        if (n !== undefined) counts.set(topic, n);
      }
    }
    if (new Set(counts.values()).size > 1) {
      const list = [...counts].map(([t, n]) => `${t} (${n} partition${n === 1 ? '' : 's'})`).join(', ');
      throw new Error(
        `${node.name} joins topics that are not co-partitioned: ${list}. Both inputs of a join must be partitioned by the join key with the same number of partitions; ` +
          'repartition one side through a topic with the other\'s partition count first.',
      );
    }
  }
}
