import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameTooLargeError } from '../../../src/client/frame-decoder.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

const payloads = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('x')];
const stream = Buffer.concat(payloads.map(frame));

test('many frames in one chunk come out in order', () => {
  const d = new FrameDecoder();
  assert.deepEqual(d.push(stream), payloads);
  assert.equal(d.bufferedBytes, 0);
});

test('frames split at every possible byte boundary reassemble identically', () => {
  const small = Buffer.concat([Buffer.from('ab'), Buffer.from('cdefg'), Buffer.alloc(0)].map(frame));
  for (let cut = 0; cut <= small.length; cut++) {
    const d = new FrameDecoder();
    const out = [...d.push(small.subarray(0, cut)), ...d.push(small.subarray(cut))];
    assert.deepEqual(out.map(String), ['ab', 'cdefg', ''], `cut at ${cut}`);
  }
});

test('one byte at a time still yields every frame', () => {
  const d = new FrameDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
  assert.deepEqual(out, payloads);
});

test('a frame inside one chunk is a view, not a copy', () => {
  const d = new FrameDecoder();
  const chunk = frame(Buffer.from('view'));
  const [out] = d.push(chunk);
  assert.equal(out!.buffer, chunk.buffer);
});

test('a frame spread over many chunks is assembled once', () => {
  const d = new FrameDecoder();
  const big = frame(Buffer.alloc(1_000_000, 3));
  const out: Buffer[] = [];
  for (let i = 0; i < big.length; i += 65536) out.push(...d.push(big.subarray(i, i + 65536)));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.length, 1_000_000);
  assert.equal(out[0]!.every((b) => b === 3), true);
});

test('a negative or oversized frame size is rejected', () => {
  assert.throws(() => new FrameDecoder(100).push(frame(Buffer.alloc(101))), FrameTooLargeError);
  assert.throws(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), FrameTooLargeError);
});
