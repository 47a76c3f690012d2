/**
 * Every blob reachable from any ref, once, with the first path it was seen at, streamed as
 * `git rev-list --objects --all` finds them so that `git cat-file` can start reading contents
 * while the walk is still going (the two overlap on two cores).
 * With `--filter=object:type=blob` lines with a path are blobs; lines without one are commits (git
 * 2.39 prints only some of them, so commits are counted elsewhere) or blobs a tag points at.
 */
import { killGit, spawnGit, stderrTail } from '../run-git.js';
import type { HistoryRefs, RevSpec } from './history-refs.js';

export interface ReachableBlob {
  oid: string;
  path: string;
}

export interface BlobListing {
  /** Reachable objects the repository does not have (partial clones, damaged mirrors). */
  missing: number;
}

/**
 * Yields the blobs in batches, one per chunk of rev-list output: a history has hundreds of
 * thousands of blobs, and a promise, a string and a pipe write per blob (readline, one generator
 * step each) cost more CPU than the walk itself. After a failed walk is recovered (HistoryRefs)
 * the listing starts over: a blob can then come twice, and the caller keeps the first.
 */
export async function* listReachableBlobs(
  repoDir: string,
  summary: BlobListing,
  signal: AbortSignal | undefined,
  refs: HistoryRefs,
): AsyncGenerator<ReachableBlob[]> {
  const args = [
    'rev-list',
    '--objects',
    '--filter=object:type=blob',
    '--missing=print',
    // Each commit's new blobs right after it, not all of them after the whole commit walk: the
    // same objects with the same first paths, but cat-file starts after 0.4 s, not 1.0 s.
    '--in-commit-order',
  ];
  for (;;) {
    const spec = await refs.spec();
    const missingBefore = summary.missing;
    try {
      yield* blobBatches(revListOutput(repoDir, args, spec, signal), summary);
      return;
    } catch (err) {
      // A walk that failed (a bad ref at its start, a commit whose parent is gone part way) is
      // walked again once the refs are read and the history cut: from the start, so the caller
      // sees some blobs twice and keeps the first (each is listed once per walk).
      if (!(await refs.recover(spec))) throw err;
      summary.missing = missingBefore;
    }
  }
}

async function* blobBatches(
  output: AsyncGenerator<Buffer>,
  summary: BlobListing,
): AsyncGenerator<ReachableBlob[]> {
  let carry: Buffer | null = null;
  for await (const data of output) {
    const chunk: Buffer = carry ? Buffer.concat([carry, data]) : data;
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      carry = chunk;
      continue;
    }
    // Decode whole lines only, so a multi-byte character is never cut between chunks.
    carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
    const batch = parseLines(chunk.toString('utf8', 0, last), summary);
    if (batch.length > 0) yield batch;
  }
  if (carry) {
    const batch = parseLines(carry.toString('utf8'), summary);
    if (batch.length > 0) yield batch;
  }
}

/**
 * Pack windows for the object walks. git maps packs in windows of 1 GiB by default and keeps up
 * to 8 GiB mapped, so a walk over every tree keeps the whole pack resident: on renovate (278 MB
 * of pack) `rev-list --objects --all` peaked at 434 MB of RSS, more than node itself. Windows of
 * 16 MiB, at most 128 MiB mapped: 236 MB, in the same time (2.48–2.87 s against 2.49–2.83 s).
 */
const PACK_WINDOWS = ['-c', 'core.packedGitWindowSize=16m', '-c', 'core.packedGitLimit=128m'];

/**
 * The output of `git rev-list <args>` as it comes (buffered by git, not flushed per line); throws
 * when git fails. An empty repository (no refs) lists nothing and exits 0.
 */
async function* revListOutput(
  repoDir: string,
  args: string[],
  spec: RevSpec,
  signal: AbortSignal | undefined,
  niceness = 0,
): AsyncGenerator<Buffer> {
  const child = spawnGit([...spec.git, ...PACK_WINDOWS, ...args, ...spec.args], {
    cwd: repoDir,
    // Buffered output: into a pipe git would otherwise flush after every line.
    env: { GIT_FLUSH: '0' },
    ...(niceness ? { niceness } : {}),
  });
  const abort = (): void => killGit(child);
  signal?.addEventListener('abort', abort, { once: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 8192) stderr += c.toString('utf8');
  });
  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  child.stdin.on('error', () => {
    /* git may exit before reading its tips; the exit code says why */
  });
  child.stdin.end(spec.input);
  try {
    for await (const data of child.stdout as AsyncIterable<Buffer>) yield data;
    const code = await closed;
    if (signal?.aborted) throw new Error('history scan cancelled');
    const killed = child.failure();
    if (killed) throw killed;
    if (code !== 0) throw new Error(`git rev-list failed (exit ${code}): ${stderrTail(stderr)}`);
  } finally {
    signal?.removeEventListener('abort', abort);
    if (child.exitCode === null) killGit(child);
  }
}

function parseLines(text: string, summary: BlobListing): ReachableBlob[] {
  const out: ReachableBlob[] = [];
  for (const line of text.split('\n')) {
    if (line.charCodeAt(0) === 63 /* '?' */) {
      summary.missing++;
      continue;
    }
    const sp = line.indexOf(' ');
    if (sp < 0) continue; // a commit
    out.push({ oid: line.slice(0, sp), path: line.slice(sp + 1) });
  }
  return out;
}

/**
 * How many objects reachable from any ref the repository lacks (`git rev-list --objects --all
 * --missing=print` prints them with a leading '?'): the gate-first scan, which reads what the
 * object store holds, asks this where objects can have gone missing (see scan-history.ts).
 */
export async function countMissing(
  repoDir: string,
  signal: AbortSignal | undefined,
  refs: HistoryRefs,
): Promise<number> {
  const args = ['rev-list', '--objects', '--missing=print', '--no-object-names'];
  return refs.run(async (spec) => {
    let missing = 0;
    let atLineStart = true;
    for await (const data of revListOutput(repoDir, args, spec, signal, 19)) {
      if (atLineStart && data[0] === 63 /* '?' */) missing++;
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1))
        if (data[i + 1] === 63) missing++;
      atLineStart = data[data.length - 1] === 10;
    }
    return missing;
  });
}
