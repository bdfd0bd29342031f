// Owns the data directory: one PartitionLog per <topic>-<partition> directory, and per-topic metadata in
// <dataDir>/@meta/<topicId>.json ('@' cannot appear in a topic name, so no partition directory collides;
// files are named by id because a 249-character name plus a suffix would exceed the 255-byte file name limit).
//
// Commit points: a topic exists once its metadata file is durable (partition directories are created
// first, so a crash in between leaves orphans that open() removes); deletion removes the metadata first.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from './fs-util.js';
import { hasPolicy, type LogConfig } from './log-config.js';
import type { CleanerStep } from './log-cleaner.js';
import { LogError } from './log-error.js';
import { PartitionLog, type CompactionResult, type PartitionLogOptions } from './partition-log.js';
import {
  DEFAULT_CLEANER_SETTINGS, toLogConfig, validateTopicConfigs, type BrokerLogDefaults, type CleanerSettings,
} from './topic-configs.js';

export interface LogManagerOptions extends PartitionLogOptions {
  retentionCheckIntervalMs?: number;
  /** Overrides the cleaner settings that come with the broker defaults (log.cleaner.*). */
  cleaner?: Partial<CleanerSettings>;
  /** Where the cleaner reports what it did (one line per cleaned partition). */
  log?: (line: string) => void;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: PartitionLog[];
  /** Overrides only; defaults come from the broker. */
  configs: Record<string, string>;
  isInternal: boolean;
}

interface TopicMeta {
  name: string;
  topicId: string;
  partitionCount: number;
  configs: Record<string, string>;
}

const META_DIR = '@meta';
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
const RETENTION_CHECK_INTERVAL_MS = 300000;

/** Kafka's topic name rules; throws INVALID_TOPIC_EXCEPTION. */
export function validateTopicName(name: string): void {
  const bad = (why: string): never => {
    throw new LogError('INVALID_TOPIC_EXCEPTION', `Topic name "${name}" is illegal, ${why}`);
  };
  if (name.length === 0) bad('it is empty');
  if (name === '.' || name === '..') bad('it cannot be "." or ".."');
  if (name.length > MAX_TOPIC_NAME_LENGTH) bad(`it is longer than ${MAX_TOPIC_NAME_LENGTH} characters`);
  if (!LEGAL_NAME.test(name)) bad('it contains a character other than ASCII alphanumerics, ".", "_" and "-"');
}

export class LogManager {
  private readonly topicMap = new Map<string, TopicInfo>();
  /**
   * Names being created, deleted or grown, with the operation in flight: a second operation on the
   * name waits for it and then sees its outcome (two job instances creating the same changelog at once
   * get one creation and one TOPIC_ALREADY_EXISTS, as from Kafka's controller).
   */
  private readonly busy = new Map<string, Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private cleanerTimer: NodeJS.Timeout | null = null;
  private cleanerRun: Promise<unknown> = Promise.resolve();
  readonly cleaner: CleanerSettings;
  private readonly options: LogManagerOptions;

  private constructor(
    readonly dataDir: string,
    private brokerDefaults: BrokerLogDefaults,
    options: LogManagerOptions,
  ) {
    this.cleaner = { ...DEFAULT_CLEANER_SETTINGS, ...brokerDefaults.cleaner, ...options.cleaner };
    const crashAt = this.cleaner.crashAt;
    this.options = crashAt && !options.cleanerHook
      ? {
        ...options,
        // The test knob: die at this step as a power cut would, leaving the files exactly as they are.
        cleanerHook: (step: CleanerStep) => {
          if (step === crashAt) process.kill(process.pid, 'SIGKILL');
        },
      }
      : options;
  }

  static async open(
    dataDir: string, brokerDefaults: BrokerLogDefaults = {},
    options: LogManagerOptions = {},
  ): Promise<LogManager> {
    const m = new LogManager(dataDir, brokerDefaults, options);
    await m.load();
    return m;
  }

  private get metaDir(): string {
    return join(this.dataDir, META_DIR);
  }

  private partitionDir(topic: string, partition: number): string {
    return join(this.dataDir, `${topic}-${partition}`);
  }

