// The internal compacted topic __transaction_state in Kafka's record format (TransactionLogKey v0:
// int16 version, string transactional id; TransactionLogValue v0: producer id, epoch, timeout, status,
// partitions, last-update and start timestamps), so the topic reads the same to Kafka's tools. Records
// are appended durably (a state is acknowledged only after fsync) and read back whole at start-up.
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';
import { decodeRecords, encodeBatch, iterateBatches } from '../../protocol/record-batch.js';
import type { LogManager } from '../log/log-manager.js';
import { InternalTopic } from '../log/internal-topic.js';
import { LogError } from '../log/log-error.js';
import { partitionForGroup } from '../group/offsets-records.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's TransactionState ids, as stored. */
export const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TxnState = (typeof TXN_STATES)[number];

export interface TxnLogValue {
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** topic -> partitions */
  partitions: Map<string, number[]>;
  lastUpdateTimestamp: number;
  startTimestamp: number;
}

export function encodeTxnKey(transactionalId: string): Buffer {
  return new Writer(32).int16(0).string(transactionalId).toBuffer();
}

export function decodeTxnKey(buf: Buffer): string {
  const r = new Reader(buf);
  r.int16();
  return r.string() ?? '';
}

export function encodeTxnValue(v: TxnLogValue): Buffer {
  const w = new Writer(64).int16(0).int64(v.producerId).int16(v.producerEpoch).int32(v.timeoutMs).int8(TXN_STATES.indexOf(v.state));
  w.int32(v.partitions.size);
  for (const [topic, parts] of v.partitions) {
    w.string(topic).int32(parts.length);
    for (const p of parts) w.int32(p);
  }
  return w.int64(v.lastUpdateTimestamp).int64(v.startTimestamp).toBuffer();
}

/**
 * Reads TransactionLogValue v0 (what Kafka 3.x and we write) and v1 (flexible, written by Kafka 4 with
 * transaction version 2: compact strings and arrays, tagged fields, which carry nothing we keep).
 */
export function decodeTxnValue(buf: Buffer): TxnLogValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version > 1) throw new LogError('CORRUPT_MESSAGE', `unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const timeoutMs = r.int32();
  const state = TXN_STATES[r.int8()] ?? 'Dead';
  const partitions = new Map<string, number[]>();
  const n = r.arrayLength(flexible);
  for (let i = 0; i < n; i++) {
    const topic = flexible ? r.compactString() : r.string();
    const count = r.arrayLength(flexible);
    const parts: number[] = [];
    for (let j = 0; j < count; j++) parts.push(r.int32());
    if (flexible) r.taggedFields();
    partitions.set(topic, parts);
  }
  const lastUpdateTimestamp = r.int64();
  const startTimestamp = r.int64();
  if (flexible) r.taggedFields();
  return { producerId, producerEpoch, timeoutMs, state, partitions, lastUpdateTimestamp, startTimestamp };
}

const READ_CHUNK_BYTES = 1 << 20;

export class TransactionLog {
  private readonly topic: InternalTopic;

  constructor(logs: LogManager, partitionCount: number, private readonly log: (line: string) => void) {
    this.topic = new InternalTopic(logs, TRANSACTION_STATE_TOPIC, partitionCount, log);
  }

  /** Durably stores a transactional id's state (null: a tombstone, the id expired). */
  async write(transactionalId: string, value: TxnLogValue | null): Promise<void> {
    const topic = await this.topic.ensure();
    const partition = topic.partitions[partitionForGroup(transactionalId, topic.partitions.length)]!;
    const batch = encodeBatch([{ key: encodeTxnKey(transactionalId), value: value ? encodeTxnValue(value) : null }]);
    await partition.append(batch, { durable: true, recordCount: 1 });
  }

  /** The latest state of every transactional id. */
  async readAll(): Promise<Map<string, TxnLogValue>> {
    const out = new Map<string, TxnLogValue>();
    const topic = this.topic.existing;
    if (!topic) return out;
    for (const p of topic.partitions) {
      let offset = p.logStartOffset;
      while (offset < p.highWatermark) {
        const { records } = await p.read(offset, READ_CHUNK_BYTES, true);
        if (records.length === 0) break;
        let next = offset;
        for (const raw of iterateBatches(records)) {
          const batch = decodeRecords(raw);
          next = batch.baseOffset + batch.lastOffsetDelta + 1;
          if (batch.isControl) continue;
          for (const r of batch.records) {
            if (r.offset < offset || !r.key) continue;
            try {
              const id = decodeTxnKey(r.key);
              if (r.value) out.set(id, decodeTxnValue(r.value));
              else out.delete(id);
            } catch {
              this.log(`skipped an unreadable ${TRANSACTION_STATE_TOPIC} record at ${p.dir}@${r.offset}`);
            }
          }
        }
        if (next <= offset) break;
        offset = next;
      }
    }
    return out;
  }
}
