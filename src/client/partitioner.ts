// Partition choice. Keyed records use Java's default: toPositive(murmur2(keyBytes)) % partitions
// (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c), so a key lands on the same
// partition whether Java, kafkajs (its default partitioner) or Kappa wrote it. librdkafka's
// default (consistent_random, CRC32) differs; librdkafka users wanting agreement set
// partitioner=murmur2_random. Unkeyed records are sticky: they fill one partition's batch and
// move on when it is sent, as Java's producer does since KIP-480, which keeps batches large.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's Utils.murmur2 over the bytes: a signed 32-bit result, as Java returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Java's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** Per-topic sticky choice for unkeyed records; `next` is called when a batch is sent. */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();
  private counter = Math.floor(Math.random() * 0x7fffffff);

  partition(topic: string, numPartitions: number): number {
    let p = this.current.get(topic);
    if (p === undefined || p >= numPartitions) {
      p = this.counter++ % numPartitions;
      this.current.set(topic, p);
    }
    return p;
  }

  /** Moves the topic to another partition after its batch on `sent` left. */
  batchSent(topic: string, sent: number, numPartitions: number): void {
    if (this.current.get(topic) !== sent || numPartitions <= 1) return;
    this.current.set(topic, (sent + 1 + (this.counter++ % (numPartitions - 1))) % numPartitions);
  }
}
