// The entry point other stages use: one cluster view shared by the producers, consumers and
// admin it hands out, so they reuse metadata and broker connections.
import { Admin } from './admin.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { GroupConsumer, type GroupConsumerOptions } from './group-consumer.js';
import { Producer, type ProducerOptions } from './producer.js';

export type KafkaClientOptions = ClusterOptions;

export class KafkaClient {
  readonly cluster: Cluster;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer | GroupConsumer>();

  constructor(options: KafkaClientOptions) {
    this.cluster = new Cluster(options);
  }

  producer(options?: ProducerOptions): Producer {
    const p = new Producer(this.cluster, options);
    this.producers.add(p);
    return p;
  }

  consumer(options?: ConsumerOptions): Consumer {
    const c = new Consumer(this.cluster, options);
    this.consumers.add(c);
    return c;
  }

  /** A consumer-group member; subscribe() then run() or iterate. */
  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    const c = new GroupConsumer(this.cluster, options);
    this.consumers.add(c);
    return c;
  }

  admin(): Admin {
    return new Admin(this.cluster);
  }

  /** Flushes producers, stops consumers (group members leave their groups), closes every connection. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await this.cluster.close();
  }
}
