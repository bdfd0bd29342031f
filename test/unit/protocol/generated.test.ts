// Round-trips every message of every version through the generated codecs: random message → bytes →
// message (deep-equal) → the same bytes; truncated and corrupted frames fail with ProtocolDecodeError
// only; unknown tagged fields are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as generated from '../../../src/protocol/generated/index.js';
import { MESSAGE_DESCRIPTORS, type MessageDescriptor } from '../../../src/protocol/generated/descriptors.js';
import { Reader, ProtocolDecodeError } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { seeded, randomStruct, defaultStruct, isFlexible, type Rng } from './message-random.js';

type ReadFn = (r: Reader, version: number) => unknown;
type WriteFn = (w: Writer, version: number, m: unknown) => void;

const codecs = generated as unknown as Record<string, ReadFn | WriteFn>;

function codec(d: MessageDescriptor): { read: ReadFn; write: WriteFn } {
  const read = codecs[`read${d.name}`] as ReadFn | undefined;
  const write = codecs[`write${d.name}`] as WriteFn | undefined;
  assert.ok(read && write, `no generated codec for ${d.name}`);
  return { read, write };
}

function encode(write: WriteFn, version: number, m: unknown): Buffer {
  const w = new Writer(16);
  write(w, version, m);
  return w.toBuffer();
}

function decode(read: ReadFn, version: number, buf: Buffer): unknown {
  const r = new Reader(buf);
  const m = read(r, version);
  assert.equal(r.offset, buf.length, 'decoding consumed every byte');
  return m;
}

function versions(d: MessageDescriptor): number[] {
  const out: number[] = [];
  for (let v = d.validVersions[0]; v <= d.validVersions[1]; v++) out.push(v);
  return out;
}

/** Decoding must throw ProtocolDecodeError, never another error, or succeed. */
function decodeOrProtocolError(read: ReadFn, version: number, buf: Buffer): 'ok' | 'error' {
  try {
    read(new Reader(buf), version);
    return 'ok';
  } catch (err) {
    if (!(err instanceof ProtocolDecodeError)) throw new Error(`decoding threw ${String(err)} instead of a ProtocolDecodeError`, { cause: err });
    return 'error';
  }
}

function truncationPoints(len: number, rnd: Rng): number[] {
  if (len <= 24) return Array.from({ length: len }, (_, i) => i);
  const points = new Set([0, 1, len - 1, len - 2]);
  while (points.size < 24) points.add(Math.floor(rnd() * len));
  return [...points];
}

const ITERATIONS = 4;

test('every message round-trips in every version (random messages)', () => {
  const rnd = seeded(0x6b617061);
  let combos = 0;
  for (const d of MESSAGE_DESCRIPTORS) {
    const { read, write } = codec(d);
    for (const version of versions(d)) {
      combos++;
      for (let i = 0; i < ITERATIONS; i++) {
        const msg = randomStruct(d, d.name, version, rnd);
        const where = `${d.name} v${version} #${i}`;
        const bytes = encode(write, version, msg);
        const back = decode(read, version, bytes);
        assert.deepStrictEqual(back, msg, where);
        assert.deepStrictEqual(encode(write, version, back), bytes, `${where}: re-encoding is byte-identical`);
      }
    }
  }
  assert.ok(combos > 500, `covered ${combos} message versions`);
});

test('an empty input message encodes to the defaults', () => {
  for (const d of MESSAGE_DESCRIPTORS) {
    const { read, write } = codec(d);
    for (const version of versions(d)) {
      const back = decode(read, version, encode(write, version, {}));
      assert.deepStrictEqual(back, defaultStruct(d, d.name), `${d.name} v${version}`);
    }
  }
});

test('truncated encodings fail with ProtocolDecodeError', () => {
  const rnd = seeded(7);
  for (const d of MESSAGE_DESCRIPTORS) {
    const { read, write } = codec(d);
    for (const version of versions(d)) {
      const bytes = encode(write, version, randomStruct(d, d.name, version, rnd));
      for (const len of truncationPoints(bytes.length, rnd)) {
        // A copy, so that no read can see past the cut through the underlying ArrayBuffer.
        const cut = Buffer.from(bytes.subarray(0, len));
        assert.equal(decodeOrProtocolError(read, version, cut), 'error', `${d.name} v${version} cut at ${len}/${bytes.length}`);
      }
    }
  }
});

