/**
 * Streams blob contents through long-lived `git cat-file --batch-command --buffer` processes (git
 * 2.36+), parsing their output incrementally: each object is handed over as the chunks the pipe
 * delivered, and stdin respects backpressure so memory stays bounded. Each batch asks for sizes
 * first and for contents only up to the cap: a blob over it is skipped on its declared size and
 * never built, by us or by git (which would build a deltified blob whole in memory first).
 *
 * Batches go to a small pool of readers (two by default on a machine with two cores or more): once
 * the gates got cheap, one cat-file was the bottleneck of a history scan, inflating while the other
 * core idled. A batch is a run of consecutive oids from rev-list (about a thousand), so delta chains
 * mostly stay within one reader: on renovate, two readers moved the same 6 GB in 4.9 s against
 * 9.9 s for one, for the same total CPU (docs/benchmarks.md).
 */
import { killGit, parallelGitProcesses, spawnGit, stderrTail, type GitChild } from '../run-git.js';

export interface BlobVisitor {
  /**
   * Called with the blob's bytes as the pipe delivered them (one or more views of read chunks,
   * never copied or concatenated), or with `null` when it was larger than maxSize (skipped).
   */
  (oid: string, parts: Buffer[] | null, size: number): void;
}

/** Receives a blob larger than maxSize piece by piece (views of pipe chunks, never reused). */
export interface LargeBlobSink {
  push(chunk: Buffer): void;
  end(): void;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /**
   * Blobs larger than maxSize and at most `cap` bytes go to the sink `open` returns, as they
   * arrive, instead of being skipped; `visit` is not called for them. Larger ones are skipped.
   */
  large?: { cap: number; open(oid: string, size: number): LargeBlobSink };
  /** cat-file processes to spread batches over. Default: 2, or 1 on a single-core machine. */
  readers?: number;
  /** Objects not to ask git for (found damaged by an earlier attempt; the caller reports them). */
  skip?: ReadonlySet<string>;
}

/**
 * git cat-file died on a damaged object (a corrupt zlib stream in a loose object or a pack entry
 * makes it exit, where a missing one is only answered `missing`). `oid` is the object it named, when
 * it named one: a caller can read everything again without it (scan-history.ts).
 */
export class CatFileError extends Error {
  override name = 'CatFileError';
  constructor(
    message: string,
    readonly oid: string | undefined,
  ) {
    super(message);
  }
}

/** The object a cat-file failure names ("unable to stream <oid>", "object <oid> … is corrupt"). */
export function damagedObjectIn(stderr: string): string | undefined {
  return /\b([0-9a-f]{64}|[0-9a-f]{40})\b/.exec(stderr)?.[1];
}

export async function streamBlobs(
  repoDir: string,
  /** Object ids in batches (one pipe write per batch, each batch to one reader). */
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  maxSize: number,
  visit: BlobVisitor,
  opts: StreamOptions = {},
): Promise<{ missing: number }> {
  const { signal, skip } = opts;
  const pool = Array.from({ length: Math.max(1, opts.readers ?? parallelGitProcesses()) }, () =>
    startReader(repoDir, maxSize, visit, opts.large),
  );
  const killAll = (): void => pool.forEach((r) => killGit(r.child));
  signal?.addEventListener('abort', killAll, { once: true });
  let exited = false;
  for (const r of pool) void r.closed.then(() => (exited = true));
  let next = 0;
  try {
    for await (const all of oids) {
      if (signal?.aborted || exited) break;
      const batch = skip?.size ? all.filter((o) => !skip.has(o)) : all;
      if (batch.length === 0) continue;
      let reader = pickWritable(pool, next);
      if (!reader) {
        // Every reader is backed up: wait for the first to drain (or to die).
        await Promise.race(pool.map((r) => r.drained()));
        if (signal?.aborted || exited) break;
        reader = pickWritable(pool, next) ?? pool[next % pool.length]!;
      }
      next = (pool.indexOf(reader) + 1) % pool.length;
      reader.request(batch);
    }
  } catch (err) {
    killAll();
    signal?.removeEventListener('abort', killAll);
    throw err;
  }
  for (const r of pool) r.end();
  const codes = await Promise.all(pool.map((r) => r.closed));
  signal?.removeEventListener('abort', killAll);
  if (signal?.aborted) throw new Error('history scan cancelled');
  const killed = pool.map((r) => r.child.failure()).find((f) => f !== undefined);
  if (killed) throw killed;
  const failed = codes.findIndex((c) => c !== 0);
  if (failed >= 0) {
    const stderr = pool[failed]!.stderr();
    throw new CatFileError(
      `git cat-file failed (exit ${codes[failed]}): ${stderrTail(stderr)}`,
      damagedObjectIn(stderr),
    );
  }
  return { missing: pool.reduce((n, r) => n + r.missing(), 0) };
}

/** The first reader from `start` on whose stdin takes more without waiting. */
function pickWritable(pool: readonly Reader[], start: number): Reader | undefined {
  for (let i = 0; i < pool.length; i++) {
    const r = pool[(start + i) % pool.length]!;
    if (!r.child.stdin.writableNeedDrain) return r;
  }
  return undefined;
}

