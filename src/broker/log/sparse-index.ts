// In-memory sparse indexes of one segment, persisted whole when the segment is rolled or the log is
// closed (Node has no mmap, and appending 8 bytes per entry on the hot path would cost a syscall).
//
// .index     => (relativeOffset int32, position int32)*   batch starting at relativeOffset lives at position
// .timeindex => (timestamp int64, relativeOffset int32)*  timestamps strictly increase; relativeOffset is the
//                                                          first batch whose maxTimestamp reached timestamp
import { readInt64, writeInt64 } from '../../protocol/record-batch-header.js';

export const OFFSET_ENTRY_SIZE = 8;
export const TIME_ENTRY_SIZE = 12;

export class OffsetIndex {
  private rel = new Int32Array(16);
  private pos = new Int32Array(16);
  length = 0;

  append(relativeOffset: number, position: number): void {
    if (this.length === this.rel.length) {
      const rel = new Int32Array(this.length * 2);
      const pos = new Int32Array(this.length * 2);
      rel.set(this.rel);
      pos.set(this.pos);
      this.rel = rel;
      this.pos = pos;
    }
    this.rel[this.length] = relativeOffset;
    this.pos[this.length++] = position;
  }

  /** Position of the last indexed batch starting at or before relativeOffset (0: scan from the start). */
  lookup(relativeOffset: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid]! <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.pos[found]!;
  }

  get sizeInBytes(): number {
    return this.length * OFFSET_ENTRY_SIZE;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * OFFSET_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      buf.writeInt32BE(this.rel[i]!, i * OFFSET_ENTRY_SIZE);
      buf.writeInt32BE(this.pos[i]!, i * OFFSET_ENTRY_SIZE + 4);
    }
    return buf;
  }

  /** Parses a stored index; null when it cannot describe a log of logSize bytes (damaged or foreign). */
  static fromBuffer(buf: Buffer, logSize: number): OffsetIndex | null {
    if (buf.length % OFFSET_ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex();
    let prevRel = -1;
    let prevPos = -1;
    for (let at = 0; at < buf.length; at += OFFSET_ENTRY_SIZE) {
      const rel = buf.readInt32BE(at);
      const pos = buf.readInt32BE(at + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return null;
      index.append(rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    return index;
  }
}

export class TimeIndex {
  private ts = new Float64Array(16);
  private rel = new Int32Array(16);
  length = 0;

  append(timestamp: number, relativeOffset: number): void {
    if (this.length === this.ts.length) {
      const ts = new Float64Array(this.length * 2);
      const rel = new Int32Array(this.length * 2);
      ts.set(this.ts);
      rel.set(this.rel);
      this.ts = ts;
      this.rel = rel;
    }
    this.ts[this.length] = timestamp;
    this.rel[this.length++] = relativeOffset;
  }

  get lastTimestamp(): number {
    return this.length === 0 ? -1 : this.ts[this.length - 1]!;
  }

  get lastRelativeOffset(): number {
    return this.length === 0 ? -1 : this.rel[this.length - 1]!;
  }

  /** Relative offset from which to scan for the first batch with maxTimestamp >= timestamp. */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! <= timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.rel[found]!;
  }

  get sizeInBytes(): number {
    return this.length * TIME_ENTRY_SIZE;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * TIME_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      writeInt64(buf, i * TIME_ENTRY_SIZE, this.ts[i]!);
      buf.writeInt32BE(this.rel[i]!, i * TIME_ENTRY_SIZE + 8);
    }
    return buf;
  }

  static fromBuffer(buf: Buffer, maxRelativeOffset: number): TimeIndex | null {
    if (buf.length % TIME_ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex();
    let prevTs = -Infinity;
    let prevRel = -1;
    for (let at = 0; at < buf.length; at += TIME_ENTRY_SIZE) {
      const ts = readInt64(buf, at);
      const rel = buf.readInt32BE(at + 8);
      if (ts <= prevTs || rel < prevRel || rel > maxRelativeOffset) return null;
      index.append(ts, rel);
      prevTs = ts;
      prevRel = rel;
    }
    return index;
  }
}
