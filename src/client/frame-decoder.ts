// Splits a TCP byte stream into Kafka frames (int32 size + payload). Incoming chunks are queued,
// not concatenated on arrival: a frame that lies inside one chunk is handed out as a view of it,
// and a frame spread over several chunks is copied exactly once into a buffer of its final size.
// So a large Fetch response arriving in many 64 KiB chunks costs one copy, never a quadratic
// re-concatenation.

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private head = 0;
  private buffered = 0;
  /** Size of the frame being assembled, once its 4-byte prefix has been read; -1 before. */
  private pending = -1;

  constructor(private readonly maxFrameBytes = 256 * 1024 * 1024) {}

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Appends a chunk and returns every frame payload (without its size prefix) now complete. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.pending < 0) {
        if (this.buffered < 4) break;
        this.pending = this.readInt32();
        if (this.pending < 0 || this.pending > this.maxFrameBytes) {
          throw new FrameTooLargeError(`frame size ${this.pending} is outside 0..${this.maxFrameBytes}`);
        }
      }
      if (this.buffered < this.pending) break;
      frames.push(this.take(this.pending));
      this.pending = -1;
    }
    return frames;
  }

  private readInt32(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= 4) {
      const v = first.readInt32BE(this.head);
      this.advance(4);
      return v;
    }
    return this.take(4).readInt32BE(0);
  }

  /** Removes n bytes from the front; a view when they sit in one chunk, otherwise one copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      const want = Math.min(avail, n - filled);
      c.copy(out, filled, this.head, this.head + want);
      filled += want;
      this.advance(want);
    }
    return out;
  }

  private advance(n: number): void {
    this.head += n;
    this.buffered -= n;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
