/**
 * Attribution for the few blobs that hit: the raw diff of every commit (what `git log --all --raw
 * -c` prints), filtered in-process, maps each hit blob to the commits and paths that wrote it, with
 * the blob it replaced (so the caller can tell an introduction from an edit of a file that already
 * held the secret), and the hit blobs each commit removed (so a move is not an introduction either).
 *
 * The diffs come from `git diff-tree --stdin` over the commit list, split in contiguous runs over
 * a few processes: the same lines as one `git log` walk, in half the time on two cores (renovate:
 * 2.2 s against 4.3 s). The commit list (`git rev-list --all --date-order --parents`) is usually
 * read beforehand, at low priority beside the blob stream (see `listCommits`).
 */
import { createInterface } from 'node:readline';
import {
  gitLimits,
  killGit,
  parallelGitProcesses,
  runGit,
  spawnGit,
  stderrTail,
} from '../run-git.js';
import { addAuthors, messageFormat, parseMessageRecords, type GitMessage } from '../messages.js';
import { unquotePath } from '../unquote-path.js';
import { CommitGraph } from './commit-graph.js';
import { HistoryRefs } from './history-refs.js';

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
  /** Commit → position in the walk (0 = newest; children before parents). */
  order: Map<string, number>;
  /** Set when git log stopped early (an unreadable object): the attribution may be incomplete. */
  error?: string;
}

/** Every commit reachable from any ref, children before parents, with its parents. */
export interface CommitList {
  /**
   * One `\x01sha parent…\x1f\x00` record per commit (`rev-list --all --date-order` output less
   * the messages), split into `sha parent…` lines (commitLines) only if attribution runs.
   */
  raw: Buffer;
  count: number;
  /** The commit messages the gate passed (the walk reads every message for free). */
  messages: GitMessage[];
}

/**
 * Lists every commit at the lowest scheduling priority: run beside the blob stream, it takes the
 * CPU the stream leaves idle and gives the commit count for free. The same walk prints each
 * commit's message, which `gate` (the keyword prefilter) sees as raw bytes: only the few it passes
 * are decoded, for the caller to scan.
 */
export async function listCommits(
  repoDir: string,
  signal: AbortSignal | undefined,
  gate: (bytes: Uint8Array) => boolean,
  refs: HistoryRefs,
): Promise<CommitList> {
  // Messages without author and date: formatting those for every commit cost more than the
  // messages themselves (renovate: +0.25 s of git CPU against +0.12 s); the few hits get them below.
  // Read as it comes, keeping only the headers: buffered, renovate's 26 MB of output (16 MB of it
  // messages) was held twice while joined, at the end of the blob read, where the scan peaks.
  let records = new CommitRecords(gate);
  await refs.run((spec) => {
    records = new CommitRecords(gate);
    return runGit(
      [...spec.git, 'rev-list', ...spec.args, '--date-order', messageFormat('%H %P', false)],
      {
        cwd: repoDir,
        onStdout: (chunk) => records.push(chunk),
        // Buffered output: into a pipe git writes (and node wakes up) once per commit otherwise.
        env: { GIT_FLUSH: '0' },
        niceness: 19,
        // It prints nothing until the walk is done, at the lowest priority beside two busy readers:
        // a long silence is expected here (the deadline still bounds it).
        idleTimeoutMs: gitLimits().idleTimeoutMs * 5,
        maxBuffer: 2 * 1024 * 1024 * 1024 - 1,
        ...(spec.input !== undefined ? { input: spec.input } : {}),
        ...(signal ? { signal } : {}),
      },
    );
  });
  const parsed = records.end();
  const messages = parsed.messages
    .filter((m) => COMMIT_HEADER.test(m.header))
    .map((m) => ({
      commit: m.header.split(' ')[0]!,
      author: '',
      date: '',
      text: m.text,
    }));
  await addAuthors(repoDir, messages, signal);
  return { raw: parsed.raw, count: parsed.count, messages };
}

/**
 * `rev-list` records parsed as they arrive: each run of complete records (up to the last NUL seen)
 * goes through parseMessageRecords as the whole output would (a record ends at the first NUL after
 * its start, so none is cut), the gate sees every message, and only the headers are kept.
 * Only record bounds and the gate run over every commit; headers are decoded for the few messages
 * that pass (and for every commit only when attribution needs the list).
 */
class CommitRecords {
  private pending: Buffer[] = [];
  private blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(HEADER_BLOCK);
  private used = 0;
  private count = 0;
  private readonly messages: ReturnType<typeof parseMessageRecords>['messages'] = [];

