// The client's view of a cluster: bootstrap servers, a metadata cache, one connection per broker
// and a retry loop for the errors a cluster throws during normal life (leader moves, a topic that
// was just created, a broker restarting).
import { Connection } from './connection.js';
import { ConnectionError, KafkaClientError, isRetriable, kafkaError } from './errors.js';
import { ApiKeys } from './versions.js';

export interface ClusterOptions {
  /** "host:port" entries, as an array or comma-separated. */
  bootstrapServers: string | string[];
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Attempts after the first for retriable errors. */
  retries?: number;
  /** First retry delay; doubles per attempt up to retryBackoffMaxMs. */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Cached topic metadata older than this is refreshed before use. */
  metadataMaxAgeMs?: number;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** Indexed by partition number. */
  partitions: PartitionInfo[];
}

interface CachedTopic {
  info: TopicInfo;
  fetchedAt: number;
}

export function parseHostPort(address: string, defaultPort = 9092): { host: string; port: number } {
  const s = address.trim().replace(/^[a-z]+:\/\//i, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const i = s.lastIndexOf(':');
  if (i < 0) return { host: s, port: defaultPort };
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new KafkaClientError('INVALID_ADDRESS', `invalid port in "${address}"`);
  return { host: s.slice(0, i), port };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Cluster {
  readonly clientId: string;
  private readonly bootstrap: Array<{ host: string; port: number }>;
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, CachedTopic>();
  private readonly options: Required<Omit<ClusterOptions, 'bootstrapServers' | 'clientId'>>;
  private closed = false;
  clusterId: string | null = null;
  controllerId = -1;

  constructor(options: ClusterOptions) {
    const list = Array.isArray(options.bootstrapServers) ? options.bootstrapServers : options.bootstrapServers.split(',');
    this.bootstrap = list.filter((s) => s.trim() !== '').map((s) => parseHostPort(s));
    if (this.bootstrap.length === 0) throw new KafkaClientError('INVALID_ADDRESS', 'no bootstrap servers given');
    this.clientId = options.clientId ?? 'kappa';
    this.options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retries: options.retries ?? 8,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1000,
      metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000,
    };
  }

  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs;
  }

  /** A pooled connection to host:port, reopened when the previous one closed. */
  private connectionTo(host: string, port: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new ConnectionError('client is closed'));
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing) {
      return existing.then(
        (c) => (c.closed ? this.reconnect(key, host, port) : c),
        () => this.reconnect(key, host, port),
      );
    }
    return this.reconnect(key, host, port);
  }

  private reconnect(key: string, host: string, port: number): Promise<Connection> {
    const current = this.connections.get(key);
    const p = Connection.connect({ host, port, clientId: this.clientId, connectTimeoutMs: this.options.connectTimeoutMs, requestTimeoutMs: this.options.requestTimeoutMs });
    // Concurrent callers that saw the same dead connection share one reconnect.
    const shared = current ? current.then((c) => (c.closed ? p : c), () => p) : p;
    this.connections.set(key, shared);
    shared.catch(() => {
      if (this.connections.get(key) === shared) this.connections.delete(key);
    });
    return shared;
  }

  /** A connection to any reachable broker: known brokers first, then the bootstrap list. */
  async anyConnection(): Promise<Connection> {
    for (const p of this.connections.values()) {
      const c = await p.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    const errors: string[] = [];
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    for (const { host, port } of candidates) {
      try {
        return await this.connectionTo(host, port);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new ConnectionError(`no broker reachable (${errors.join('; ')})`);
  }

  async brokerConnection(nodeId: number): Promise<Connection> {
    let broker = this.brokers.get(nodeId);
    if (!broker) {
      await this.refreshMetadata([]);
      broker = this.brokers.get(nodeId);
      if (!broker) throw new KafkaClientError('BROKER_NOT_AVAILABLE', `broker ${nodeId} is not in the cluster metadata`, { retriable: true });
    }
    return this.connectionTo(broker.host, broker.port);
  }

  /** Every broker in the last metadata. */
  knownBrokers(): BrokerInfo[] {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /**
   * Fetches metadata for the topics (null: all topics; []: brokers only) and updates the cache.
   * Topic-level errors are left in the returned response for the caller to judge.
   */
  async refreshMetadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<any> {
    const conn = await this.anyConnection();
    const res = await conn.send(ApiKeys.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    });
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId ?? -1;
    if (res.brokers.length > 0) {
      this.brokers.clear();
      for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
    }
    const now = Date.now();
    for (const t of res.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0) {
        this.topics.delete(t.name);
        continue;
      }
      this.topics.set(t.name, { info: topicInfoOf(t), fetchedAt: now });
    }
    return res;
  }

  /** Cached topic metadata, fetched when missing or stale; throws the topic's error otherwise. */
  async topic(name: string, options: { allowAutoTopicCreation?: boolean; refresh?: boolean } = {}): Promise<TopicInfo> {
    const cached = this.topics.get(name);
    if (cached && !options.refresh && Date.now() - cached.fetchedAt < this.options.metadataMaxAgeMs) return cached.info;
    const res = await this.refreshMetadata([name], options.allowAutoTopicCreation ?? false);
    const t = res.topics.find((x: { name: string | null }) => x.name === name);
    if (!t) throw kafkaError(3, `topic ${name}`);
    if (t.errorCode !== 0) throw kafkaError(t.errorCode, `topic ${name}`);
    // Built from this answer, not read back from the cache: a concurrent invalidate() (a producer that
    // just met NOT_LEADER_OR_FOLLOWER) may have emptied the cache entry meanwhile.
    const info = topicInfoOf(t);
    if (info.partitions.length === 0) throw kafkaError(5, `topic ${name} (no partitions yet)`);
    return info;
  }

  /** Forgets cached metadata, so the next use asks the cluster again. */
  invalidate(topic?: string): void {
    if (topic === undefined) this.topics.clear();
    else this.topics.delete(topic);
  }

  async leaderOf(topic: string, partition: number): Promise<number> {
    const info = await this.topic(topic);
    const p = info.partitions[partition];
    if (!p) throw kafkaError(3, `topic ${topic} partition ${partition} (the topic has ${info.partitions.length} partitions)`);
    if (p.leader < 0) throw kafkaError(5, `topic ${topic} partition ${partition}`);
    return p.leader;
  }

  /**
   * Runs fn until it succeeds, retrying retriable errors with exponential backoff and a metadata
   * refresh in between (leaders move, new topics take a moment to appear).
   */
  async withRetry<T>(fn: (attempt: number) => Promise<T>, onRetry?: (err: unknown) => void): Promise<T> {
    let delay = this.options.retryBackoffMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (this.closed || attempt >= this.options.retries || !isRetriable(err)) throw err;
        onRetry?.(err);
        this.invalidate();
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryBackoffMaxMs);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(conns.map((p) => p.then((c) => c.close(), () => undefined)));
  }
}

/** A topic's metadata from a Metadata response entry. */
function topicInfoOf(t: any): TopicInfo {
  const partitions: PartitionInfo[] = [];
  for (const p of t.partitions) {
    partitions[p.partitionIndex] = {
      partition: p.partitionIndex,
      leader: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      offlineReplicas: p.offlineReplicas ?? [],
      errorCode: p.errorCode,
    };
  }
  return { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions };
}
