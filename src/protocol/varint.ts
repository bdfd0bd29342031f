// Zigzag varints as used inside magic-v2 records (protobuf style: 7 bits a byte, low group first).
// Records use varint (int32) for lengths and offset deltas and varlong (int64) for timestamp
// deltas. JS numbers are exact up to 2^53, which covers every timestamp delta a real batch has;
// values in int32 range take the bit-operator fast path.

export class VarintError extends Error {
  override name = 'VarintError';
}

/** Bytes the zigzag encoding of value takes (1..10). */
export function varintSize(value: number): number {
  let z = zigzag(value);
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

function zigzag(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return ((value << 1) ^ (value >> 31)) >>> 0;
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Writes the zigzag varint of value at pos; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let z = zigzag(value);
  while (z >= 0x80000000) {
    // Beyond 31 bits `>>>` would truncate: peel groups off arithmetically.
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  while (z >= 128) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/**
 * Cursor-style decoder: reads a zigzag varint at `pos` (no further than `end`), leaving the
 * position after it in `next`. A shared mutable result keeps the record decoder allocation-free.
 */
export const cursor = { next: 0 };

export function readVarint(buf: Buffer, pos: number, end: number): number {
  let z = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new VarintError('truncated varint');
    const byte = buf[pos++]!;
    if (i < 4) z |= (byte & 0x7f) << (7 * i);
    else {
      if (i === 4) z >>>= 0;
      z += (byte & 0x7f) * mul;
    }
    mul *= 128;
    if ((byte & 0x80) === 0) {
      cursor.next = pos;
      if (i < 4) return (z >>> 1) ^ -(z & 1);
      // Above 2^53 precision is lost; records never carry such deltas.
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    }
  }
  throw new VarintError('varint longer than 10 bytes');
}
