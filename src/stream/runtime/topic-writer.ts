// The RecordWriter of runs that write topics: records are queued in order (a record whose codec is
// still resolving a schema holds back the ones after it) and handed to a producer; flush() resolves
// once every record so far is acknowledged. The exactly-once runtime flushes inside its transaction.
import type { Producer } from '../../client/producer.js';
import type { RecordWriter } from './operator.js';

type Bytes = Buffer | string | null;

interface Pending {
  topic: string;
  key: Bytes;
  value: Bytes;
  timestamp: number;
  partition?: number;
}

export class TopicWriter implements RecordWriter {
  private queue: Pending[] = [];
  private waiting: Promise<void> = Promise.resolve();
  private blocked = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;
  written = 0;

  constructor(private readonly producer: Producer, private readonly batchSize = 500) {}

  write(topic: string, key: Bytes, value: Bytes, timestamp: number, partition?: number): void {
    if (this.blocked > 0) {
      // Keep order behind a record still being serialized.
      const p = Promise.resolve([key, value] as [Bytes, Bytes]);
      return this.writeAsync(topic, p, timestamp, partition);
    }
    this.queue.push(partition === undefined ? { topic, key, value, timestamp } : { topic, key, value, timestamp, partition });
    if (this.queue.length >= this.batchSize) this.ship();
  }

  writeAsync(topic: string, keyValue: Promise<[Bytes, Bytes]>, timestamp: number, partition?: number): void {
    this.blocked++;
    const before = this.waiting;
    this.waiting = before.then(async () => {
      try {
        const [key, value] = await keyValue;
        this.queue.push(partition === undefined ? { topic, key, value, timestamp } : { topic, key, value, timestamp, partition });
      } catch (err) {
        this.failure ??= err as Error;
      } finally {
        this.blocked--;
      }
    });
  }

  private ship(): void {
    if (this.queue.length === 0) return;
    const queue = this.queue;
    this.queue = [];
    // Most jobs write one topic between two ships: then the queue goes as it is (a Pending is a
    // ProducerRecord with a topic besides), without a copy per record.
    const first = queue[0]!.topic;
    let oneTopic = true;
    for (let i = 1; i < queue.length && oneTopic; i++) oneTopic = queue[i]!.topic === first;
    let byTopic: Map<string, Pending[]>;
    if (oneTopic) byTopic = new Map([[first, queue]]);
    else {
      byTopic = new Map();
      for (const r of queue) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        list.push(r);
      }
    }
    for (const [topic, records] of byTopic) {
      this.written += records.length;
      const p = this.producer.send(topic, records);
      this.inFlight.add(p);
      p.then(() => this.inFlight.delete(p), (err: Error) => {
        this.inFlight.delete(p);
        this.failure ??= err;
      });
    }
  }

  /** Sends everything queued and waits for every acknowledgement; throws the first failure. */
  async flush(): Promise<void> {
    await this.waiting;
    this.ship();
    await Promise.allSettled([...this.inFlight]);
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
  }

  /** How many records wait to be sent or acknowledged (back-pressure for the caller). */
  get pending(): number {
    return this.queue.length + this.inFlight.size * this.batchSize;
  }

  /** Drops queued, unsent records (an aborted transaction). */
  discard(): void {
    this.queue = [];
  }
}
