// The registry's storage: the compacted topic `_schemas` (one partition, as Confluent's kafkastore),
// reached only through the Kafka protocol, so the same registry runs against Kappa's broker or an
// external Kafka cluster. A reader follows the topic from its start and applies every record to the
// store; a write produces with acks=all and resolves once the reader has applied it, so an instance
// always reads its own writes, and every instance (a restart, a second registry) serves the same ids.
import { KafkaClient } from '../client/kafka-client.js';
import type { Consumer } from '../client/consumer.js';
import type { Producer } from '../client/producer.js';
import type { RegistryLog } from './registry.js';
import type { RegistryRecord, SchemaStore } from './schema-store.js';

export interface KafkaRegistryLogOptions {
  bootstrapServers: string;
  topic?: string;
  /** How long start-up may take to read the topic to its end. */
  initTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Waiter {
  offset: number;
  resolve: () => void;
}

export class KafkaRegistryLog implements RegistryLog {
  private appliedUpTo = 0;
  private waiters: Waiter[] = [];
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly client: KafkaClient,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly store: SchemaStore,
    readonly topic: string,
    private readonly log: (line: string) => void,
  ) {}

  static async open(store: SchemaStore, options: KafkaRegistryLogOptions): Promise<KafkaRegistryLog> {
    const topic = options.topic ?? '_schemas';
    const client = new KafkaClient({ bootstrapServers: options.bootstrapServers, clientId: 'kappa-registry' });
    const admin = client.admin();
    try {
      await admin.createTopics([{ name: topic, partitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
    const consumer = client.consumer({ maxWaitMs: 250 });
    consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
    // Writes are rare and a client waits on each: no linger.
    const producer = client.producer({ acks: -1, lingerMs: 0 });
    const kafkaLog = new KafkaRegistryLog(client, producer, consumer, store, topic, options.log ?? (() => {}));
    kafkaLog.running = kafkaLog.follow();
    // Serve only once everything written before start-up is applied.
    const [end] = await admin.listOffsets(topic, 'latest', [0]);
    await kafkaLog.waitApplied(end?.offset ?? 0, options.initTimeoutMs ?? 60_000);
    return kafkaLog;
  }

  private async follow(): Promise<void> {
    try {
      await this.consumer.run({
        eachRecord: (r) => {
          if (r.key) {
            try {
              const key = JSON.parse(r.key.toString('utf8')) as Record<string, unknown>;
              const value = r.value === null ? null : (JSON.parse(r.value.toString('utf8')) as Record<string, unknown>);
              this.store.apply({ key, value });
            } catch {
              this.log(`registry: skipped an unreadable ${this.topic} record at offset ${r.offset}`);
            }
          }
          this.advance(r.offset + 1);
        },
        eachBatch: (b) => {
          // Compacted-away offsets and empty fetches still move the reader to the high watermark.
          if (b.records.length === 0 && b.highWatermark >= 0) this.advance(Math.min(b.highWatermark, this.consumer.position(this.topic, 0) ?? 0));
        },
      });
    } catch (err) {
      if (!this.closed) this.log(`registry: reading ${this.topic} stopped: ${(err as Error).message}`);
    }
  }

  private advance(offset: number): void {
    if (offset <= this.appliedUpTo) return;
    this.appliedUpTo = offset;
    const keep: Waiter[] = [];
    for (const w of this.waiters) (w.offset <= offset ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }

  private waitApplied(offset: number, timeoutMs: number): Promise<void> {
    if (offset <= this.appliedUpTo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${this.topic} up to offset ${offset}`)), timeoutMs);
      this.waiters.push({ offset, resolve: () => {
        clearTimeout(timer);
        resolve();
      } });
    });
  }

  async append(records: RegistryRecord[]): Promise<void> {
    const metas = await this.producer.send(this.topic, records.map((r) => ({
      key: JSON.stringify(r.key),
      value: r.value === null ? null : JSON.stringify(r.value),
      partition: 0,
    })));
    const last = Math.max(...metas.map((m) => m.offset));
    await this.waitApplied(last + 1, 30_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumer.close();
    await this.running.catch(() => {});
    await this.producer.close();
    await this.client.close();
  }
}
