// Cursor over one Kafka protocol frame. Every read checks bounds through Buffer's own range checks
// or `need()`, and a short frame throws a ProtocolDecodeError, which the connection turns into a
// Kafka error (or closes the socket, where Kafka would) without ever taking the process down.

export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
}

const UUID_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Reader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
    readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) throw new ProtocolDecodeError(`frame too short: need ${n} bytes at ${at}, have ${this.end - at}`);
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  /** int64 as a number: offsets, timestamps and ids stay far below 2^53. */
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * 4294967296 + this.buf.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }

  uuid(): string {
    const at = this.need(16);
    const b = this.buf;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += UUID_HEX[b[at + i]!];
    }
    return s;
  }

  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.end) throw new ProtocolDecodeError('frame too short: unterminated varint');
      const byte = this.buf[this.offset++]!;
      if (shift < 28) value |= (byte & 0x7f) << shift;
      else value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
      // Kafka reads at most 5 bytes (32 bits) for an unsigned varint and rejects longer ones.
      if (shift > 28) throw new ProtocolDecodeError('varint longer than 5 bytes');
    }
  }

  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Length of a compact array/string/bytes: N+1 on the wire, 0 meaning null (-1 here). */
  compactLength(): number {
    return this.uvarint() - 1;
  }

  private text(len: number): string {
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new ProtocolDecodeError('non-nullable string is null');
    return this.text(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    return len < 0 ? null : this.text(len);
  }
  compactString(): string {
    const len = this.compactLength();
    if (len < 0) throw new ProtocolDecodeError('non-nullable compact string is null');
    return this.text(len);
  }
  compactNullableString(): string | null {
    const len = this.compactLength();
    return len < 0 ? null : this.text(len);
  }

  /** Bytes are returned as a view into the frame, not a copy. */
  private slice(len: number): Buffer {
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new ProtocolDecodeError('non-nullable bytes are null');
    return this.slice(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    return len < 0 ? null : this.slice(len);
  }
  compactBytes(): Buffer {
    const len = this.compactLength();
    if (len < 0) throw new ProtocolDecodeError('non-nullable compact bytes are null');
    return this.slice(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.compactLength();
    return len < 0 ? null : this.slice(len);
  }

  /** Array length; -1 means null. Guards against lengths that cannot fit in the rest of the frame. */
  arrayLength(compact: boolean): number {
    const n = compact ? this.compactLength() : this.int32();
    if (n > this.end - this.offset) throw new ProtocolDecodeError(`array length ${n} exceeds the frame`);
    return n < -1 ? -1 : n;
  }

  skip(n: number): void {
    this.need(n);
  }

  /** Skips a tagged-field section, handing known tags to onTag (which must consume exactly `size` bytes). */
  taggedFields(onTag?: (tag: number, size: number) => boolean): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const start = this.offset;
      if (onTag && onTag(tag, size)) {
        if (this.offset !== start + size) throw new ProtocolDecodeError(`tagged field ${tag} has size ${size} but ${this.offset - start} bytes were read`);
      } else {
        this.need(size);
      }
    }
  }
}
