// The logical dataflow a job's API calls build: sources, operators and the edges between them
// (main outputs and side outputs by tag). The runtime instantiates it once per task.
import type { OperatorFactory } from './runtime/operator.js';
import type { Serde } from './serdes.js';
import type { WatermarkStrategy } from './time/watermark-strategy.js';

export interface PlanEdge {
  from: PlanNode;
  /** A side output of `from`; undefined for its main output. */
  tag?: string;
}

/** Records from memory: an iterable, or a generator function called once per run. */
export interface ItemsSourceSpec {
  kind: 'items';
  items: () => Iterable<unknown> | AsyncIterable<unknown>;
  timestampOf?: (value: unknown) => number;
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
  /** Output topics this node writes (sinks), so the runtime can check or create them. */
  readonly writesTopics?: string[];
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

  topicSources(): Array<PlanNode & { source: SourceSpec & { spec: TopicSourceSpec } }> {
    return this.nodes.filter((n) => n.source?.spec.kind === 'topic') as Array<PlanNode & { source: SourceSpec & { spec: TopicSourceSpec } }>;
  }
}
