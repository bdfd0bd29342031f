// Time to reopen N partitions after a clean shutdown. Usage: node dist/bench/log-open.js [partitions]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOG_CONFIG } from '../src/broker/log/log-config.js';
import { PartitionLog } from '../src/broker/log/partition-log.js';
import { benchBatch } from './log-bench-batch.js';

const n = Number(process.argv[2] ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'kappa-open-'));
const config = { ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 1024 };
const dirs = Array.from({ length: n }, (_, i) => join(root, `t-${i}`));
const logs = await Promise.all(dirs.map((d) => PartitionLog.open(d, config)));
await Promise.all(logs.map(async (log) => {
  for (let j = 0; j < 20; j++) await log.append(benchBatch(10, 100), { durable: false, recordCount: 10 });
}));
let t0 = process.hrtime.bigint();
await Promise.all(logs.map((l) => l.close()));
const closeMs = Number(process.hrtime.bigint() - t0) / 1e6;

t0 = process.hrtime.bigint();
const reopened = await Promise.all(dirs.map((d) => PartitionLog.open(d, config)));
const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
const total = reopened.reduce((s, l) => s + l.logEndOffset, 0);
await Promise.all(reopened.map((l) => l.close()));

// Unclean: drop the clean-shutdown markers, forcing a scan of every active segment.
const { rmSync: rm } = await import('node:fs');
for (const d of dirs) rm(join(d, 'clean-shutdown.json'), { force: true });
t0 = process.hrtime.bigint();
const recovered = await Promise.all(dirs.map((d) => PartitionLog.open(d, config)));
const recoverMs = Number(process.hrtime.bigint() - t0) / 1e6;
await Promise.all(recovered.map((l) => l.close()));
rmSync(root, { recursive: true, force: true });
console.log(`${n} partitions (${total} records): clean close ${closeMs.toFixed(0)} ms, clean reopen ${openMs.toFixed(0)} ms, reopen with recovery ${recoverMs.toFixed(0)} ms`);
