// The internal compacted topic __consumer_offsets as the coordinator's GroupStore: records go to the
// partition Kafka would pick for the group (abs(hashCode) % partitions), appended durably (a commit is
// acknowledged only after fsync); at start-up every partition is read from its start to rebuild state.
// Created on first use, as Kafka does, with offsets.topic.num.partitions partitions.
import type { LogManager, TopicInfo } from '../log/log-manager.js';
import { InternalTopic } from '../log/internal-topic.js';
import { LogError } from '../log/log-error.js';
import { decodeControlRecord, decodeRecords, encodeBatch, iterateBatches } from '../../protocol/record-batch.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { GroupStore, StoreRecord } from './coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from './offsets-records.js';

const READ_CHUNK_BYTES = 1 << 20;

export class OffsetsTopic implements GroupStore {
  private readonly topic: InternalTopic;

  constructor(logs: LogManager, partitionCount: number, log: (line: string) => void = () => {}) {
    this.topic = new InternalTopic(logs, OFFSETS_TOPIC, partitionCount, log);
  }

  /** The topic, created (compacted, internal) when missing. */
  ensure(): Promise<TopicInfo> {
    return this.topic.ensure();
  }

  async write(groupId: string, records: StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    const partition = await this.partitionFor(groupId);
    const batch = encodeBatch(records.map((r) => ({ key: r.key, value: r.value })));
    await partition.append(batch, { durable: true, recordCount: records.length });
  }

  async writeTransactional(groupId: string, records: StoreRecord[], producerId: number, producerEpoch: number): Promise<void> {
    if (records.length === 0) return;
    const partition = await this.partitionFor(groupId);
    // As in Kafka, the coordinator's own appends are checked for the epoch (fencing) but not for sequences.
    const batch = encodeBatch(records.map((r) => ({ key: r.key, value: r.value })), { producerId, producerEpoch, baseSequence: 0, isTransactional: true });
    await partition.append(batch, { durable: true, recordCount: records.length, origin: 'coordinator' });
  }

  /** The partition of __consumer_offsets that holds the group (created when missing). */
  async partitionFor(groupId: string): Promise<PartitionLog> {
    const topic = await this.ensure();
    // The topic's real partition count decides placement, so a changed setting cannot strand groups.
    const partition = topic.partitions[partitionForGroup(groupId, topic.partitions.length)];
    if (!partition) throw new LogError('UNKNOWN_TOPIC_OR_PARTITION', `${OFFSETS_TOPIC} has no partition for group ${groupId}`);
    return partition;
  }

  /**
   * Visits every record of every partition from the log start, in offset order per partition. Records of
   * transactions are visited when their COMMIT marker comes, dropped at an ABORT, and those of transactions
   * still open at the end go to visitPending.
   */
  async readAll(
    visit: (key: Buffer | null, value: Buffer | null) => void,
    visitPending: (producerId: number, key: Buffer | null, value: Buffer | null) => void = () => {},
  ): Promise<void> {
    const topic = this.topic.existing;
    if (!topic) return;
    for (const p of topic.partitions) {
      let offset = p.logStartOffset;
      const end = p.highWatermark;
      const open = new Map<number, { key: Buffer | null; value: Buffer | null }[]>();
      while (offset < end) {
        const { records } = await p.read(offset, READ_CHUNK_BYTES, true);
        if (records.length === 0) break;
        let next = offset;
        for (const raw of iterateBatches(records)) {
          const batch = decodeRecords(raw);
          next = batch.baseOffset + batch.lastOffsetDelta + 1;
          if (batch.isControl) {
            const held = open.get(batch.producerId);
            open.delete(batch.producerId);
            const record = batch.records[0];
            if (held && record && decodeControlRecord(record).marker === 'commit') for (const r of held) visit(r.key, r.value);
            continue;
          }
          if (batch.isTransactional) {
            let held = open.get(batch.producerId);
            if (!held) open.set(batch.producerId, (held = []));
            for (const r of batch.records) if (r.offset >= offset) held.push({ key: r.key, value: r.value });
            continue;
          }
          for (const r of batch.records) if (r.offset >= offset) visit(r.key, r.value);
        }
        if (next <= offset) break;
        offset = next;
      }
      for (const [producerId, held] of open) for (const r of held) visitPending(producerId, r.key, r.value);
    }
  }
}