  constructor(private readonly gate: (bytes: Uint8Array) => boolean) {}

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(0);
    if (last < 0) {
      this.pending.push(chunk);
      return;
    }
    this.pending.push(chunk.subarray(0, last + 1));
    this.parse(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending));
    this.pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
  }

  end(): { raw: Buffer; count: number; messages: CommitRecords['messages'] } {
    if (this.pending.length > 0) this.parse(Buffer.concat(this.pending));
    this.pending = [];
    const raw = Buffer.concat([...this.blocks, this.block.subarray(0, this.used)]);
    this.blocks = [];
    return { raw, count: this.count, messages: this.messages };
  }

  private parse(out: Buffer): void {
    const parsed = parseMessageRecords(out, this.gate, undefined, false, (bytes, from, to) =>
      this.keep(bytes, from, to),
    );
    this.count += parsed.count;
    this.messages.push(...parsed.messages);
  }

  /** Appends `\x01header\x1f\x00`, copied into blocks (no string, no Buffer per commit). */
  private keep(bytes: Buffer, from: number, to: number): void {
    const need = to - from + 3;
    if (this.used + need > this.block.length) {
      this.blocks.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(HEADER_BLOCK, need));
      this.used = 0;
    }
    const b = this.block;
    b[this.used++] = 0x01;
    this.used += bytes.copy(b, this.used, from, to);
    b[this.used++] = 0x1f;
    b[this.used++] = 0x00;
  }
}

/** Bytes of headers per block (renovate: 10 MB of headers in all). */
const HEADER_BLOCK = 256 * 1024;

/**
 * `sha parent…` of every listed commit, in walk order. A header is hex ids only: anything else
 * came from inside a crafted message (git prints a message up to a NUL byte, and a hostile commit
 * can hold one) and is not a commit.
 */
export function commitLines(list: CommitList): string[] {
  const lines: string[] = [];
  parseMessageRecords(
    list.raw,
    () => false,
    (h) => {
      if (COMMIT_HEADER.test(h)) lines.push(h.trimEnd());
    },
    false,
  );
  return lines;
}

const COMMIT_HEADER = /^[0-9a-f]{40,64}( [0-9a-f]{40,64})* ?$/;

export interface AttributeOptions {
  signal?: AbortSignal;
  /** From `listCommits`; listed here when absent. */
  commits?: CommitList;
  /**
   * Where the walk starts and where it is cut, shared with the rest of the scan (a bad ref is read
   * around once, and the diffs use the listing's cut). Absent: one of its own, removed after.
   */
  refs?: HistoryRefs;
  /** diff-tree processes. Default: 2, or 1 on a single-core machine. */
  workers?: number;
  /** Walk the commits (order and graph) even with no hit blob: messages hit. */
  graph?: boolean;
}

export async function attributeBlobs(
  repoDir: string,
  hitOids: ReadonlySet<string>,
  opts: AttributeOptions = {},
): Promise<Attribution> {
  const refs = opts.refs ?? new HistoryRefs(repoDir, opts.signal);
  try {
    return await attributeWith(repoDir, hitOids, opts, refs);
  } finally {
    if (!opts.refs) await refs.dispose();
  }
}

