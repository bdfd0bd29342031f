// Throughput of the record-batch hot paths: encode (producer), validate (broker produce path) and
// decode (consumer), for batches of 1,000 records with 100-byte values and 16-byte keys.
// Usage: node dist/bench/record-batch.js [seconds-per-case]
import { decodeRecords, encodeBatch, validateBatches, type RecordInput } from '../src/protocol/record-batch.js';
import { compressionName } from '../src/protocol/compression.js';

const RECORDS_PER_BATCH = 1000;
const seconds = Number(process.argv[2] ?? 1);

const records: RecordInput[] = [];
for (let i = 0; i < RECORDS_PER_BATCH; i++) {
  const value = Buffer.from(`{"symbol":"SYM${i % 50}","price":${(100 + (i % 997) / 10).toFixed(2)},"seq":${i}}`.padEnd(100, ' '));
  records.push({ key: Buffer.from(`key-${String(i).padStart(12, '0')}`), value, timestamp: 1_700_000_000_000 + i });
}

function measure(run: () => void): number {
  for (let i = 0; i < 20; i++) run();
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 10; i++) run();
    n += 10;
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * RECORDS_PER_BATCH) / (Number(elapsed) / 1e9);
}

const fmt = (x: number): string => `${(x / 1e6).toFixed(2)} M records/s`;
const rows: string[][] = [];
for (const codec of [0, 1, 2, 3, 4]) {
  const batch = encodeBatch(records, { compression: codec });
  const encode = measure(() => encodeBatch(records, { compression: codec }));
  const validate = measure(() => validateBatches(batch, { maxMessageBytes: 1 << 24 }));
  const decode = measure(() => decodeRecords(batch));
  rows.push([compressionName(codec), String(batch.length), fmt(encode), fmt(validate), fmt(decode)]);
}
console.log(`record-batch: ${RECORDS_PER_BATCH} records of 100-byte values per batch, node ${process.version}`);
const head = ['codec', 'batch bytes', 'encode', 'validate', 'decode'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
