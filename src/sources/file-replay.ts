// File replay: records from a CSV file (header row, RFC 4180 quoting) or JSON lines, with fields
// renamed or dropped by a mapping, replayed as fast as possible or at their original pace (from a time
// field), scaled by a speed factor. Reading streams the file line by line, so files larger than memory
// replay too.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export type ReplayFormat = 'csv' | 'jsonl';

export interface ReplayOptions {
  format?: ReplayFormat;
  /** target=source renames; only mapped fields are kept when any mapping is given. */
  mapping?: Array<[string, string]>;
  /** Field whose value (epoch ms, or ISO 8601 text) is the event time, for pacing and record timestamps. */
  timeField?: string;
  /** null: as fast as possible; 1: original pace; 10: ten times faster. */
  speed?: number | null;
  /** CSV: turn numeric-looking values into numbers (default true). */
  numbers?: boolean;
}

export interface ReplayRecord {
  value: Record<string, unknown>;
  /** Event time from timeField, when given. */
  timestamp: number | null;
  line: number;
}

/** Fields of one CSV line (RFC 4180: quoted fields may hold commas and doubled quotes). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function timeOf(v: unknown, line: number, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    if (NUMBER.test(v.trim())) return Number(v);
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new Error(`line ${line}: ${field} is not a time (${JSON.stringify(v)})`);
}

/** Parses one file into records (a generator: nothing is held beyond a line). */
export async function* readRecords(path: string, opts: ReplayOptions = {}): AsyncGenerator<ReplayRecord, void, undefined> {
  const format = opts.format ?? (path.endsWith('.csv') ? 'csv' : 'jsonl');
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: string[] | null = null;
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let row: Record<string, unknown>;
    if (format === 'csv') {
      const fields = csvFields(text);
      if (!header) {
        header = fields.map((f) => f.trim());
        continue;
      }
      row = {};
      header.forEach((name, i) => {
        const raw = fields[i] ?? '';
        row[name] = opts.numbers !== false && NUMBER.test(raw.trim()) ? Number(raw) : raw;
      });
    } else {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
        row = parsed as Record<string, unknown>;
      } catch (err) {
        throw new Error(`line ${n}: ${(err as Error).message}`);
      }
    }
    const timestamp = opts.timeField ? timeOf(row[opts.timeField], n, opts.timeField) : null;
    let value = row;
    if (opts.mapping && opts.mapping.length > 0) {
      value = {};
      for (const [target, source] of opts.mapping) value[target] = row[source] ?? null;
    }
    yield { value, timestamp, line: n };
  }
}

/**
 * Replays records: at their original pace (event-time gaps divided by speed) when a time field and a
 * speed are given, else as fast as `deliver` takes them.
 */
export async function replay(path: string, opts: ReplayOptions, deliver: (r: ReplayRecord) => Promise<void>, stopped: () => boolean = () => false): Promise<number> {
  let count = 0;
  let firstEvent: number | null = null;
  const started = Date.now();
  for await (const r of readRecords(path, opts)) {
    if (stopped()) break;
    if (opts.speed && r.timestamp !== null) {
      firstEvent ??= r.timestamp;
      const due = started + (r.timestamp - firstEvent) / opts.speed;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await deliver(r);
    count++;
  }
  return count;
}
