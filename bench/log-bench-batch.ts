// A valid uncompressed magic-v2 batch of `records` records with `valueSize`-byte values (bench-only helper).
import { ATTRIBUTES, CRC, RECORDS, computeCrc, writeInt64 } from '../src/protocol/record-batch-header.js';

export function benchBatch(records: number, valueSize: number): Buffer {
  const parts: Buffer[] = [];
  const varint = (n: number): number[] => {
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return out;
  };
  for (let i = 0; i < records; i++) {
    const head = Buffer.from([0, ...varint(0), ...varint(i), ...varint(-1), ...varint(valueSize)]);
    const len = head.length + valueSize + 1;
    parts.push(Buffer.from(varint(len)), head, Buffer.alloc(valueSize, 97), Buffer.from([0]));
  }
  const payload = Buffer.concat(parts);
  const batch = Buffer.alloc(RECORDS + payload.length);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, ATTRIBUTES);
  batch.writeInt32BE(records - 1, 23);
  writeInt64(batch, 27, Date.now());
  writeInt64(batch, 35, Date.now());
  writeInt64(batch, 43, -1);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(records, 57);
  payload.copy(batch, RECORDS);
  batch.writeUInt32BE(computeCrc(batch, 0, batch.length), CRC);
  return batch;
}
