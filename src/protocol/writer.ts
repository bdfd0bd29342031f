// Growable output for Kafka frames. Small fields go into one contiguous buffer; large byte blobs
// (record batches read from the log) are kept as separate chunks so a Fetch response hands them to
// the socket without copying them again.

const INITIAL_SIZE = 1024;
/** Blobs at least this large are referenced, not copied. */
const CHUNK_THRESHOLD = 4096;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Finished chunks, in order, before the current buffer's content. */
  private chunks: Buffer[] = [];
  private chunkedBytes = 0;

  constructor(initialSize = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.chunkedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / 4294967296);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 4294967296, this.pos + 4);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }
  uuid(v: string): this {
    const hex = v.replace(/-/g, '');
    if (hex.length !== 32) throw new Error(`invalid uuid ${v}`);
    this.ensure(16);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
    return this;
  }

  uvarint(v: number): this {
    this.ensure(5);
    let value = v >>> 0;
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
    return this;
  }
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }

  private text(s: string, lenPrefix: (n: number) => void): this {
    const n = Buffer.byteLength(s, 'utf8');
    lenPrefix(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
    return this;
  }
  string(s: string): this {
    return this.text(s, (n) => this.int16(n));
  }
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  compactString(s: string): this {
    return this.text(s, (n) => this.uvarint(n + 1));
  }
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  /** Appends raw bytes: copied when small, referenced as a chunk when large. */
  raw(b: Buffer | Uint8Array): this {
    if (b.length >= CHUNK_THRESHOLD) {
      if (this.pos > 0) {
        this.chunks.push(this.buf.subarray(0, this.pos));
        this.chunkedBytes += this.pos;
        this.buf = Buffer.allocUnsafe(Math.max(INITIAL_SIZE, this.buf.length - this.pos));
        this.pos = 0;
      }
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.chunkedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    return this.raw(b);
  }
  nullableBytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }
  compactBytes(b: Buffer): this {
    this.uvarint(b.length + 1);
    return this.raw(b);
  }
  compactNullableBytes(b: Buffer | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  arrayLength(n: number, compact: boolean): this {
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }

  /** Reserves a 4-byte slot (for a frame size) in the current buffer; returns its absolute position. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.chunkedBytes + this.pos;
    this.pos += 4;
    return at;
  }

  /** Patches an int32 at an absolute position returned by reserveInt32. */
  patchInt32(at: number, v: number): void {
    let base = 0;
    for (const c of this.chunks) {
      if (at < base + c.length) {
        c.writeInt32BE(v, at - base);
        return;
      }
      base += c.length;
    }
    this.buf.writeInt32BE(v, at - base);
  }

  /** The written bytes as chunks (no copy of large blobs). */
  toChunks(): Buffer[] {
    return this.pos > 0 ? [...this.chunks, this.buf.subarray(0, this.pos)] : [...this.chunks];
  }

  /** The written bytes as one buffer (copies when there are chunks). */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.toChunks(), this.length);
  }
}
