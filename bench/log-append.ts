// Append and read throughput of one PartitionLog. Usage: node dist/bench/log-append.js [MB per case]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOG_CONFIG } from '../src/broker/log/log-config.js';
import { PartitionLog } from '../src/broker/log/partition-log.js';
import { benchBatch } from './log-bench-batch.js';

const totalMb = Number(process.argv[2] ?? 512);
const VALUE = 100;

async function appendCase(label: string, recordsPerBatch: number, durable: boolean, concurrency: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kappa-bench-'));
  const log = await PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG });
  const template = benchBatch(recordsPerBatch, VALUE);
  const batches = Math.max(1, Math.floor((totalMb * 1024 * 1024) / template.length));
  // Pre-built copies: append rewrites offsets in place, and producing the bytes is not the log's cost.
  const pool = Array.from({ length: Math.min(batches, 4096) }, () => Buffer.from(template));
  const start = process.hrtime.bigint();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < batches) {
      const i = issued++;
      await log.append(pool[i % pool.length]!, { durable, recordCount: recordsPerBatch });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await log.flush();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = batches * template.length;
  const appendLine = `${label.padEnd(44)} ${(bytes / secs / 1048576).toFixed(0).padStart(6)} MB/s ${((batches * recordsPerBatch) / secs / 1000).toFixed(0).padStart(7)}k rec/s`;

  // Read back from the start in 1 MB fetches.
  const rstart = process.hrtime.bigint();
  let offset = 0;
  let readBytes = 0;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, 1 << 20, true);
    readBytes += records.length;
    let pos = 0;
    let last = offset;
    while (pos < records.length) {
      last = records.readInt32BE(pos) * 4294967296 + records.readUInt32BE(pos + 4) + records.readInt32BE(pos + 23);
      pos += records.readInt32BE(pos + 8) + 12;
    }
    offset = last + 1;
  }
  const rsecs = Number(process.hrtime.bigint() - rstart) / 1e9;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return `${appendLine}   read ${(readBytes / rsecs / 1048576).toFixed(0).padStart(6)} MB/s`;
}

console.log(`PartitionLog append/read, ${totalMb} MB per case, ${VALUE}-byte records`);
console.log(await appendCase('~1 KB batches (8 rec), sequential', 8, false, 1));
console.log(await appendCase('~1 KB batches (8 rec), 64 concurrent', 8, false, 64));
console.log(await appendCase('~1 MB batches (9000 rec), sequential', 9000, false, 1));
console.log(await appendCase('~1 MB batches (9000 rec), 8 concurrent', 9000, false, 8));
console.log(await appendCase('~1 MB batches, durable, 8 concurrent', 9000, true, 8));
console.log(await appendCase('~1 KB batches, durable, 256 concurrent', 8, true, 256));
