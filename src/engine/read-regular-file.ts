/**
 * Reads one working-tree file for a tree scan, synchronously. For tens of thousands of small files,
 * synchronous open/fstat/read/close in the page cache beats the libuv thread pool's 4 threads and
 * per-call promise hops several times over; scan-tree yields to the event loop between batches.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type ReadOutcome =
  | { kind: 'data'; data: Buffer }
  | { kind: 'too-large'; size: number }
  | { kind: 'skip' }
  | { kind: 'error'; code: string };

// O_NOFOLLOW: a symlink is never read (it could point out of the tree). O_NONBLOCK: opening a FIFO
// planted in the tree does not hang; it is then skipped as not a regular file.
export const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export function readRegularFile(path: string | Buffer, maxSize: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // ELOOP: a symlink (O_NOFOLLOW). ENOENT: deleted since listing. ENXIO: a socket or FIFO.
    return code === 'ELOOP' || code === 'ENOENT' || code === 'ENXIO' || code === 'EISDIR'
      ? { kind: 'skip' }
      : { kind: 'error', code };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'skip' };
    if (st.size > maxSize) return { kind: 'too-large', size: st.size };
    const data = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, data, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { kind: 'data', data: off === st.size ? data : data.subarray(0, off) };
  } catch (err) {
    return { kind: 'error', code: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file too large to hold whole in fresh chunks of `chunkSize` bytes, handing each to
 * `onChunk` (which may keep it), with the same open flags as readRegularFile. At most `limit` bytes.
 */
export function readRegularFileChunks(
  path: string | Buffer,
  chunkSize: number,
  limit: number,
  onChunk: (chunk: Buffer) => void,
): ReadOutcome | undefined {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    return { kind: 'error', code: (err as NodeJS.ErrnoException).code ?? 'error' };
  }
  try {
    if (!fstatSync(fd).isFile()) return { kind: 'skip' };
    let off = 0;
    while (off < limit) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, limit - off));
      const n = readSync(fd, chunk, 0, chunk.length, off);
      if (n === 0) break;
      onChunk(n === chunk.length ? chunk : chunk.subarray(0, n));
      off += n;
    }
    return undefined;
  } catch (err) {
    return { kind: 'error', code: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    closeSync(fd);
  }
}
