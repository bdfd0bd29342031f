// Hand-built Kafka frames and a raw socket round trip, written from the protocol spec and kept
// independent of src/protocol on purpose: a test that encodes with the code under test cannot
// catch that code's mistakes.
import { connect, type Socket } from 'node:net';
import { crc32c } from '@node-rs/crc32';

/** Append-only big-endian byte builder. */
export class Bytes {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  uint32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return this.push(b);
  }
  uvarint(v: number): this {
    const out: number[] = [];
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return this.push(Buffer.from(out));
  }
  /** Zig-zag varint (record fields). */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  /** Zig-zag varlong, for values that fit in a JS number. */
  varlong(v: number): this {
    let z = BigInt(v) >= 0n ? BigInt(v) * 2n : -BigInt(v) * 2n - 1n;
    const out: number[] = [];
    while (z > 0x7fn) {
      out.push(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    out.push(Number(z));
    return this.push(Buffer.from(out));
  }
  /** STRING / NULLABLE_STRING: int16 length (-1 for null). */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).push(b);
  }
  /** COMPACT_STRING: uvarint length+1. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }
  raw(b: Buffer): this {
    return this.push(b);
  }
  push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** size int32 + request header v1 (apiKey, apiVersion, correlationId, clientId) [+ empty tagged fields for v2] + body. */
export function frame(apiKey: number, apiVersion: number, correlationId: number, body: Buffer, opts: { flexible?: boolean; clientId?: string | null } = {}): Buffer {
  const header = new Bytes().int16(apiKey).int16(apiVersion).int32(correlationId).string(opts.clientId === undefined ? 'kappa-test' : opts.clientId);
  if (opts.flexible) header.uvarint(0);
  const payload = Buffer.concat([header.build(), body]);
  return new Bytes().int32(payload.length).raw(payload).build();
}

export const apiVersionsV0 = (correlationId: number) => frame(18, 0, correlationId, Buffer.alloc(0));

export const apiVersionsV3 = (correlationId: number) =>
  frame(18, 3, correlationId, new Bytes().compactString('kappa-test').compactString('0.0.1').uvarint(0).build(), { flexible: true });

/** Metadata v1: topics null means every topic. */
export function metadataV1(correlationId: number, topics: string[] | null): Buffer {
  const body = new Bytes();
  if (topics === null) body.int32(-1);
  else {
    body.int32(topics.length);
    for (const t of topics) body.string(t);
  }
  return frame(3, 1, correlationId, body.build());
}

/** Metadata v9 (first flexible version). */
export function metadataV9(correlationId: number, topics: string[]): Buffer {
  const body = new Bytes().uvarint(topics.length + 1);
  for (const t of topics) body.compactString(t).uvarint(0);
  body.int8(0).int8(0).int8(0).uvarint(0);
  return frame(3, 9, correlationId, body.build(), { flexible: true });
}

/** A magic-2 record batch of uncompressed key/value records, CRC-32C over attributes..end. */
export function recordBatch(
  records: { key: string | null; value: string | null }[], baseTimestamp: number,
  producer: { producerId: bigint; producerEpoch: number; baseSequence: number; transactional?: boolean } | null = null,
): Buffer {
  const recs = new Bytes();
  records.forEach((r, i) => {
    const rec = new Bytes().int8(0).varlong(0).varint(i);
    if (r.key === null) rec.varint(-1);
    else rec.varint(Buffer.byteLength(r.key)).raw(Buffer.from(r.key));
    if (r.value === null) rec.varint(-1);
    else rec.varint(Buffer.byteLength(r.value)).raw(Buffer.from(r.value));
    rec.varint(0);
    const body = rec.build();
    recs.varint(body.length).raw(body);
  });
  const afterCrc = new Bytes()
    .int16(producer?.transactional ? 0x10 : 0)
    .int32(records.length - 1)
    .int64(BigInt(baseTimestamp))
    .int64(BigInt(baseTimestamp))
    .int64(producer?.producerId ?? -1n)
    .int16(producer?.producerEpoch ?? -1)
    .int32(producer?.baseSequence ?? -1)
    .int32(records.length)
    .raw(recs.build())
    .build();
  const batchLength = 4 + 1 + 4 + afterCrc.length; // partitionLeaderEpoch + magic + crc + rest
  return new Bytes().int64(0n).int32(batchLength).int32(0).int8(2).uint32(crc32c(afterCrc)).raw(afterCrc).build();
}

