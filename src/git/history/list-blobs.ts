/**
 * Every blob reachable from any ref, once, with the first path it was seen at.
 * `rev-list --objects --all --filter=object:type=blob` lists each object once; lines with a path are
 * blobs, lines without are commits.
 */
import { createInterface } from 'node:readline';
import { spawnGit } from '../run-git.js';

export interface BlobList {
  /** oid → first path. */
  blobs: Map<string, string>;
  commits: number;
  /** Objects the repository does not have (partial clones, snapshots without large files). */
  missing: number;
}

export async function listReachableBlobs(repoDir: string, signal?: AbortSignal): Promise<BlobList> {
  const child = spawnGit(
    ['rev-list', '--objects', '--all', '--filter=object:type=blob', '--missing=print'],
    {
      cwd: repoDir,
    },
  );
  const abort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', abort, { once: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin.end();
  const blobs = new Map<string, string>();
  let commits = 0;
  let missing = 0;
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.charCodeAt(0) === 63 /* '?' */) {
      missing++;
      continue;
    }
    const sp = line.indexOf(' ');
    if (sp < 0) {
      if (line.length >= 40) commits++;
      continue;
    }
    blobs.set(line.slice(0, sp), line.slice(sp + 1));
  }
  const code: number = await new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (c) => resolve(c ?? -1));
  });
  signal?.removeEventListener('abort', abort);
  if (signal?.aborted) throw new Error('history scan cancelled');
  // An empty repository (no refs) lists nothing and exits 0; anything else is an error.
  if (code !== 0)
    throw new Error(`git rev-list failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
  return { blobs, commits, missing };
}
