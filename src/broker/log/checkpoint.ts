// Small per-partition state files, replaced atomically and durably: Kafka keeps the same state in
// per-data-directory files of the same names (log-start-offset-checkpoint, cleaner-offset-checkpoint);
// one file per partition keeps a write to one partition from rewriting every other's state.
import { join } from 'node:path';
import { readFileOrNull, writeFileAtomic } from './fs-util.js';

/** The log start offset moved by DeleteRecords (retention moves it only to a segment base, which needs no file). */
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Where the cleaner stopped: offsets below it are clean. */
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

const VERSION = 0;

/** The numbers stored in dir/name, or null when the file is missing or unreadable (a fresh log). */
export async function readCheckpoint(dir: string, name: string): Promise<Record<string, number> | null> {
  const buf = await readFileOrNull(join(dir, name));
  if (!buf) return null;
  try {
    const parsed = JSON.parse(buf.toString('utf8')) as { version?: unknown; [k: string]: unknown };
    if (parsed.version !== VERSION) return null;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    return out;
  } catch {
    return null;
  }
}

export async function writeCheckpoint(dir: string, name: string, values: Record<string, number>): Promise<void> {
  await writeFileAtomic(join(dir, name), JSON.stringify({ version: VERSION, ...values }));
}