/** Produce v3 (record batches, non-flexible) of one batch to one partition. */
export function produceV3(correlationId: number, topic: string, partition: number, batch: Buffer, acks = -1): Buffer {
  const body = new Bytes()
    .string(null)
    .int16(acks)
    .int32(10_000)
    .int32(1)
    .string(topic)
    .int32(1)
    .int32(partition)
    .int32(batch.length)
    .raw(batch)
    .build();
  return frame(0, 3, correlationId, body);
}

/** Reads whole response frames (without their size prefix) off a socket. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: ((f: Buffer | Error) => void)[] = [];
  private frames: Buffer[] = [];
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 4) {
        const size = this.buf.readInt32BE(0);
        if (size < 0) return this.fail(new Error(`negative response size ${size}`));
        if (this.buf.length < 4 + size) break;
        this.deliver(this.buf.subarray(4, 4 + size));
        this.buf = this.buf.subarray(4 + size);
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed before a full response arrived')));
  }

  private deliver(f: Buffer): void {
    const w = this.waiters.shift();
    if (w) w(f);
    else this.frames.push(f);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w(err);
  }

  next(timeoutMs = 10_000): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((f) => {
        clearTimeout(timer);
        if (f instanceof Error) reject(f);
        else resolve(f);
      });
    });
  }
}

export function openSocket(host: string, port: number, timeoutMs = 10_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${host}:${port} timed out`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Sends one request on a fresh connection and returns its response frame (correlation id first). */
export async function roundTrip(host: string, port: number, request: Buffer, timeoutMs = 10_000): Promise<Buffer> {
  const socket = await openSocket(host, port, timeoutMs);
  try {
    const reader = new FrameReader(socket);
    socket.write(request);
    return await reader.next(timeoutMs);
  } finally {
    socket.destroy();
  }
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Decodes an ApiVersions v0 response frame: header v0 (correlationId), errorCode, [apiKey min max]. */
export function decodeApiVersionsV0(f: Buffer): { correlationId: number; errorCode: number; apiKeys: ApiVersionRange[] } {
  const correlationId = f.readInt32BE(0);
  const errorCode = f.readInt16BE(4);
  const n = f.readInt32BE(6);
  const apiKeys: ApiVersionRange[] = [];
  let pos = 10;
  for (let i = 0; i < n; i++, pos += 6) {
    apiKeys.push({ apiKey: f.readInt16BE(pos), minVersion: f.readInt16BE(pos + 2), maxVersion: f.readInt16BE(pos + 4) });
  }
  if (pos !== f.length) throw new Error(`ApiVersions v0 response has ${f.length - pos} trailing bytes`);
  return { correlationId, errorCode, apiKeys };
}

function readUvarint(f: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = f[pos++];
    if (byte === undefined) throw new Error('truncated varint');
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value >>> 0, pos];
    shift += 7;
  }
}

/**
 * Decodes an ApiVersions v3 response: header v0 (no tagged fields, even for this flexible version),
 * errorCode, compact array of [apiKey min max tags], throttleTimeMs, tagged fields.
 */
export function decodeApiVersionsV3(f: Buffer): { correlationId: number; errorCode: number; apiKeys: ApiVersionRange[]; throttleTimeMs: number } {
  const correlationId = f.readInt32BE(0);
  const errorCode = f.readInt16BE(4);
  let [n, pos] = readUvarint(f, 6);
  const apiKeys: ApiVersionRange[] = [];
  for (let i = 0; i < n - 1; i++) {
    apiKeys.push({ apiKey: f.readInt16BE(pos), minVersion: f.readInt16BE(pos + 2), maxVersion: f.readInt16BE(pos + 4) });
    const [tags, after] = readUvarint(f, pos + 6);
    if (tags !== 0) throw new Error(`unexpected tagged fields in api key entry ${i}`);
    pos = after;
  }
  const throttleTimeMs = f.readInt32BE(pos);
  pos += 4;
  let tagCount: number;
  [tagCount, pos] = readUvarint(f, pos);
  for (let i = 0; i < tagCount; i++) {
    let size: number;
    [, pos] = readUvarint(f, pos);
    [size, pos] = readUvarint(f, pos);
    pos += size;
  }
  if (pos !== f.length) throw new Error(`ApiVersions v3 response has ${f.length - pos} trailing bytes`);
  return { correlationId, errorCode, apiKeys, throttleTimeMs };
}
