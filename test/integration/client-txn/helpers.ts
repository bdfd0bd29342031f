// Helpers for the proofs of Kappa's own transactional client: reading a whole topic with Kappa's
// consumer at either isolation level (the other readers, kcat and kafkajs, come from ../txn).
import { KafkaClient } from '../../../src/client/kafka-client.js';
import type { Broker } from '../../helpers/broker.js';

export interface Read {
  /** partition → values in offset order. */
  values: Map<number, string[]>;
  /** partition → offsets of those values. */
  offsets: Map<number, number[]>;
}

/**
 * Every partition of the topic from the beginning up to its end as listed when the read starts, read
 * by Kappa's consumer; then `lingerMs` more of fetching, so that a record that should not be there
 * has a chance to show up. A read_committed read waits at an open transaction until the deadline.
 */
export async function kappaRead(b: Broker, topic: string, isolationLevel: 0 | 1, opts: { lingerMs?: number; timeoutMs?: number } = {}): Promise<Read> {
  const kafka = new KafkaClient({ bootstrapServers: b.bootstrap, clientId: 'client-txn-reader' });
  const values = new Map<number, string[]>();
  const offsets = new Map<number, number[]>();
  try {
    const ends = await kafka.admin().listOffsets(topic, 'latest');
    const consumer = kafka.consumer({ isolationLevel, maxWaitMs: 50 });
    consumer.assign(ends.map((e) => ({ topic, partition: e.partition, offset: 'earliest' as const })));
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    let lingerUntil = Infinity;
    const reachedEnds = () => ends.every((e) => (consumer.position(topic, e.partition) ?? -1) >= e.offset);
    const stopper = setInterval(() => {
      if (lingerUntil === Infinity && reachedEnds()) lingerUntil = Date.now() + (opts.lingerMs ?? 300);
      if (Date.now() > lingerUntil || Date.now() > deadline) void consumer.close();
    }, 20);
    try {
      for await (const batch of consumer.batches()) {
        let v = values.get(batch.partition);
        let o = offsets.get(batch.partition);
        if (!v || !o) {
          values.set(batch.partition, (v = []));
          offsets.set(batch.partition, (o = []));
        }
        for (const r of batch.records) {
          v.push(r.value!.toString());
          o.push(r.offset);
        }
      }
    } finally {
      clearInterval(stopper);
    }
  } finally {
    await kafka.close();
  }
  return { values, offsets };
}

/** partition → values, with partitions that hold nothing left out (as kcat reports them). */
export function nonEmpty(m: Map<number, string[]>): Record<number, string[]> {
  return Object.fromEntries([...m].filter(([, v]) => v.length > 0).sort((a, b) => a[0] - b[0]));
}
