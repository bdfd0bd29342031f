// Administrative operations: topics, partitions, configs, offsets and the cluster itself. Each
// method sends the request to the broker Kafka expects (the controller for topic changes where a
// controller is known, the partition leader for ListOffsets, any broker otherwise) and turns
// per-resource error codes into thrown KafkaProtocolErrors naming the resource.
import type { Cluster, BrokerInfo, TopicInfo } from './cluster.js';
import type { Connection } from './connection.js';
import { KafkaClientError, kafkaError } from './errors.js';
import { ApiKeys } from './versions.js';
import { GroupAdmin } from './group-admin.js';

export const ConfigResourceType = { topic: 2, broker: 4 } as const;
export type ConfigResourceKind = keyof typeof ConfigResourceType;

/** IncrementalAlterConfigs operations, as numbered on the wire. */
export const ConfigOperation = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface NewTopic {
  name: string;
  /** -1 (default) lets the broker use num.partitions. */
  partitions?: number;
  /** -1 (default) lets the broker use default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  /** Kafka's ConfigSource: 1 dynamic topic, 4 static broker, 5 default … */
  source: number;
  isSensitive: boolean;
  /** Every setting that could supply the value, the one in force first (only when asked for). */
  synonyms?: { name: string; value: string | null; source: number }[];
}