  private async load(): Promise<void> {
    await fs.promises.mkdir(this.metaDir, { recursive: true });
    const metas: TopicMeta[] = [];
    for (const file of await fs.promises.readdir(this.metaDir)) {
      if (file.endsWith('.tmp')) {
        await fs.promises.rm(join(this.metaDir, file), { force: true });
        continue;
      }
      if (!file.endsWith('.json')) continue;
      metas.push(JSON.parse(await fs.promises.readFile(join(this.metaDir, file), 'utf8')) as TopicMeta);
    }
    const byName = new Map(metas.map((m) => [m.name, m]));
    // Partition directories no metadata accounts for are leftovers of an interrupted create or delete.
    for (const entry of await fs.promises.readdir(this.dataDir)) {
      const m = /^(.+)-(\d+)$/.exec(entry);
      if (!m || !LEGAL_NAME.test(m[1]!)) continue;
      const meta = byName.get(m[1]!);
      if (!meta || Number(m[2]) >= meta.partitionCount) {
        await fs.promises.rm(join(this.dataDir, entry), { recursive: true, force: true });
      }
    }
    await Promise.all(
      metas.map(async (meta) => {
        const config = toLogConfig(meta.configs, this.brokerDefaults);
        const partitions = await Promise.all(
          Array.from({ length: meta.partitionCount }, (_, i) => PartitionLog.open(this.partitionDir(meta.name, i), config, this.options)),
        );
        this.topicMap.set(meta.name, {
          name: meta.name, topicId: meta.topicId, partitions, configs: meta.configs, isInternal: INTERNAL_TOPICS.has(meta.name),
        });
      }),
    );
  }

  private async persist(t: TopicInfo, partitionCount = t.partitions.length): Promise<void> {
    const meta: TopicMeta = { name: t.name, topicId: t.topicId, partitionCount, configs: t.configs };
    await writeFileAtomic(join(this.metaDir, `${t.topicId}.json`), JSON.stringify(meta));
  }

  /** Waits for any operation in flight on the name, then holds it; `release` must follow in a finally. */
  private async claim(name: string): Promise<() => void> {
    for (let inFlight = this.busy.get(name); inFlight; inFlight = this.busy.get(name)) await inFlight;
    if (this.closed) throw new LogError('KAFKA_STORAGE_ERROR', 'log manager is closed');
    let release!: () => void;
    this.busy.set(name, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.busy.delete(name);
      release();
    };
  }

