/**
 * Streams blob contents through one long-lived `git cat-file --batch --buffer`, parsing its output
 * incrementally: each object is handed over as one Buffer, large ones are skipped without being
 * accumulated, and stdin respects backpressure so memory stays bounded.
 */
import { spawnGit } from '../run-git.js';

export interface BlobVisitor {
  /**
   * Called with the blob's bytes as the pipe delivered them (one or more views of read chunks,
   * never copied or concatenated), or with `null` when it was larger than maxSize (skipped).
   */
  (oid: string, parts: Buffer[] | null, size: number): void;
}

export async function streamBlobs(
  repoDir: string,
  /** Object ids in batches (one pipe write per batch). */
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  maxSize: number,
  visit: BlobVisitor,
  signal?: AbortSignal,
): Promise<{ missing: number }> {
  const child = spawnGit(['cat-file', '--batch', '--buffer'], { cwd: repoDir });
  const abort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', abort, { once: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 8192) stderr += c.toString('utf8');
  });
  let missing = 0;

  // Parser state.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let current: { oid: string; size: number; parts: Buffer[] | null; got: number } | null = null;

  const onData = (chunk: Buffer): void => {
    let off = 0;
    while (off < chunk.length) {
      if (current) {
        const need = current.size + 1 - current.got; // content + trailing LF
        const take = Math.min(need, chunk.length - off);
        if (current.parts) current.parts.push(chunk.subarray(off, off + take));
        current.got += take;
        off += take;
        if (current.got === current.size + 1) {
          visit(current.oid, current.parts ? withoutLf(current.parts) : null, current.size);
          current = null;
        }
        continue;
      }
      const nl = chunk.indexOf(10, off);
      if (nl < 0) {
        pending.push(chunk.subarray(off));
        pendingLen += chunk.length - off;
        return;
      }
      let header: string;
      if (pendingLen > 0) {
        pending.push(chunk.subarray(off, nl));
        header = Buffer.concat(pending).toString('latin1');
        pending = [];
        pendingLen = 0;
      } else {
        header = chunk.toString('latin1', off, nl);
      }
      off = nl + 1;
      const parts = header.split(' ');
      if (parts[1] === 'missing') {
        missing++;
        continue;
      }
      const size = Number(parts[2]);
      current = { oid: parts[0]!, size, parts: size <= maxSize ? [] : null, got: 0 };
      if (size === 0) {
        // Empty blob: only the trailing LF follows.
        current.parts = [];
      }
    }
  };
  child.stdout.on('data', onData);

  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  child.stdin.on('error', () => {
    /* reported through the exit code */
  });
  let exited = false;
  void closed.then(() => (exited = true));
  try {
    for await (const batch of oids) {
      if (signal?.aborted || exited) break;
      if (batch.length === 0) continue;
      if (!child.stdin.write(`${batch.join('\n')}\n`)) {
        await Promise.race([
          new Promise<void>((resolve) => child.stdin.once('drain', resolve)),
          closed,
        ]);
      }
    }
  } catch (err) {
    child.kill('SIGKILL');
    signal?.removeEventListener('abort', abort);
    throw err;
  }
  child.stdin.end();
  const code = await closed;
  signal?.removeEventListener('abort', abort);
  if (signal?.aborted) throw new Error('history scan cancelled');
  if (code !== 0)
    throw new Error(`git cat-file failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
  return { missing };
}

/** Drops the LF cat-file writes after each object's content. */
function withoutLf(parts: Buffer[]): Buffer[] {
  const last = parts[parts.length - 1];
  if (!last) return parts;
  if (last.length === 1) parts.pop();
  else parts[parts.length - 1] = last.subarray(0, last.length - 1);
  return parts;
}
