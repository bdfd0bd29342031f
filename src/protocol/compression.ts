// Kafka record-batch compression codecs (attributes bits 0-2). Every function here is synchronous:
// gzip uses node:zlib, snappy and lz4 are napi-rs addons shipped as prebuilt npm packages, zstd
// decoding is pure JS (fzstd) and zstd encoding is a wasm build of libzstd that is instantiated
// synchronously on first use, so callers never need to await a codec.
//
// Wire formats, as the clients write them:
// - gzip: a gzip stream (possibly several members).
// - snappy: Java clients write xerial framing — magic "\x82SNAPPY\0", int32 version, int32
//   minimum compatible version, then blocks of int32 compressed length + raw snappy block.
//   librdkafka and kafkajs write one raw snappy block. We read both and write raw (which
//   librdkafka, kafkajs-snappy, Sarama and the Java client, via xerial's own fallback, all read).
// - lz4: the LZ4 frame format (magic 0x184D2204). Magic v0/v1's broken header checksum does
//   not concern v2 batches.
// - zstd: one or more zstd frames, content size not necessarily in the header (zstd-jni
//   streams), which is why decoding uses a streaming decoder rather than ZSTD_decompress.
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync as lz4Compress, decompressFrameSync as lz4Decompress } from 'lz4-napi';
import { decompress as zstdDecompress } from 'fzstd';

export const CompressionCodec = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];
export type CompressionName = keyof typeof CompressionCodec;

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export class CompressionError extends Error {
  override name = 'CompressionError';
}

export function isCompressionCodec(codec: number): codec is CompressionCodec {
  return Number.isInteger(codec) && codec >= 0 && codec <= 4;
}

export function compressionName(codec: number): CompressionName {
  const name = NAMES[codec];
  if (name === undefined) throw new CompressionError(`unknown compression codec ${codec}`);
  return name;
}

/** Codec from a Kafka config-style name ("gzip", "snappy", "lz4", "zstd", "none"). */
export function codecFromName(name: string): CompressionCodec {
  const codec = CompressionCodec[name.toLowerCase() as CompressionName];
  if (codec === undefined) throw new CompressionError(`unknown compression type ${name}`);
  return codec;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

function xerialDecompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('truncated xerial snappy block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new CompressionError('truncated xerial snappy block');
    parts.push(snappyUncompress(data.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

// --- zstd encoder: the emscripten module of @bokuweb/zstd-wasm, instantiated synchronously ---

// tsconfig's lib has no WebAssembly typings: the little used here, declared by hand.
interface WasmInstance {
  exports: unknown;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown, imports: unknown) => WasmInstance;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface ZstdWasm {
  init(bytes?: Uint8Array): unknown;
  instantiateWasm?: (imports: unknown, receive: (instance: WasmInstance) => unknown) => unknown;
  calledRun?: boolean;
}
interface ZstdApi {
  compress(buf: Uint8Array, level?: number): Uint8Array;
}
let zstdApi: ZstdApi | undefined;

function zstd(): ZstdApi {
  if (zstdApi) return zstdApi;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@bokuweb/zstd-wasm');
  const dir = entry.slice(0, entry.lastIndexOf('/'));
  const { Module } = require(`${dir}/module.js`) as { Module: ZstdWasm };
  // The package's own init() compiles asynchronously; emscripten's documented instantiateWasm
  // hook lets us compile and start the runtime in this tick instead.
  const bytes = readFileSync(`${dir}/zstd.wasm`);
  Module.instantiateWasm = (imports, receive) => {
    const instance = new Wasm.Instance(new Wasm.Module(bytes), imports);
    receive(instance);
    return instance.exports;
  };
  Module.init();
  if (!Module.calledRun) throw new CompressionError('zstd wasm runtime did not start synchronously');
  zstdApi = require(`${dir}/simple/compress.js`) as ZstdApi;
  return zstdApi;
}

const ZSTD_LEVEL = 3;

/** Compresses data for a batch with the given codec. Returns data itself for codec 0. */
export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case 0:
      return data;
    case 1:
      return gzipSync(data);
    case 2:
      return snappyCompress(data);
    case 3:
      return lz4Compress(data);
    case 4: {
      const out = zstd().compress(data, ZSTD_LEVEL);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
    default:
      throw new CompressionError(`unknown compression codec ${codec}`);
  }
}

/** Decompresses a batch's records section. Throws CompressionError on malformed input. */
export function decompress(codec: number, data: Buffer): Buffer {
  try {
    switch (codec) {
      case 0:
        return data;
      case 1:
        return gunzipSync(data);
      case 2:
        return isXerialFramed(data) ? xerialDecompress(data) : (snappyUncompress(data) as Buffer);
      case 3:
        return lz4Decompress(data);
      case 4: {
        const out = zstdDecompress(data);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
    }
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError(`${compressionName(codec)} decompression failed: ${(err as Error).message}`, { cause: err });
  }
  throw new CompressionError(`unknown compression codec ${codec}`);
}