  private known(name: string): TopicInfo {
    const t = this.topicMap.get(name);
    if (!t) throw new LogError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic ${name}`);
    return t;
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<TopicInfo> {
    validateTopicName(name);
    if (this.topicMap.has(name)) throw new LogError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
    if (!Number.isInteger(partitions) || partitions < 1) throw new LogError('INVALID_PARTITIONS', `Number of partitions must be at least 1, got ${partitions}`);
    const invalid = validateTopicConfigs(configs);
    if (invalid) throw new LogError('INVALID_CONFIG', invalid.errorMessage);
    const release = await this.claim(name);
    try {
      if (this.topicMap.has(name)) throw new LogError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
      const config = toLogConfig(configs, this.brokerDefaults);
      // A stale directory (from a crash before the metadata was written) would otherwise leak old data.
      await Promise.all(Array.from({ length: partitions }, (_, i) => fs.promises.rm(this.partitionDir(name, i), { recursive: true, force: true })));
      const logs = await Promise.all(Array.from({ length: partitions }, (_, i) => PartitionLog.open(this.partitionDir(name, i), config, this.options)));
      await fsyncDir(this.dataDir);
      const topic: TopicInfo = { name, topicId: randomUUID(), partitions: logs, configs: { ...configs }, isInternal: INTERNAL_TOPICS.has(name) };
      await this.persist(topic);
      this.topicMap.set(name, topic);
      return topic;
    } finally {
      release();
    }
  }

  async deleteTopic(name: string): Promise<void> {
    this.known(name);
    const release = await this.claim(name);
    try {
      const t = this.known(name);
      this.topicMap.delete(name);
      await fs.promises.rm(join(this.metaDir, `${t.topicId}.json`), { force: true });
      await fsyncDir(this.metaDir);
      await Promise.all(t.partitions.map((p) => p.delete()));
    } finally {
      release();
    }
  }

  async createPartitions(name: string, totalCount: number): Promise<void> {
    this.known(name);
    const release = await this.claim(name);
    try {
      const t = this.known(name);
      if (!Number.isInteger(totalCount) || totalCount <= t.partitions.length) {
        throw new LogError('INVALID_PARTITIONS', `Topic currently has ${t.partitions.length} partitions, ${totalCount} would not be an increase.`);
      }
      const config = toLogConfig(t.configs, this.brokerDefaults);
      const start = t.partitions.length;
      const added = await Promise.all(
        Array.from({ length: totalCount - start }, async (_, i) => {
          await fs.promises.rm(this.partitionDir(name, start + i), { recursive: true, force: true });
          return PartitionLog.open(this.partitionDir(name, start + i), config, this.options);
        }),
      );
      await fsyncDir(this.dataDir);
      await this.persist(t, totalCount);
      t.partitions.push(...added);
    } finally {
      release();
    }
  }

  /** Sets (string) or removes (null) overrides, then applies the result to every partition. */
  async alterTopicConfigs(name: string, configs: Record<string, string | null>): Promise<void> {
    const t = this.known(name);
    const invalid = validateTopicConfigs(configs);
    if (invalid) throw new LogError('INVALID_CONFIG', invalid.errorMessage);
    const next = { ...t.configs };
    for (const [k, v] of Object.entries(configs)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const updated: TopicInfo = { ...t, configs: next };
    await this.persist(updated);
    t.configs = next;
    const config = toLogConfig(next, this.brokerDefaults);
    for (const p of t.partitions) p.updateConfig(config);
  }

  /** New broker-level defaults (dynamic broker configs): every topic's effective config is recomputed at once. */
  setBrokerDefaults(defaults: BrokerLogDefaults): void {
    this.brokerDefaults = defaults;
    this.cleaner.backoffMs = { ...DEFAULT_CLEANER_SETTINGS, ...defaults.cleaner, ...this.options.cleaner }.backoffMs;
    for (const t of this.topicMap.values()) {
      const config = toLogConfig(t.configs, defaults);
      for (const p of t.partitions) p.updateConfig(config);
    }
  }

  topic(name: string): TopicInfo | undefined {
    return this.topicMap.get(name);
  }

  topics(): TopicInfo[] {
    return [...this.topicMap.values()];
  }

  partition(topic: string, index: number): PartitionLog | undefined {
    return this.topicMap.get(topic)?.partitions[index];
  }

  /** Effective LogConfig of a topic (overrides over broker defaults). */
  logConfigOf(name: string): LogConfig | undefined {
    const t = this.topicMap.get(name);
    return t && toLogConfig(t.configs, this.brokerDefaults);
  }

  /** One retention pass over every partition; returns the segments deleted. */
  async enforceRetention(now?: number): Promise<number> {
    let deleted = 0;
    for (const t of this.topicMap.values()) {
      for (const p of t.partitions) deleted += await p.enforceRetention(now);
    }
    return deleted;
  }

  /**
   * One cleaner pass: every partition of a compacted topic that is eligible (dirty ratio, max lag, due
   * tombstones) is cleaned, one at a time. Returns what was cleaned. Passes never overlap.
   */
  runCleanerOnce(now?: number): Promise<{ topic: string; partition: number; result: CompactionResult }[]> {
    const run = this.cleanerRun.then(async () => {
      const done: { topic: string; partition: number; result: CompactionResult }[] = [];
      for (const t of [...this.topicMap.values()]) {
        if (!hasPolicy(toLogConfig(t.configs, this.brokerDefaults).cleanupPolicy, 'compact')) continue;
        for (const [partition, p] of t.partitions.entries()) {
          if (this.closed) return done;
          const result = await p.compact(now);
          if (!result) continue;
          done.push({ topic: t.name, partition, result });
          this.options.log?.(
            `cleaned ${t.name}-${partition}: offsets [${result.firstDirty}, ${result.endOffset}) dirty, ${result.segmentsBefore} -> ` +
            `${result.segmentsAfter} segment(s), ${result.bytesBefore} -> ${result.bytesAfter} bytes, ${result.recordsRemoved} record(s) removed`,
          );
        }
      }
      return done;
    });
    this.cleanerRun = run.catch(() => {});
    return run;
  }

  private scheduleCleaner(): void {
    if (this.closed || !this.cleaner.enable) return;
    this.cleanerTimer = setTimeout(() => {
      this.runCleanerOnce()
        .catch((err: unknown) => this.options.log?.(`log cleaner failed: ${(err as Error).message}`))
        .finally(() => this.scheduleCleaner());
    }, this.cleaner.backoffMs);
    this.cleanerTimer.unref();
  }

  start(): void {
    if (this.timers.length) return;
    this.scheduleCleaner();
    const every = this.options.retentionCheckIntervalMs ?? RETENTION_CHECK_INTERVAL_MS;
    let retentionRunning = false;
    this.timers.push(
      setInterval(() => {
        if (retentionRunning) return;
        retentionRunning = true;
        this.enforceRetention().catch(() => {}).finally(() => (retentionRunning = false));
      }, every),
    );
    // flush.ms is per topic; checking once a second bounds its error at a second, cheaply.
    this.timers.push(
      setInterval(() => {
        for (const t of this.topicMap.values()) for (const p of t.partitions) void p.maybeFlushByTime().catch(() => {});
      }, 1000),
    );
    for (const timer of this.timers) timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.cleanerTimer) clearTimeout(this.cleanerTimer);
    // A pass in progress finishes its current partition before the logs close under it.
    await this.cleanerRun;
    await Promise.all(this.topics().flatMap((t) => t.partitions.map((p) => p.close())));
  }
}
