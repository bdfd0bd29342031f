// Producer ids, handed out in blocks as Kafka's controller does: the end of the current block is made
// durable before any id from it is used, so an id is never given twice, even after a kill -9 (a crash
// only skips the rest of a block).
import { join } from 'node:path';
import { readFileOrNull, writeFileAtomic } from '../log/fs-util.js';

const FILE = 'producer-id-block.json';
const BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  private next = 0;
  private blockEnd = 0;
  private reserving: Promise<void> | null = null;

  private constructor(private readonly path: string) {}

  static async open(dataDir: string): Promise<ProducerIdAllocator> {
    const a = new ProducerIdAllocator(join(dataDir, FILE));
    const buf = await readFileOrNull(a.path);
    if (buf) {
      const saved = JSON.parse(buf.toString('utf8')) as { nextBlockStart: number };
      a.next = a.blockEnd = saved.nextBlockStart;
    }
    return a;
  }

  async allocate(): Promise<number> {
    while (this.next >= this.blockEnd) {
      this.reserving ??= (async () => {
        const end = this.blockEnd + BLOCK_SIZE;
        await writeFileAtomic(this.path, JSON.stringify({ nextBlockStart: end }));
        this.next = this.blockEnd;
        this.blockEnd = end;
      })().finally(() => (this.reserving = null));
      await this.reserving;
    }
    return this.next++;
  }
}
