// The logical dataflow a job's API calls build: sources, operators and the edges between them
// (main outputs and side outputs by tag). The runtime instantiates it once per task.
import type { OperatorFactory } from './runtime/operator.js';
import type { Serde } from './serdes.js';
import type { WatermarkStrategy } from './time/watermark-strategy.js';

export interface PlanEdge {
  from: PlanNode;
  /** A side output of `from`; undefined for its main output. */
  tag?: string;
  /**
   * The edge carries records but not event time: the target's watermark leaves this input out. A
   * table feeding a stream–table join is one — a compacted topic that rarely changes must not hold
   * back the stream's windows downstream.
   */
  ignoreWatermark?: boolean;
}

/** Records from memory: an iterable, or a generator function called once per run. */
export interface ItemsSourceSpec {
  kind: 'items';
  items: () => Iterable<unknown> | AsyncIterable<unknown>;
  /** The items are `{ value, timestamp }` pairs: the timestamp (or, when null, the read time) is the record's. */
  timestamped?: boolean;
  key?: (value: unknown) => unknown;
}

export interface TopicSourceSpec {
  kind: 'topic';
  topic: string;
  keySerde: Serde<unknown>;
  valueSerde: Serde<unknown>;
  /** Where a partition without a committed offset starts. Default earliest. */
  startFrom: 'earliest' | 'latest';
  /** Stop at the end offsets seen when the job started: the topic as a bounded input. */
  bounded: boolean;
}

export interface SourceSpec {
  spec: ItemsSourceSpec | TopicSourceSpec;
  watermarks: WatermarkStrategy<unknown>;
}

/**
 * A repartition (Kafka Streams' repartition topics): on a cluster the node's input is written to an
 * internal topic keyed by the stream's key, and the node reads that topic back as a source of its
 * own, so downstream operators see every record of a key in one task. In memory (one task) the node
 * passes records through.
 */
export interface RepartitionSpec {
  /** `<applicationId>-<name>-repartition`. */
  topic: string;
  /** Partitions when the runtime creates the topic; default: as many as the job's sources have. */
  partitions?: number;
}

/** A topic the runtime creates for the job itself (besides its changelog). */
export interface InternalTopic {
  topic: string;
  partitions?: number;
  configs: Record<string, string>;
}

export interface PlanNode {
  readonly id: number;
  /** Unique within the job; state, changelog entries and metrics are filed under it. */
  readonly name: string;
  readonly inputs: PlanEdge[];
  readonly source?: SourceSpec;
  readonly create?: OperatorFactory;
  /**
   * The side-output tags the node can emit, so getSideOutput can refuse a tag that would never see a
   * record; undefined: any tag (a process function chooses at run time).
   */
  readonly sideOutputs?: readonly string[];
  /** A window operator (error messages). */
  readonly windowed?: boolean;
  /** Set on a repartition node, which also has `source` (how the topic is read back). */
  readonly repartition?: RepartitionSpec;
  /** Output topics this node writes (sinks), so the runtime can check or create them. */
  readonly writesTopics?: string[];
  /** A join: the topics behind its inputs must have the same partition count (see joins/co-partitioning.ts). */
  readonly coPartitioned?: boolean;
}

export class Plan {
  readonly nodes: PlanNode[] = [];
  private readonly names = new Set<string>();

  /** A unique name: `base`, or `base-2`, `base-3`… when taken. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}-${i}`;
    return name;
  }

  add(node: Omit<PlanNode, 'id' | 'name'> & { name: string; exactName?: boolean }): PlanNode {
    if (node.exactName && this.names.has(node.name)) throw new Error(`an operator named '${node.name}' already exists in this job`);
    const name = node.exactName ? node.name : this.uniqueName(node.name);
    this.names.add(name);
    const { exactName: _ignored, ...rest } = node;
    void _ignored;
    const n: PlanNode = { ...rest, id: this.nodes.length, name };
    this.nodes.push(n);
    return n;
  }

  sources(): PlanNode[] {
    return this.nodes.filter((n) => n.source);
  }

  /** Whether a user source reads a topic: the job then runs on a cluster, and repartitions go through topics. */
  readsTopics(): boolean {
    return this.nodes.some((n) => n.source?.spec.kind === 'topic' && !n.repartition);
  }

  /**
   * Repartition topics. Kept forever (retention.ms -1): their records carry event times as
   * timestamps, which time-based retention would take for old records and delete unread.
   */
  internalTopics(): InternalTopic[] {
    // Asked first thing by the cluster runtime: the place to refuse what it cannot run.
    if (this.nodes.some((n) => n.repartition) && this.nodes.some((n) => n.source?.spec.kind === 'topic' && n.source.spec.bounded)) {
      throw new Error('bounded topic sources and repartition do not mix yet: a repartition source has no end to reach');
    }
    return this.nodes.flatMap((n) => (n.repartition ? [{ topic: n.repartition.topic, ...(n.repartition.partitions ? { partitions: n.repartition.partitions } : {}), configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } }] : []));
  }

  /** Topic sources, repartition topics included (on a cluster they are read like any other). */
  topicSources(): Array<PlanNode & { source: SourceSpec & { spec: TopicSourceSpec } }> {
    return this.nodes.filter((n) => n.source?.spec.kind === 'topic') as Array<PlanNode & { source: SourceSpec & { spec: TopicSourceSpec } }>;
  }
}
