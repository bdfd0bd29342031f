// Keyed appends and whole-log reads for the compaction and DeleteRecords tests.
import { decodeRecords, encodeBatch, iterateBatches, type RecordInput } from '../../../../src/protocol/record-batch.js';
import type { PartitionLog } from '../../../../src/broker/log/partition-log.js';

export interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface ReadBatch {
  baseOffset: number;
  lastOffsetDelta: number;
  compression: number;
  attributes: number;
  records: Rec[];
}

/** Appends one batch; returns the records with the offsets the log assigned. */
export async function appendKeyed(
  log: PartitionLog, records: { key: string | null; value: string | null }[], opts: { compression?: number; timestamp?: number } = {},
): Promise<Rec[]> {
  const ts = opts.timestamp ?? Date.now();
  const inputs: RecordInput[] = records.map((r) => ({ key: r.key, value: r.value, timestamp: ts }));
  const batch = encodeBatch(inputs, { compression: opts.compression ?? 0, timestamp: ts });
  const { baseOffset } = await log.append(batch, { durable: false, recordCount: records.length });
  return records.map((r, i) => ({ offset: baseOffset + i, key: r.key, value: r.value, timestamp: ts }));
}

/** Every batch from the log start to the high watermark, decoded. */
export async function readBatches(log: PartitionLog): Promise<ReadBatch[]> {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20, true);
    if (records.length === 0) break;
    for (const b of iterateBatches(records)) {
      const d = decodeRecords(b);
      out.push({
        baseOffset: d.baseOffset, lastOffsetDelta: d.lastOffsetDelta, compression: d.compression, attributes: d.attributes,
        records: d.records.map((r) => ({
          offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp,
        })),
      });
      offset = d.baseOffset + d.lastOffsetDelta + 1;
    }
  }
  return out;
}

/** Records at or after the log start, in log order. */
export async function readAll(log: PartitionLog): Promise<Rec[]> {
  const start = log.logStartOffset;
  return (await readBatches(log)).flatMap((b) => b.records).filter((r) => r.offset >= start);
}

/** What a fully compacted log must hold: the latest record of each key (tombstones included), by offset. */
export function latestPerKey(written: Rec[], keepTombstones: boolean): Rec[] {
  const latest = new Map<string, Rec>();
  for (const r of written) if (r.key !== null) latest.set(r.key, r);
  return [...latest.values()].filter((r) => keepTombstones || r.value !== null).sort((a, b) => a.offset - b.offset);
}

export const strip = (rs: Rec[]): { offset: number; key: string | null; value: string | null }[] =>
  rs.map(({ offset, key, value }) => ({ offset, key, value }));
