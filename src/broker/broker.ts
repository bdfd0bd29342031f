// Shared state of one running broker, handed to every request handler: configuration, the log
// manager, identity (node id, cluster id, advertised endpoint) and the cross-connection machinery
// (fetch sessions, long-poll waiters, connection tracking, log-once diagnostics).
import type { BrokerConfig } from './broker-config.js';
import type { LogManager, TopicInfo } from './log/log-manager.js';
import type { PartitionLog } from './log/partition-log.js';
import type { Connection } from './connection.js';
import { AppendWaiters } from './append-waiters.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { HANDLERS } from './handlers/index.js';
import type { ApiVersionsResponseInput } from '../protocol/generated/api-versions.js';
import { GroupCoordinator } from './group/coordinator.js';
import { OffsetsTopic } from './group/offsets-topic.js';
import { parseGroupConfig } from './group/group-config.js';
import { RealTimers } from './group/timers.js';
import { DynamicBrokerConfigs } from './dynamic-broker-configs.js';
import { TransactionCoordinator, parseTxnConfig } from './txn/transaction-coordinator.js';
import { TransactionLog } from './txn/transaction-log.js';
import { ProducerIdAllocator } from './txn/producer-ids.js';

export interface BrokerIdentity {
  clusterId: string;
  host: string;
  port: number;
}

export class Broker {
  readonly appendWaiters = new AppendWaiters<PartitionLog>();
  readonly fetchSessions = new FetchSessionCache();
  private readonly connections = new Set<Connection>();
  private readonly logged = new Set<string>();
  private readonly creating = new Map<string, Promise<TopicInfo>>();
  /** The consumer-group coordinator and its store, the internal topic __consumer_offsets. */
  readonly groups: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  private readonly groupTimers = new RealTimers();
  /** Broker configs changed at runtime (AlterConfigs on the broker resource), persisted in the data dir. */
  readonly dynamicConfigs: DynamicBrokerConfigs;
  /** The transaction coordinator (and producer id allocation); set up by loadTransactions. */
  transactions!: TransactionCoordinator;

  constructor(
    readonly config: BrokerConfig,
    readonly logs: LogManager,
    readonly identity: BrokerIdentity,
    readonly log: (line: string) => void,
  ) {
    this.dynamicConfigs = DynamicBrokerConfigs.open(config, logs);
    const groupConfig = parseGroupConfig(config.raw);
    this.offsetsTopic = new OffsetsTopic(logs, groupConfig.offsetsTopicPartitions, log);
    this.groups = new GroupCoordinator(this.offsetsTopic, this.groupTimers, groupConfig.coordinator, log);
  }

  /** Rebuilds groups and offsets from __consumer_offsets; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS. */
  async loadGroups(): Promise<void> {
    const started = Date.now();
    await this.groups.load((visit, visitPending) => this.offsetsTopic.readAll(visit, visitPending));
    this.groups.startExpiry();
    if (this.logs.topic('__consumer_offsets')) this.log(`loaded consumer groups from __consumer_offsets in ${Date.now() - started} ms`);
  }

  /** Opens the producer id allocator and rebuilds transactions from __transaction_state (after the groups). */
  async loadTransactions(): Promise<void> {
    const ids = await ProducerIdAllocator.open(this.logs.dataDir);
    const config = parseTxnConfig(this.config.raw);
    this.transactions = new TransactionCoordinator(
      this.logs, new TransactionLog(this.logs, config.logPartitions, this.log), ids, this.groups, this.offsetsTopic,
      (log) => this.appendWaiters.notify(log), config, this.log,
    );
  }

  stopGroups(): void {
    this.transactions?.stop();
    this.groups.stop();
    this.groupTimers.clearAll();
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  /**
   * The topic, auto-created with the broker's defaults when missing. Concurrent requests for the
   * same new topic share one creation.
   */
  ensureTopic(name: string): Promise<TopicInfo> {
    const existing = this.logs.topic(name);
    if (existing) return Promise.resolve(existing);
    const inflight = this.creating.get(name);
    if (inflight) return inflight;
    const pending = this.logs.createTopic(name, this.config.numPartitions, {}).finally(() => this.creating.delete(name));
    this.creating.set(name, pending);
    pending.then(
      () => this.log(`auto-created topic ${name} with ${this.config.numPartitions} partition(s)`),
      () => undefined,
    );
    return pending;
  }

  /** Logs a diagnostic once per kind, so a misbehaving client cannot flood the log. */
  logOnce(kind: string, line: string): void {
    if (this.logged.has(kind)) return;
    if (this.logged.size > 10_000) this.logged.clear();
    this.logged.add(kind);
    this.log(line);
  }

  connectionOpened(c: Connection): void {
    this.connections.add(c);
  }

  connectionClosed(c: Connection): void {
    this.connections.delete(c);
  }

  closeAllConnections(): void {
    for (const c of [...this.connections]) c.close();
    this.appendWaiters.notifyAll();
  }

  /** ApiVersions' answer, derived from the handler table so it can never drift from what we serve. */
  apiVersionsResponse(errorCode: number): ApiVersionsResponseInput {
    const apiKeys = [...HANDLERS.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
    return { errorCode, apiKeys, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false };
  }
}
