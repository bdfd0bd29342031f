// Builds valid uncompressed magic-v2 batches by hand, so the log tests do not depend on the encoder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ATTRIBUTES, CRC, RECORDS, computeCrc, writeInt64 } from '../../../../src/protocol/record-batch-header.js';

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

export interface BatchOptions {
  records?: number;
  valueSize?: number;
  baseTimestamp?: number;
  /** Per-record timestamp deltas; defaults to 0 for every record. */
  timestampDeltas?: number[];
  /** Fills record values (defaults to the record index modulo 256). */
  fill?: number;
}

export function buildBatch(opts: BatchOptions = {}): Buffer {
  const count = opts.records ?? 1;
  const valueSize = opts.valueSize ?? 100;
  const baseTs = opts.baseTimestamp ?? Date.now();
  const deltas = opts.timestampDeltas ?? new Array<number>(count).fill(0);
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.from([
      0, // attributes
      ...zigzag(deltas[i]!),
      ...zigzag(i), // offsetDelta
      ...zigzag(-1), // key: null
      ...zigzag(valueSize),
    ]);
    const value = Buffer.alloc(valueSize, opts.fill ?? i % 256);
    const tail = Buffer.from(zigzag(0)); // no headers
    const length = body.length + value.length + tail.length;
    records.push(Buffer.from(zigzag(length)), body, value, tail);
  }
  const payload = Buffer.concat(records);
  const batch = Buffer.alloc(RECORDS + payload.length);
  writeInt64(batch, 0, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(0, 12); // partitionLeaderEpoch
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(0, ATTRIBUTES);
  batch.writeInt32BE(count - 1, 23);
  writeInt64(batch, 27, baseTs);
  writeInt64(batch, 35, baseTs + Math.max(...deltas));
  writeInt64(batch, 43, -1); // producerId
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(count, 57);
  payload.copy(batch, RECORDS);
  batch.writeUInt32BE(computeCrc(batch, 0, batch.length), CRC);
  return batch;
}

const cleanups = new WeakMap<TestContext, (() => unknown)[]>();

/** Runs fn when the test ends, last registered first (node:test runs after-hooks first-registered first). */
export function defer(t: TestContext, fn: () => unknown): void {
  let stack = cleanups.get(t);
  if (!stack) {
    const s: (() => unknown)[] = [];
    cleanups.set(t, s);
    t.after(async () => {
      while (s.length) await s.pop()!();
    });
    stack = s;
  }
  stack.push(fn);
}

/** A temp directory removed when the test ends, after whatever was deferred later (open logs). */
export function tempDir(t: TestContext, prefix = 'kappa-log-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Splits concatenated batches into their base offsets (and sizes) for assertions. */
export function batchesIn(buf: Buffer): { baseOffset: number; lastOffset: number; size: number }[] {
  const out: { baseOffset: number; lastOffset: number; size: number }[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const size = buf.readInt32BE(pos + 8) + 12;
    const base = buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
    out.push({ baseOffset: base, lastOffset: base + buf.readInt32BE(pos + 23), size });
    pos += size;
  }
  return out;
}