async function attributeWith(
  repoDir: string,
  hitOids: ReadonlySet<string>,
  opts: AttributeOptions,
  refs: HistoryRefs,
): Promise<Attribution> {
  const { signal } = opts;
  const out = new Map<string, BlobWrite[]>();
  const replaced = new Map<string, [string, string][]>();
  const graph = new CommitGraph();
  const order = new Map<string, number>();
  if (hitOids.size === 0 && !opts.graph) return { writes: out, replaced, commits: 0, graph, order };

  const list = opts.commits ?? (await listCommits(repoDir, signal, () => false, refs));
  // Children before parents always, otherwise newest first: a skewed clock cannot make a
  // descendant look older than the commit that introduced the secret. `order` is the position.
  const lines = commitLines(list);
  const shas: string[] = [];
  for (const line of lines) if (line.length >= 40) shas.push(line.slice(0, 40));

  // Blocks of consecutive commits dealt round-robin: neighbours share most of their trees (which
  // git then reads once per process), and the old, small trees are spread evenly.
  const workers = Math.max(1, Math.min(opts.workers ?? parallelGitProcesses(), shas.length));
  const runs: string[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < shas.length; i += BLOCK)
    runs[(i / BLOCK) % workers]!.push(...shas.slice(i, i + BLOCK));
  const onRaw = (commit: Commit, line: string): void => {
    if (!mentionsHit(line, hitOids)) return;
    const tab = line.indexOf('\t');
    if (tab < 0) return;
    const fields = line.slice(0, tab).replace(/^:+/, '').split(' ');
    // Combined raw: N+1 modes, N+1 oids, status. Plain: 2 modes, 2 oids, status.
    const oidCount = (fields.length - 1) / 2;
    const oids = fields.slice(oidCount, oidCount * 2);
    const newOid = oids[oids.length - 1]!;
    for (let i = 0; i < oids.length - 1; i++) {
      const prev = oids[i]!;
      if (prev === newOid || !hitOids.has(prev)) continue;
      const l = replaced.get(commit.sha);
      if (l) l.push([prev, newOid]);
      else replaced.set(commit.sha, [[prev, newOid]]);
    }
    if (!hitOids.has(newOid)) return;
    const write: BlobWrite = {
      commit: commit.sha,
      author: commit.author,
      date: commit.date,
      path: unquotePath(line.slice(tab + 1)),
      previous: oids.slice(0, -1),
      order: order.get(commit.sha) ?? 0,
    };
    const l = out.get(newOid);
    if (l) l.push(write);
    else out.set(newOid, [write]);
  };
  // No hit blob (only messages hit): the order and the graph, no diffs.
  // A history cut at unreadable parents is diffed with the same cut (its commits then diff as roots).
  const git = refs.gitArgs();
  const running =
    hitOids.size === 0 ? [] : runs.map((run) => diffRun(repoDir, run, onRaw, signal, git));
  // While git diffs (no output is handled before the next await): the order and the graph.
  for (let i = 0; i < shas.length; i++) order.set(shas[i]!, i);
  for (const line of lines) {
    if (line.length < 40) continue;
    const fields = line.split(' ');
    graph.addCommit(fields[0]!, fields.slice(1));
  }
  const errors = await Promise.all(running);
  if (signal?.aborted) throw new Error('history scan cancelled');
  // Runs finish in any order: keep each blob's writes in walk order, as one git log would.
  for (const writes of out.values()) writes.sort((a, b) => a.order - b.order);
  const error = errors.find((e) => e !== undefined);
  return {
    writes: out,
    replaced,
    commits: shas.length,
    graph,
    order,
    ...(error ? { error } : {}),
  };
}

/**
 * Cheap pre-check of a raw line (`:mode… oid… status\tpath`, one ':' per parent, modes of six
 * digits and full oids with --no-abbrev): does any of its oids belong to a hit blob? Nearly every
 * line of a history is rejected here without being split.
 */
function mentionsHit(line: string, hitOids: ReadonlySet<string>): boolean {
  let parents = 0;
  while (line.charCodeAt(parents) === 58 /* ':' */) parents++;
  const first = parents + 7 * (parents + 1);
  for (let i = 0; i <= parents; i++) {
    const at = first + 41 * i;
    if (line.charCodeAt(at + 40) !== 32 /* ' ' */) return true; // unexpected layout: look closer
    if (hitOids.has(line.slice(at, at + 40))) return true;
  }
  return false;
}

const BLOCK = 1000;

interface Commit {
  sha: string;
  author: string;
  date: string;
}

/** Raw diffs of one run of commits; resolves with an error message if git stopped early. */
async function diffRun(
  repoDir: string,
  shas: readonly string[],
  onRaw: (commit: Commit, line: string) => void,
  signal: AbortSignal | undefined,
  git: readonly string[],
): Promise<string | undefined> {
  const child = spawnGit(
    [
      ...git,
      'diff-tree',
      '--stdin',
      // A header for every commit, the root commit's files as added, every path, combined
      // diffs for merges (what the merge itself changed), as `git log --raw -c` shows them.
      '--always',
      '--root',
      '-r',
      '-c',
      '--no-abbrev',
      '--raw',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      '--format=%x01%H%x1f%an%x1f%aI',
    ],
    // Into a pipe git flushes after every commit by default: 114k small writes on renovate, which
    // made the pipe cost as much as the diffs (3.6 s against 2.3 s with buffered output).
    { cwd: repoDir, env: { GIT_FLUSH: '0' } },
  );
  const abort = (): void => killGit(child);
  signal?.addEventListener('abort', abort, { once: true });
  child.stdin.on('error', () => {
    /* reported through the exit code */
  });
  child.stdin.end(shas.length > 0 ? `${shas.join('\n')}\n` : '');
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8').slice(0, 4096)));
  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  let commit: Commit = { sha: '', author: '', date: '' };
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) {
    const c = line.charCodeAt(0);
    if (c === 1) {
      const [sha, author, date] = line.slice(1).split('\x1f');
      commit = { sha: sha!, author: author ?? '', date: date ?? '' };
    } else if (c === 58 /* ':' */) onRaw(commit, line);
  }
  const code = await closed;
  signal?.removeEventListener('abort', abort);
  const killed = child.failure();
  if (killed) return killed.message;
  return code !== 0 ? `git diff-tree failed (exit ${code}): ${stderrTail(stderr)}` : undefined;
}
