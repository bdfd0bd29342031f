// Small promise wrappers over the callback fs API: they avoid FileHandle objects, whose per-call
// overhead shows up on the append path, and keep positional I/O explicit.
import * as fs from 'node:fs';
import { dirname } from 'node:path';

export function pread(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      fs.read(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(err);
        done += n;
        if (n === 0 || done === length) resolve(done === length ? buf : buf.subarray(0, done));
        else step();
      });
    };
    step();
  });
}

/** Positional writev that finishes short writes. */
export function pwritev(fd: number, buffers: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let bufs = buffers;
    let pos = position;
    const step = (): void => {
      fs.writev(fd, bufs, pos, (err, written) => {
        if (err) return reject(err);
        pos += written;
        let skip = written;
        let i = 0;
        while (i < bufs.length && skip >= bufs[i]!.length) skip -= bufs[i++]!.length;
        if (i === bufs.length) return resolve();
        bufs = bufs.slice(i);
        if (skip > 0) bufs[0] = bufs[0]!.subarray(skip);
        step();
      });
    };
    step();
  });
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export async function fsyncDir(dir: string): Promise<void> {
  const fd = await fs.promises.open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/**
 * Replaces path with data so that a crash leaves either the old or the new content. With durable false
 * the content is not fsynced: a crash may then leave it empty or partial, never mixed with the old.
 */
export async function writeFileAtomic(path: string, data: Buffer | string, syncDir = true, durable = true): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await fs.promises.open(tmp, 'w');
  try {
    await fd.writeFile(data);
    if (durable) await fd.datasync();
  } finally {
    await fd.close();
  }
  await fs.promises.rename(tmp, path);
  // Callers writing several files into one directory pass false and sync the directory once.
  if (syncDir) await fsyncDir(dirname(path));
}

export async function readFileOrNull(path: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
