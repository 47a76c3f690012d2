/**
 * Attribution for the few blobs that hit: one `git log --all --raw -c` pass, filtered in-process,
 * maps each hit blob to the commits and paths that wrote it, with the blob it replaced (so the
 * caller can tell an introduction from an edit of a file that already held the secret), and the hit
 * blobs each commit removed (so a move is not an introduction either).
 */
import { createInterface } from 'node:readline';
import { spawnGit } from '../run-git.js';
import { unquotePath } from '../unquote-path.js';
import { CommitGraph } from './commit-graph.js';

export interface BlobWrite {
  commit: string;
  author: string;
  date: string;
  path: string;
  /** Blob ids the path had in each parent ('0000…' when the file was added). */
  previous: string[];
  /** Position in git log order (0 = newest). */
  order: number;
}

export interface Attribution {
  /** Hit blob → every (commit, path) that wrote it. */
  writes: Map<string, BlobWrite[]>;
  /**
   * Commit → [previous, new] blob pairs of the paths where it replaced or deleted a hit blob. A
   * commit that writes a secret while removing it from another path (a rename under --no-renames,
   * a move) did not introduce it.
   */
  replaced: Map<string, [string, string][]>;
  /** Commits walked. */
  commits: number;
  /** Every walked commit with its parents. */
  graph: CommitGraph;
  /** Set when git log stopped early (an unreadable object): the attribution may be incomplete. */
  error?: string;
}

export async function attributeBlobs(
  repoDir: string,
  hitOids: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Attribution> {
  const out = new Map<string, BlobWrite[]>();
  const replaced = new Map<string, [string, string][]>();
  const graph = new CommitGraph();
  if (hitOids.size === 0) return { writes: out, replaced, commits: 0, graph };
  const child = spawnGit(
    [
      'log',
      '--all',
      // Children before parents always, otherwise newest first: a skewed clock cannot make a
      // descendant look older than the commit that introduced the secret.
      '--date-order',
      '--no-abbrev',
      '--raw',
      '-c',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      '--format=%x01%H%x1f%an%x1f%aI%x1f%P',
    ],
    { cwd: repoDir },
  );
  const abort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', abort, { once: true });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8').slice(0, 4096)));
  let commit = { sha: '', author: '', date: '' };
  let order = 0;
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.charCodeAt(0) === 1) {
      const [sha, author, date, parents] = line.slice(1).split('\x1f');
      commit = { sha: sha!, author: author ?? '', date: date ?? '' };
      graph.addCommit(commit.sha, parents ? parents.split(' ') : []);
      order++;
      continue;
    }
    if (line.charCodeAt(0) !== 58 /* ':' */) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const fields = line.slice(0, tab).replace(/^:+/, '').split(' ');
    // Combined raw: N+1 modes, N+1 oids, status. Plain: 2 modes, 2 oids, status.
    const oidCount = (fields.length - 1) / 2;
    const oids = fields.slice(oidCount, oidCount * 2);
    const newOid = oids[oids.length - 1]!;
    for (let i = 0; i < oids.length - 1; i++) {
      const prev = oids[i]!;
      if (prev === newOid || !hitOids.has(prev)) continue;
      const list = replaced.get(commit.sha);
      if (list) list.push([prev, newOid]);
      else replaced.set(commit.sha, [[prev, newOid]]);
    }
    if (!hitOids.has(newOid)) continue;
    const write: BlobWrite = {
      commit: commit.sha,
      author: commit.author,
      date: commit.date,
      path: unquotePath(line.slice(tab + 1)),
      previous: oids.slice(0, -1),
      order,
    };
    const list = out.get(newOid);
    if (list) list.push(write);
    else out.set(newOid, [write]);
  }
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (c) => resolve(c ?? -1));
  });
  signal?.removeEventListener('abort', abort);
  if (signal?.aborted) throw new Error('history scan cancelled');
  const error =
    code !== 0
      ? `git log failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`
      : undefined;
  return { writes: out, replaced, commits: order, graph, ...(error ? { error } : {}) };
}