test('corrupted encodings decode or fail with ProtocolDecodeError, nothing else', () => {
  const rnd = seeded(99);
  for (const d of MESSAGE_DESCRIPTORS) {
    const { read, write } = codec(d);
    for (const version of versions(d)) {
      const bytes = encode(write, version, randomStruct(d, d.name, version, rnd));
      if (bytes.length === 0) continue;
      for (let i = 0; i < 8; i++) {
        const bad = Buffer.from(bytes);
        const flips = 1 + Math.floor(rnd() * 3);
        for (let j = 0; j < flips; j++) bad[Math.floor(rnd() * bad.length)] = [0x00, 0xff, 0x7f, 0x80][Math.floor(rnd() * 4)]!;
        decodeOrProtocolError(read, version, bad);
      }
    }
  }
});

test('unknown tagged fields at the end of a message are skipped', () => {
  const rnd = seeded(3);
  let checked = 0;
  for (const d of MESSAGE_DESCRIPTORS) {
    const { read, write } = codec(d);
    const topTagged = d.structs[d.name]!.filter((f) => f.tagged);
    for (const version of versions(d)) {
      if (!isFlexible(d, version)) continue;
      // Top-level tagged fields left at their defaults, so the encoding ends with an empty tag section.
      const msg = randomStruct(d, d.name, version, rnd);
      const defaults = defaultStruct(d, d.name);
      for (const f of topTagged) msg[f.name] = defaults[f.name];
      const bytes = encode(write, version, msg);
      assert.equal(bytes[bytes.length - 1], 0, `${d.name} v${version} ends with an empty tag section`);
      const w = new Writer(16);
      w.raw(bytes.subarray(0, bytes.length - 1));
      w.uvarint(2);
      w.uvarint(90); // unknown tag, small
      w.uvarint(3).raw(Buffer.from([1, 2, 3]));
      w.uvarint(20000); // unknown tag, multi-byte varint, with a 200-byte payload
      w.uvarint(200).raw(Buffer.alloc(200, 0xab));
      const withUnknown = w.toBuffer();
      assert.deepStrictEqual(decode(read, version, withUnknown), msg, `${d.name} v${version}`);
      checked++;
    }
  }
  assert.ok(checked > 300);
});

test('unknown tags after known ones are skipped; default tagged structs are not written (FetchResponse v12 partition)', () => {
  const { readFetchResponsePartitionData, writeFetchResponsePartitionData } = generated;
  const w = new Writer();
  writeFetchResponsePartitionData(w, 12, {
    partitionIndex: 0,
    divergingEpoch: { epoch: 4, endOffset: 100 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 }, // equal to its default: Kafka leaves it out
    snapshotId: { endOffset: 7, epoch: 2 },
  });
  const plain = w.toBuffer();
  // The tag section closes the struct: 2 fields, each tag + size 13 + int32/int64 + empty tag section.
  const tail = Buffer.from([
    2,
    0, 13, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 100, 0,
    2, 13, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0,
  ]);
  assert.deepStrictEqual(plain.subarray(plain.length - tail.length), tail);
  const spliced = Buffer.concat([
    plain.subarray(0, plain.length - tail.length),
    Buffer.from([4]),
    tail.subarray(1),
    Buffer.from([3, 2, 0xaa, 0xbb]), // unknown tag 3
    Buffer.from([0xc0, 0x02, 1, 0xcc]), // unknown tag 320 (two-byte varint)
  ]);
  const decoded = readFetchResponsePartitionData(new Reader(spliced), 12);
  assert.deepStrictEqual(decoded, readFetchResponsePartitionData(new Reader(plain), 12));
  assert.deepStrictEqual(decoded.divergingEpoch, { epoch: 4, endOffset: 100 });
  assert.deepStrictEqual(decoded.snapshotId, { endOffset: 7, epoch: 2 });
  assert.deepStrictEqual(decoded.currentLeader, { leaderId: -1, leaderEpoch: -1 });
});

test('fields left at their defaults encode exactly like omitted fields (no default tagged fields written)', () => {
  for (const d of MESSAGE_DESCRIPTORS) {
    const { write } = codec(d);
    for (const version of versions(d)) {
      assert.deepStrictEqual(encode(write, version, defaultStruct(d, d.name)), encode(write, version, {}), `${d.name} v${version}`);
    }
  }
});

test('int64 values survive the full safe-integer range', () => {
  for (const v of [0, -1, 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const w = new Writer(8);
    w.int64(v);
    const b = w.toBuffer();
    assert.equal(b.readBigInt64BE(0), BigInt(v), `writes ${v}`);
    assert.equal(new Reader(b).int64(), v, `reads ${v}`);
  }
});

test('unsigned varints: 5 bytes at most, as in Kafka', () => {
  assert.equal(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])).uvarint(), 2 ** 32 - 1);
  assert.equal(new Reader(Buffer.from([0x80, 0x01])).uvarint(), 128);
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), ProtocolDecodeError);
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80])).uvarint(), ProtocolDecodeError);
});