interface Reader {
  child: GitChild;
  closed: Promise<number>;
  /** Resolves when stdin drains or the process is gone. */
  drained(): Promise<unknown>;
  missing(): number;
  stderr(): string;
  /** Writes one batch of oids to the reader's stdin. */
  request(oids: readonly string[]): void;
  /** No more requests: stdin closes once every size asked for has been answered. */
  end(): void;
}

function startReader(
  repoDir: string,
  maxSize: number,
  visit: BlobVisitor,
  large: StreamOptions['large'],
): Reader {
  // Objects asked about and objects settled: a reader with nothing left to answer is not stalled.
  let asked = 0;
  let answered = 0;
  // Sizes first (`info`), contents only for what we will read (`contents`): git cat-file --batch
  // builds a deltified blob whole in memory before printing a byte of it, and a delta of a few
  // kilobytes can declare a result of a terabyte. Over the cap, the size is all we need.
  const child = spawnGit(['cat-file', '--batch-command', '--buffer'], {
    cwd: repoDir,
    waiting: () => answered < asked,
  });
  const cap = large ? Math.max(maxSize, large.cap) : maxSize;
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 8192) stderr += c.toString('utf8');
  });
  child.stdin.on('error', () => {
    /* reported through the exit code */
  });
  let missing = 0;
  // What each header git prints answers, in the order the commands were written.
  let kinds: ('info' | 'contents')[] = [];
  let head = 0;
  let infoPending = 0;
  let wanted: string[] = [];
  let ending = false;
  const write = (kind: 'info' | 'contents', oids: readonly string[]): void => {
    for (let i = 0; i < oids.length; i++) kinds.push(kind);
    child.stdin.write(`${kind} ${oids.join(`\n${kind} `)}\nflush\n`);
  };
  const settle = (): void => {
    if (wanted.length > 0) {
      write('contents', wanted);
      wanted = [];
    }
    if (head > 4096 && head * 2 > kinds.length) {
      kinds = kinds.slice(head);
      head = 0;
    }
    if (ending && infoPending === 0 && !child.stdin.writableEnded) child.stdin.end();
  };

  // Parser state.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let current: {
    oid: string;
    size: number;
    parts: Buffer[] | null;
    sink: LargeBlobSink | undefined;
    got: number;
  } | null = null;

  const parse = (chunk: Buffer): void => {
    let off = 0;
    while (off < chunk.length) {
      if (current) {
        const need = current.size + 1 - current.got; // content + trailing LF
        const take = Math.min(need, chunk.length - off);
        if (current.parts) current.parts.push(chunk.subarray(off, off + take));
        else if (current.sink && current.got < current.size)
          current.sink.push(chunk.subarray(off, off + Math.min(take, current.size - current.got)));
        current.got += take;
        off += take;
        if (current.got === current.size + 1) {
          answered++;
          if (current.sink) current.sink.end();
          else visit(current.oid, current.parts ? withoutLf(current.parts) : null, current.size);
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
      const kind = kinds[head++];
      if (kind === 'info') infoPending--;
      const fields = header.split(' ');
      if (fields[1] === 'missing') {
        answered++;
        missing++;
        continue;
      }
      const size = Number(fields[2]);
      const oid = fields[0]!;
      if (kind === 'info') {
        // Only blobs are read: a loose object of unknown type (the gate-first scan asks about
        // every one) that is a commit, tree or tag is answered by its header alone.
        if (fields[1] !== 'blob') {
          answered++;
          continue;
        }
        if (size <= cap) wanted.push(oid);
        else {
          // Too large to scan: skipped on its declared size, never built.
          answered++;
          visit(oid, null, size);
        }
        continue;
      }
      const whole = size <= maxSize;
      const sink = !whole && large && size <= large.cap ? large.open(oid, size) : undefined;
      current = { oid, size, parts: whole ? [] : null, sink, got: 0 };
    }
  };
  child.stdout.on('data', (chunk: Buffer): void => {
    parse(chunk);
    settle();
  });

  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  // One pending 'drain' listener at most, however often the pool waits on this reader.
  let drain: Promise<unknown> | null = null;
  return {
    child,
    closed,
    drained: () =>
      (drain ??= Promise.race([
        new Promise<void>((resolve) =>
          child.stdin.once('drain', () => {
            drain = null;
            resolve();
          }),
        ),
        closed,
      ])),
    missing: () => missing,
    request(oids) {
      asked += oids.length;
      infoPending += oids.length;
      write('info', oids);
    },
    end() {
      ending = true;
      settle();
    },
    stderr: () => stderr,
  };
}

/** Drops the LF cat-file writes after each object's content. */
function withoutLf(parts: Buffer[]): Buffer[] {
  const last = parts[parts.length - 1];
  if (!last) return parts;
  if (last.length === 1) parts.pop();
  else parts[parts.length - 1] = last.subarray(0, last.length - 1);
  return parts;
}
