import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import {
  CompressionCodec,
  CompressionError,
  codecFromName,
  compress,
  compressionName,
  decompress,
  isXerialFramed,
} from '../../../src/protocol/compression.js';

const FIXTURES = 'test/unit/protocol/fixtures';
const fixture = (name: string): Buffer => readFileSync(`${FIXTURES}/${name}`);

// The text every fixture in fixtures/ compresses (see fixtures/README.md).
function fixtureText(): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < 12000; i++) parts.push(`rec-${i % 97};`);
  return Buffer.from(parts.join(''));
}

const WORDS = ['kappa', 'offset', 'batch', 'record', 'topic', 'partition', 'leader', 'epoch', '{"price":', '}\n'];

// Words picked pseudo-randomly, plus a noise byte now and then: text a codec can shrink, but
// not trivially.
function sample(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 12345;
  let i = 0;
  while (i < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const word = x % 17 === 0 ? String.fromCharCode(x >> 24) : WORDS[(x >> 16) % WORDS.length]!;
    i += b.write(word, i, 'latin1');
  }
  return b;
}

const codecs = [0, 1, 2, 3, 4] as const;

for (const codec of codecs) {
  test(`${compressionName(codec)}: round trip of empty, small and large inputs`, () => {
    for (const size of [0, 1, 100, 70_000, 1_000_000]) {
      const data = sample(size);
      const packed = compress(codec, data);
      assert.ok(Buffer.isBuffer(packed));
      assert.deepEqual(decompress(codec, packed), data, `size ${size}`);
      if (codec !== 0 && size >= 70_000) assert.ok(packed.length < data.length, 'compresses');
    }
  });
}

test('codec names map both ways', () => {
  assert.equal(codecFromName('ZSTD'), 4);
  assert.equal(codecFromName('none'), CompressionCodec.none);
  assert.equal(compressionName(3), 'lz4');
  assert.throws(() => codecFromName('brotli'), CompressionError);
  assert.throws(() => compress(5, Buffer.alloc(1)), CompressionError);
  assert.throws(() => decompress(7, Buffer.alloc(1)), CompressionError);
});

test('snappy output is one raw block, lz4 a frame, zstd a frame, gzip a gzip stream', () => {
  const data = Buffer.from('x'.repeat(300));
  const s = compress(2, data);
  assert.equal(isXerialFramed(s), false);
  assert.deepEqual([...s.subarray(0, 2)], [0xac, 0x02], 'raw snappy starts with the varint of 300');
  assert.deepEqual([...compress(3, data).subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
  assert.deepEqual([...compress(4, data).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
  assert.deepEqual([...compress(1, data).subarray(0, 2)], [0x1f, 0x8b]);
});

// Raw snappy blocks built by hand from the format description: a varint of the uncompressed
// length, then elements; tag low bits 00 = literal (length-1 in the upper 6 bits), 10 = copy with
// a 2-byte little-endian offset (length-1 in the upper 6 bits).
const RAW_BLOCK_1 = Buffer.from([0x10, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x2e, 0x04, 0x00]); // "abcd" + copy(12, back 4)
const RAW_BLOCK_2 = Buffer.from([0x03, 0x08, 0x78, 0x79, 0x7a]); // "xyz"

function xerial(...blocks: Uint8Array[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Uint8Array[] = [header];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

test('snappy: decodes a hand-built raw block', () => {
  assert.equal(decompress(2, RAW_BLOCK_1).toString(), 'abcdabcdabcdabcd');
});

test('snappy: decodes xerial framing (as Java clients write it), one or several blocks', () => {
  const framed = xerial(RAW_BLOCK_1, RAW_BLOCK_2);
  assert.equal(isXerialFramed(framed), true);
  assert.equal(decompress(2, framed).toString(), 'abcdabcdabcdabcdxyz');
  assert.equal(decompress(2, xerial(RAW_BLOCK_2)).toString(), 'xyz');
  assert.equal(decompress(2, xerial()).length, 0);
});

test('snappy: xerial frames of our own blocks round trip, truncated frames are refused', () => {
  const a = sample(5000);
  const b = sample(300);
  const framed = xerial(compress(2, a), compress(2, b));
  assert.deepEqual(decompress(2, framed), Buffer.concat([a, b]));
  assert.throws(() => decompress(2, framed.subarray(0, framed.length - 3)), CompressionError);
  assert.throws(() => decompress(2, framed.subarray(0, 18)), CompressionError);
});

test('gzip: decodes GNU gzip output, including a stream of two members', () => {
  assert.deepEqual(decompress(1, fixture('plain.txt.gz')), fixtureText());
  assert.deepEqual(decompress(1, fixture('plain.txt.2members.gz')), fixtureText());
});

test('lz4: decodes frames from the reference lz4 CLI (content checksum; linked blocks with block checksums and content size)', () => {
  assert.deepEqual(decompress(3, fixture('plain.txt.lz4')), fixtureText());
  assert.deepEqual(decompress(3, fixture('plain.txt.linked.lz4')), fixtureText());
});

test('zstd: decodes reference zstd CLI output without a content size, and two concatenated frames', () => {
  const stream = fixture('plain.txt.stream.zst');
  assert.equal(stream[4]! & 0xc0, 0, 'fixture frame header has no content size');
  assert.deepEqual(decompress(4, stream), fixtureText());
  assert.deepEqual(decompress(4, fixture('plain.txt.2frames.zst')), fixtureText());
});

test('corrupted input raises CompressionError for every codec', () => {
  const data = sample(10_000);
  for (const codec of [1, 2, 3, 4]) {
    const packed = Buffer.from(compress(codec, data));
    const truncated = packed.subarray(0, packed.length >> 1);
    assert.throws(() => decompress(codec, truncated), CompressionError, `${compressionName(codec)} truncated`);
  }
  assert.throws(() => decompress(1, Buffer.from('not gzip at all')), CompressionError);
  assert.throws(() => decompress(3, Buffer.from('not an lz4 frame')), CompressionError);
  assert.throws(() => decompress(4, Buffer.from('not a zstd frame')), CompressionError);
});

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const [tool, codec] of [['lz4', 3], ['zstd', 4], ['gzip', 1]] as const) {
  test(`${tool} CLI decodes what we compress`, { skip: !hasTool(tool) && `${tool} not installed` }, () => {
    const data = fixtureText();
    const out = execFileSync(tool, ['-d', '-c'], { input: compress(codec, data), maxBuffer: 1 << 24 });
    assert.deepEqual(out, data);
  });
}

test('gzip: our decoder agrees with node:zlib on its own output at every level', () => {
  const data = sample(20_000);
  for (const level of [1, 6, 9]) assert.deepEqual(decompress(1, gzipSync(data, { level })), data);
});
