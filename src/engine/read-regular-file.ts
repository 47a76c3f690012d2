/**
 * Reads one working-tree file for a tree scan, synchronously. For tens of thousands of small files,
 * synchronous open/fstat/read/close in the page cache beats the libuv thread pool's 4 threads and
 * per-call promise hops several times over; scan-tree yields to the event loop between batches.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type ReadOutcome =
  | { kind: 'data'; data: Buffer }
  | { kind: 'too-large' }
  | { kind: 'skip' }
  | { kind: 'error'; code: string };

// O_NOFOLLOW: a symlink is never read (it could point out of the tree). O_NONBLOCK: opening a FIFO
// planted in the tree does not hang; it is then skipped as not a regular file.
const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export function readRegularFile(path: string, maxSize: number): ReadOutcome {
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
    if (st.size > maxSize) return { kind: 'too-large' };
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