export interface ConfigChange {
  name: string;
  op: keyof typeof ConfigOperation;
  value?: string | null;
}

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionOffset {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface LogDirDescription {
  brokerId: number;
  logDir: string;
  /** -1 where the broker does not say (DescribeLogDirs before v4). */
  totalBytes: number;
  usableBytes: number;
  partitions: { topic: string; partition: number; size: number; offsetLag: number }[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

/** One transactional id as ListTransactions reports it. */
export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  /** Kafka's TransactionState name: Empty, Ongoing, PrepareCommit, CompleteCommit, PrepareAbort, CompleteAbort, Dead, PrepareEpochFence. */
  state: string;
  /** The broker that coordinates it. */
  coordinatorId: number;
}

export interface TransactionDescription {
  transactionalId: string;
  coordinatorId: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** When the open transaction began (ms since the epoch), or -1 when none is open. */
  startTimeMs: number;
  /** Partitions in the transaction, by topic. */
  topics: { topic: string; partitions: number[] }[];
}

/** A producer's state on one partition, as DescribeProducers reports it. */
export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction on this partition, or -1. */
  currentTxnStartOffset: number;
}

export interface PartitionProducers {
  topic: string;
  partition: number;
  producers: ProducerState[];
}

/** FindCoordinator's key type for transactional ids. */
const TRANSACTION_KEY = 1;

const EARLIEST = -2;
const LATEST = -1;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export class Admin {
  /** Consumer-group administration (list, describe, delete, offsets). */
  readonly groups: GroupAdmin;

  constructor(private readonly cluster: Cluster) {
    this.groups = new GroupAdmin(cluster);
  }

  /** Moves partitions' log start offsets (DeleteRecords; -1 = the high watermark); returns the new ones. */
  async deleteRecords(topic: string, offsets: { partition: number; offset: number }[]): Promise<{ partition: number; lowWatermark: number }[]> {
    const byLeader = new Map<number, { partitionIndex: number; offset: number }[]>();
    for (const o of offsets) {
      const leader = await this.cluster.leaderOf(topic, o.partition);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push({ partitionIndex: o.partition, offset: o.offset });
    }
    const out: { partition: number; lowWatermark: number }[] = [];
    for (const [leader, partitions] of byLeader) {
      const conn = await this.cluster.brokerConnection(leader);
      const res = await conn.send(ApiKeys.DeleteRecords, { topics: [{ name: topic, partitions }], timeoutMs: this.cluster.requestTimeoutMs });
      for (const p of res.topics[0].partitions) {
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, `topic ${topic} partition ${p.partitionIndex}`);
        out.push({ partition: p.partitionIndex, lowWatermark: p.lowWatermark });
      }
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Every broker's log directories with the size of each partition in them (all topics when topics is omitted). */
  async describeLogDirs(topics?: { topic: string; partitions: number[] }[]): Promise<LogDirDescription[]> {
    await this.cluster.refreshMetadata([]);
    const out: LogDirDescription[] = [];
    for (const b of this.cluster.knownBrokers()) {
      const conn = await this.cluster.brokerConnection(b.nodeId);
      const res = await conn.send(ApiKeys.DescribeLogDirs, { topics: topics ? topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) : null });
      if (res.errorCode) throw kafkaError(res.errorCode, `log dirs of broker ${b.nodeId}`);
      for (const r of res.results) {
        if (r.errorCode !== 0) throw kafkaError(r.errorCode, `log dir ${r.logDir} of broker ${b.nodeId}`);
        out.push({
          brokerId: b.nodeId,
          logDir: r.logDir,
          totalBytes: r.totalBytes ?? -1,
          usableBytes: r.usableBytes ?? -1,
          partitions: r.topics
            .flatMap((t: { name: string; partitions: { partitionIndex: number; partitionSize: number; offsetLag: number }[] }) =>
              t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag) })))
            .sort((x: { topic: string; partition: number }, y: { topic: string; partition: number }) => x.topic.localeCompare(y.topic) || x.partition - y.partition),
        });
      }
    }
    return out;
  }

  /** The controller where Kafka wants topic changes sent (any broker accepts them since KIP-590). */
  private async controller(): Promise<Connection> {
    if (this.cluster.controllerId < 0) await this.cluster.refreshMetadata([]);
    if (this.cluster.controllerId >= 0) {
      try {
        return await this.cluster.brokerConnection(this.cluster.controllerId);
      } catch {
        // fall through to any broker
      }
    }
    return this.cluster.anyConnection();
  }

  async createTopics(topics: NewTopic[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<CreatedTopic[]> {
    const conn = await this.controller();
    const res = await conn.send(ApiKeys.CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: options.timeoutMs ?? 30_000,
      validateOnly: options.validateOnly ?? false,
    });
    const out: CreatedTopic[] = [];
    for (const t of res.topics) {
      if (t.errorCode !== 0) throw kafkaError(t.errorCode, `topic ${t.name}`, t.errorMessage);
      const asked = topics.find((x) => x.name === t.name);
      out.push({
        name: t.name,
        topicId: t.topicId ?? ZERO_UUID,
        partitions: t.numPartitions > 0 ? t.numPartitions : asked?.partitions ?? -1,
        replicationFactor: t.replicationFactor > 0 ? t.replicationFactor : asked?.replicationFactor ?? -1,
      });
    }
    for (const t of topics) this.cluster.invalidate(t.name);
    return out;
  }

  async deleteTopics(names: string[], options: { timeoutMs?: number } = {}): Promise<void> {
    const conn = await this.controller();
    const res = await conn.send(ApiKeys.DeleteTopics, {
      topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
      topicNames: names,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    for (const t of res.responses) {
      if (t.errorCode !== 0) throw kafkaError(t.errorCode, `topic ${t.name}`, t.errorMessage);
    }
    for (const n of names) this.cluster.invalidate(n);
  }

  /** Raises a topic's partition count to `count` (Kafka cannot lower it). */
  async createPartitions(topic: string, count: number, options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const conn = await this.controller();
    const res = await conn.send(ApiKeys.CreatePartitions, {
      topics: [{ name: topic, count, assignments: null }],
      timeoutMs: options.timeoutMs ?? 30_000,
      validateOnly: options.validateOnly ?? false,
    });
    for (const r of res.results) {
      if (r.errorCode !== 0) throw kafkaError(r.errorCode, `topic ${r.name}`, r.errorMessage);
    }
    this.cluster.invalidate(topic);
  }

  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const res = await this.cluster.refreshMetadata(null);
    return res.topics
      .filter((t: any) => t.name !== null && t.errorCode === 0 && (options.includeInternal || !t.isInternal))
      .map((t: any) => t.name as string)
      .sort();
  }

  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    const out: TopicInfo[] = [];
    for (const name of names) out.push(await this.cluster.topic(name, { refresh: true }));
    return out;
  }

  /** A topic's or a broker's configs; the broker resource "" holds the cluster-wide dynamic defaults. */
  async describeConfigs(kind: ConfigResourceKind, name: string, keys: string[] | null = null, options: { synonyms?: boolean } = {}): Promise<ConfigEntry[]> {
    const conn = kind === 'broker' && /^\d+$/.test(name) ? await this.cluster.brokerConnection(Number(name)) : await this.cluster.anyConnection();
    const res = await conn.send(ApiKeys.DescribeConfigs, {
      resources: [{ resourceType: ConfigResourceType[kind], resourceName: name, configurationKeys: keys }],
      includeSynonyms: options.synonyms ?? false,
      includeDocumentation: false,
    });
    const r = res.results[0];
    if (!r) throw new KafkaClientError('PROTOCOL_ERROR', `DescribeConfigs answered no result for ${kind} ${name}`);
    if (r.errorCode !== 0) throw kafkaError(r.errorCode, `${kind} ${name}`, r.errorMessage);
    return r.configs
      .map((c: any): ConfigEntry => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        // v1+ reports a source instead of isDefault; DEFAULT_CONFIG is 5.
        isDefault: c.configSource === undefined || c.configSource < 0 ? Boolean(c.isDefault) : c.configSource === 5,
        source: c.configSource ?? -1,
        isSensitive: c.isSensitive,
        ...(options.synonyms ? { synonyms: (c.synonyms ?? []).map((y: any) => ({ name: y.name, value: y.value, source: y.source })) } : {}),
      }))
      .sort((a: ConfigEntry, b: ConfigEntry) => a.name.localeCompare(b.name));
  }

  /**
   * Applies config changes. Uses IncrementalAlterConfigs; a broker without it gets AlterConfigs,
   * which replaces the whole dynamic config, so the current values are read first and merged.
   */
  async alterConfigs(kind: ConfigResourceKind, name: string, changes: ConfigChange[], options: { validateOnly?: boolean } = {}): Promise<void> {
    const conn = kind === 'broker' && /^\d+$/.test(name) ? await this.cluster.brokerConnection(Number(name)) : await this.cluster.anyConnection();
    const resourceType = ConfigResourceType[kind];
    if (conn.supports(ApiKeys.IncrementalAlterConfigs)) {
      const res = await conn.send(ApiKeys.IncrementalAlterConfigs, {
        resources: [{ resourceType, resourceName: name, configs: changes.map((c) => ({ name: c.name, configOperation: ConfigOperation[c.op], value: c.value ?? null })) }],
        validateOnly: options.validateOnly ?? false,
      });
      for (const r of res.responses) if (r.errorCode !== 0) throw kafkaError(r.errorCode, `${kind} ${name}`, r.errorMessage);
      return;
    }
    const current = await this.describeConfigs(kind, name);
    const merged = new Map<string, string | null>();
    // What AlterConfigs replaces: a topic's overrides (source 1), a broker's own dynamic configs (2), or
    // the cluster-wide dynamic defaults (3, resource name "").
    const replaced = kind === 'topic' ? 1 : name === '' ? 3 : 2;
    for (const c of current) if (!c.readOnly && c.source === replaced) merged.set(c.name, c.value);
    for (const c of changes) {
      if (c.op === 'set') merged.set(c.name, c.value ?? null);
      else if (c.op === 'delete') merged.delete(c.name);
      else throw new KafkaClientError('UNSUPPORTED_VERSION', `${c.op} needs IncrementalAlterConfigs, which ${conn.address} does not support`);
    }
    const res = await conn.send(ApiKeys.AlterConfigs, {
      resources: [{ resourceType, resourceName: name, configs: [...merged].map(([n, value]) => ({ name: n, value })) }],
      validateOnly: options.validateOnly ?? false,
    });
    for (const r of res.responses) if (r.errorCode !== 0) throw kafkaError(r.errorCode, `${kind} ${name}`, r.errorMessage);
  }

  /**
   * Offsets per partition (all partitions by default), each asked of its leader. With isolationLevel 1
   * (read_committed) 'latest' is the last stable offset: where a read_committed consumer stops.
   */
  async listOffsets(topic: string, spec: OffsetSpec, partitions?: number[], options: { isolationLevel?: 0 | 1 } = {}): Promise<PartitionOffset[]> {
    const timestamp = spec === 'earliest' ? EARLIEST : spec === 'latest' ? LATEST : spec.timestamp;
    return this.cluster.withRetry(async () => {
      const info = await this.cluster.topic(topic);
      const wanted = partitions ?? info.partitions.map((p) => p.partition);
      const byLeader = new Map<number, number[]>();
      for (const p of wanted) {
        const leader = await this.cluster.leaderOf(topic, p);
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(p);
      }
      const results = await Promise.all(
        [...byLeader].map(async ([leader, parts]) => {
          const conn = await this.cluster.brokerConnection(leader);
          const res = await conn.send(ApiKeys.ListOffsets, {
            replicaId: -1,
            isolationLevel: options.isolationLevel ?? 0,
            topics: [{ name: topic, partitions: parts.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
            timeoutMs: this.cluster.requestTimeoutMs,
          });
          const out: PartitionOffset[] = [];
          for (const t of res.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0) throw kafkaError(p.errorCode, `topic ${topic} partition ${p.partitionIndex}`);
              out.push({ partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp });
            }
          }
          return out;
        }),
      );
      return results.flat().sort((a, b) => a.partition - b.partition);
    });
  }

  /** DescribeCluster where the broker has it (Kafka 2.8+), Metadata otherwise. */
  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.cluster.anyConnection();
    if (conn.supports(ApiKeys.DescribeCluster)) {
      const res = await conn.send(ApiKeys.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, 'DescribeCluster', res.errorMessage);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        brokers: res.brokers.map((b: any) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack ?? null })),
      };
    }
    await this.cluster.refreshMetadata([]);
    return { clusterId: this.cluster.clusterId, controllerId: this.cluster.controllerId, brokers: this.cluster.knownBrokers() };
  }

  /**
   * Transactional ids on every broker (each lists those it coordinates), optionally only those in
   * some states or of some producer ids. A state name the broker does not know is an error, not an
   * empty answer.
   */
  async listTransactions(filters: { states?: string[]; producerIds?: number[] } = {}): Promise<TransactionListing[]> {
    await this.cluster.refreshMetadata([]);
    const out: TransactionListing[] = [];
    for (const b of this.cluster.knownBrokers()) {
      const res = await this.cluster.withRetry(async () => {
        const conn = await this.cluster.brokerConnection(b.nodeId);
        const r = await conn.send(ApiKeys.ListTransactions, { stateFilters: filters.states ?? [], producerIdFilters: filters.producerIds ?? [], durationFilter: -1 });
        if (r.errorCode !== 0) throw kafkaError(r.errorCode, `listing transactions on broker ${b.nodeId}`);
        return r;
      });
      if (res.unknownStateFilters.length > 0) {
        throw new KafkaClientError('INVALID_REQUEST', `unknown transaction state${res.unknownStateFilters.length > 1 ? 's' : ''} ${res.unknownStateFilters.join(', ')} (broker ${b.nodeId})`);
      }
      for (const t of res.transactionStates) out.push({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinatorId: b.nodeId });
    }
    return out.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
  }

  /** The broker coordinating a transactional id (FindCoordinator, key type 1). */
  private async transactionCoordinator(transactionalId: string): Promise<number> {
    return this.cluster.withRetry(async () => {
      const conn = await this.cluster.anyConnection();
      const res = await conn.send(ApiKeys.FindCoordinator, { key: transactionalId, keyType: TRANSACTION_KEY, coordinatorKeys: [transactionalId] });
      const found = res.coordinators?.length ? res.coordinators[0] : res;
      if (found.errorCode !== 0) throw kafkaError(found.errorCode, `transactional id ${transactionalId}`, found.errorMessage);
      return found.nodeId as number;
    });
  }

  /** State, producer, timeout and partitions of transactional ids, in the order asked. */
  async describeTransactions(transactionalIds: string[]): Promise<TransactionDescription[]> {
    const byCoordinator = new Map<number, string[]>();
    for (const id of transactionalIds) {
      const node = await this.transactionCoordinator(id);
      let list = byCoordinator.get(node);
      if (!list) byCoordinator.set(node, (list = []));
      list.push(id);
    }
    const found = new Map<string, TransactionDescription>();
    for (const [node, ids] of byCoordinator) {
      const states = await this.cluster.withRetry(async () => {
        const conn = await this.cluster.brokerConnection(node);
        const res = await conn.send(ApiKeys.DescribeTransactions, { transactionalIds: ids });
        // Retriable ones (the coordinator still loading) are retried; the rest name the id.
        for (const t of res.transactionStates) if (t.errorCode !== 0) throw kafkaError(t.errorCode, `transactional id ${t.transactionalId}`);
        return res.transactionStates;
      });
      for (const t of states) {
        found.set(t.transactionalId, {
          transactionalId: t.transactionalId,
          coordinatorId: node,
          state: t.transactionState,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          timeoutMs: t.transactionTimeoutMs,
          startTimeMs: t.transactionStartTimeMs,
          topics: t.topics
            .map((x: { topic: string; partitions: number[] }) => ({ topic: x.topic, partitions: [...x.partitions].sort((a, b) => a - b) }))
            .sort((x: { topic: string }, y: { topic: string }) => x.topic.localeCompare(y.topic)),
        });
      }
    }
    return transactionalIds.map((id) => {
      const d = found.get(id);
      if (!d) throw new KafkaClientError('PROTOCOL_ERROR', `DescribeTransactions answered nothing for ${id}`);
      return d;
    });
  }

  /**
   * Active producers of partitions (every partition of a topic when `partitions` is omitted), each
   * asked of the partition's leader: ids, epochs, last sequence, open transaction's first offset.
   */
  async describeProducers(topics: { topic: string; partitions?: number[] }[]): Promise<PartitionProducers[]> {
    return this.cluster.withRetry(async () => {
      const byLeader = new Map<number, Map<string, number[]>>();
      for (const t of topics) {
        const info = await this.cluster.topic(t.topic);
        for (const p of t.partitions ?? info.partitions.map((x) => x.partition)) {
          const leader = await this.cluster.leaderOf(t.topic, p);
          let perTopic = byLeader.get(leader);
          if (!perTopic) byLeader.set(leader, (perTopic = new Map()));
          let list = perTopic.get(t.topic);
          if (!list) perTopic.set(t.topic, (list = []));
          list.push(p);
        }
      }
      const out: PartitionProducers[] = [];
      for (const [leader, perTopic] of byLeader) {
        const conn = await this.cluster.brokerConnection(leader);
        const res = await conn.send(ApiKeys.DescribeProducers, { topics: [...perTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
        for (const t of res.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) throw kafkaError(p.errorCode, `topic ${t.name} partition ${p.partitionIndex}`, p.errorMessage);
            out.push({
              topic: t.name,
              partition: p.partitionIndex,
              producers: p.activeProducers
                .map((s: ProducerState) => ({
                  producerId: s.producerId,
                  producerEpoch: s.producerEpoch,
                  lastSequence: s.lastSequence,
                  lastTimestamp: s.lastTimestamp,
                  coordinatorEpoch: s.coordinatorEpoch,
                  currentTxnStartOffset: s.currentTxnStartOffset,
                }))
                .sort((a: ProducerState, b: ProducerState) => a.producerId - b.producerId),
            });
          }
        }
      }
      return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }
}
