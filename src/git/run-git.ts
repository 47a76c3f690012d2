/**
 * The only way this project starts git. Buffers output for small commands (`runGit`) and streams
 * for big ones (`spawnGit`). Every process has a safe environment (see git-env.ts) and two limits:
 * an overall deadline, and an inactivity limit (no output while we are waiting for some), so a git
 * blocked on a FIFO, a stalled helper or a hung remote is killed with its process group instead
 * of hanging the scan.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism, setPriority, totalmem } from 'node:os';
import { redactSecrets } from '../core/index.js';
import { FETCH_GIT_ARGS, SAFE_GIT_ARGS, safeGitEnv } from './git-env.js';

/** Default limits of every git process; `configureGitLimits` changes them (tests, operators). */
export interface GitLimits {
  /** Overall deadline of a buffered call (runGit). */
  timeoutMs: number;
  /** Overall deadline of a streaming process (spawnGit): a range diff, a history stream. */
  streamTimeoutMs: number;
  /** Kill git after this long without output while we wait for some; 0 disables. */
  idleTimeoutMs: number;
  /**
   * Heap (RLIMIT_DATA) of every git process; 0 for none. git reads some files of a repository
   * whole into memory however large they are (objects/info/alternates, commondir, .gitignore,
   * an added blob in a diff): a symlink to /dev/zero or a sparse file made git grow to 22 GB.
   */
  memoryBytes: number;
}

const limits: GitLimits = {
  timeoutMs: 10 * 60_000,
  streamTimeoutMs: 60 * 60_000,
  idleTimeoutMs: envMs('UPSTASH_GUARD_GIT_IDLE_TIMEOUT_MS') ?? 2 * 60_000,
  memoryBytes: memoryFromEnv() ?? Math.max(1024 ** 3, Math.floor(machineMemory() / 2)),
};

/** The memory this process may use: the machine's, or its container's limit when lower. */
function machineMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(limit, totalmem()) : totalmem();
}

/** UPSTASH_GUARD_GIT_MEMORY_MB: the cap in MiB, 0 for none. */
function memoryFromEnv(): number | undefined {
  const raw = process.env.UPSTASH_GUARD_GIT_MEMORY_MB;
  const v = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(v) && v >= 0
    ? v * 1024 ** 2
    : undefined;
}

/**
 * git started through /bin/sh with its heap capped (the shell execs git: same process, same
 * group). RLIMIT_DATA bounds what git allocates but not the packs it maps read-only, so it does
 * not get in the way of large repositories. Not on Windows (no /bin/sh, no such limit).
 */
export const CAPPED_GIT_SCRIPT =
  '[ -n "$UG_GIT_DATA_KB" ] && ulimit -S -d "$UG_GIT_DATA_KB" 2>/dev/null; exec git "$@"';

/**
 * The environment entry that sets the cap, or none. Not for the App's fetch and org clones
 * (`network`): they run in repositories we created, with objects GitHub served, and index-pack
 * may need more than the cap for a very large repository.
 */
export function memoryCapEnv(network = false): Record<string, string> {
  if (network || process.platform === 'win32' || limits.memoryBytes <= 0) return {};
  return { UG_GIT_DATA_KB: String(Math.ceil(limits.memoryBytes / 1024)) };
}

/** A hint for an error whose git ran out of the memory we gave it. */
export function memoryHint(stderr: string): string {
  if (!/out of memory/i.test(stderr) || limits.memoryBytes <= 0) return '';
  return ` (git's memory is capped at ${Math.round(limits.memoryBytes / 1024 ** 2)} MiB: a hostile repository, or set UPSTASH_GUARD_GIT_MEMORY_MB)`;
}

function envMs(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export function gitLimits(): Readonly<GitLimits> {
  return limits;
}

export function configureGitLimits(changes: Partial<GitLimits>): GitLimits {
  const before = { ...limits };
  Object.assign(limits, changes);
  return before;
}

export interface GitOptions {
  cwd: string;
  /** Extra environment (e.g. GIT_CONFIG_COUNT/KEY/VALUE for an auth header). Never logged. */
  env?: Record<string, string>;
  /** Milliseconds before the process is killed. Default 10 minutes (runGit), 1 hour (spawnGit). */
  timeoutMs?: number;
  /**
   * Milliseconds without output (while `waiting()` says we expect some) before the process is
   * killed. Default 2 minutes; 0 disables it (a quiet `git fetch -q` relies on its deadline).
   */
  idleTimeoutMs?: number;
  /**
   * For processes fed through stdin (cat-file): whether git owes us output. Its silence while we
   * have nothing to ask is not a stall. Default: always.
   */
  waiting?: () => boolean;
  /** Data written to stdin, then closed. */
  input?: string | Buffer;
  /** Maximum stdout bytes buffered by runGit. Default 512 MiB. */
  maxBuffer?: number;
  /**
   * runGit: stdout's chunks as they come, instead of buffered (`stdout` is then empty; `maxBuffer`
   * still bounds the total).
   */
  onStdout?: (chunk: Buffer) => void;
  /** Kills git (and its helpers) when aborted; runGit then rejects with a GitError. */
  signal?: AbortSignal;
  /** Exit codes that are not errors (e.g. [0, 1] for `diff --quiet`). */
  okCodes?: readonly number[];
  /** Allow http(s) transports (the App's fetch); every other call may not use the network. */
  network?: boolean;
  /** Scheduling niceness for work that runs beside a critical path (0 normal, 19 lowest). */
  niceness?: number;
}

/**
 * How many git processes one scan runs side by side for work that splits (blob readers, diff
 * workers): two, or one on a single-core machine. More than two gained nothing measurable on
 * the 2-core machines the benchmarks ran on, and a worker host runs several scans at once.
 */
export function parallelGitProcesses(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

export class GitError extends Error {
  readonly stderr: string;
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly code: number | null,
    stderr: string,
  ) {
    // git echoes what it was given (a revision, a path, a config value): no credential shape
    // leaves in an error or in a log that serialises this error's fields.
    super(redactSecrets(message));
    this.stderr = redactSecrets(stderr);
    this.name = 'GitError';
  }
}

/** A streaming git process; `failure()` says why we killed it (deadline, inactivity), if we did. */
export type GitChild = ChildProcessWithoutNullStreams & { failure(): GitError | undefined };

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/**
 * The git command `args` run, for messages: past leading `-c key=value` pairs (a tree scan's
 * ls-files and a diff lead with one), which made a killed ls-files read "git -c produced no output".
 */
function commandName(args: readonly string[]): string | undefined {
  let i = 0;
  while (args[i] === '-c' || args[i] === '--shallow-file') i += 2;
  return args[i] ?? args[0];
}

export function spawnGit(args: readonly string[], opts: GitOptions): GitChild {
  return guard(startGit(args, opts), args, opts, opts.timeoutMs ?? limits.streamTimeoutMs);
}

function startGit(args: readonly string[], opts: GitOptions): ChildProcessWithoutNullStreams {
  const lead = opts.network ? [...SAFE_GIT_ARGS, ...FETCH_GIT_ARGS] : SAFE_GIT_ARGS;
  const cap = memoryCapEnv(opts.network);
  const capped = cap.UG_GIT_DATA_KB !== undefined;
  const child = spawn(
    capped ? '/bin/sh' : 'git',
    capped ? ['-c', CAPPED_GIT_SCRIPT, 'git', ...lead, ...args] : [...lead, ...args],
    {
      cwd: opts.cwd,
      env: safeGitEnv({ ...cap, ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      // Own process group, so a kill also reaches helpers git starts (git-remote-https, index-pack)
      // that would otherwise hold our pipes open and outlive the timeout.
      detached: process.platform !== 'win32',
    },
  );
  if (opts.niceness && child.pid !== undefined) {
    try {
      setPriority(child.pid, opts.niceness);
    } catch {
      /* not permitted here: it runs at normal priority */
    }
  }
  return child;
}

/**
 * Arms the deadline and the inactivity watch of one git process. Activity is read from the pipes'
 * byte counters, so no listener changes how the caller consumes the streams; output we have not
 * read yet (backpressure) is our slowness, not git's, and keeps the watch quiet.
 */
function guard(
  child: ChildProcessWithoutNullStreams,
  args: readonly string[],
  opts: GitOptions,
  timeoutMs: number,
): GitChild {
  let failure: GitError | undefined;
  const fail = (message: string): void => {
    if (child.exitCode !== null || child.signalCode !== null) return; // finished meanwhile
    failure ??= new GitError(message, args, null, '');
    killGit(child);
  };
  const deadline = setTimeout(
    () => fail(`git ${commandName(args)} timed out after ${timeoutMs} ms and was killed`),
    timeoutMs,
  );
  const idleMs = opts.idleTimeoutMs ?? limits.idleTimeoutMs;
  let poll: NodeJS.Timeout | undefined;
  if (idleMs > 0) {
    const counter = (): number =>
      bytesRead(child.stdout) + bytesRead(child.stderr) + child.stdout.readableLength;
    const every = Math.max(10, Math.min(1000, idleMs / 4));
    let seen = counter();
    let quietSince = Date.now();
    let lastTick = quietSince;
    poll = setInterval(() => {
      const now = counter();
      const at = Date.now();
      // A tick far behind schedule means our event loop was blocked: we saw nothing, git may
      // have been busy (or finished). Silence counts only while we were able to watch it.
      const lagged = at - lastTick > 2 * every + 50;
      lastTick = at;
      if (
        now !== seen ||
        lagged ||
        child.stdout.readableLength > 0 ||
        !(opts.waiting?.() ?? true)
      ) {
        seen = now;
        quietSince = at;
      } else if (at - quietSince >= idleMs) {
        fail(
          `git ${commandName(args)} produced no output for ${idleMs} ms and was killed ` +
            '(blocked on a FIFO, a stalled helper or remote?)',
        );
      }
    }, every);
  }
  const stop = (): void => {
    clearTimeout(deadline);
    clearInterval(poll);
  };
  child.once('close', stop);
  child.once('error', stop);
  return Object.assign(child, { failure: () => failure });
}

function bytesRead(stream: NodeJS.ReadableStream): number {
  return (stream as { bytesRead?: number }).bytesRead ?? 0;
}

/** The last line of git's stderr for an error message, credential shapes masked. */
export function stderrTail(stderr: string): string {
  return redactSecrets((stderr.trim().split('\n').pop() ?? '') + memoryHint(stderr));
}

/** Kills git and every helper it started (its process group). */
export function killGit(child: ChildProcessWithoutNullStreams): void {
  if (child.pid !== undefined && process.platform !== 'win32') {
    try {
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      /* group already gone: fall back to the child itself */
    }
  }
  child.kill('SIGKILL');
}

/** Runs git to completion and buffers stdout. Rejects with GitError (stderr trimmed, no secrets in args). */
export function runGit(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  const maxBuffer = opts.maxBuffer ?? 512 * 1024 * 1024;
  const okCodes = opts.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = guard(startGit(args, opts), args, opts, opts.timeoutMs ?? limits.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: GitError | undefined;
    const onAbort = (): void => {
      failure ??= new GitError(`git ${commandName(args)} was aborted`, args, null, stderr);
      killGit(child);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBuffer) {
        failure = new GitError(
          `git ${commandName(args)} output exceeded ${maxBuffer} bytes`,
          args,
          null,
          stderr,
        );
        killGit(child);
        return;
      }
      if (opts.onStdout) opts.onStdout(chunk);
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new GitError(`could not start git: ${err.message}`, args, null, stderr));
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      failure ??= child.failure();
      if (failure) return reject(failure);
      if (code === null || !okCodes.includes(code)) {
        const first = stderr.trim().split('\n').slice(-3).join(' | ') + memoryHint(stderr);
        return reject(
          new GitError(
            `git ${commandName(args)} failed (exit ${code}): ${first}`,
            args,
            code,
            stderr,
          ),
        );
      }
      resolve({ stdout: Buffer.concat(chunks), stderr, code });
    });
    child.stdin.on('error', () => {
      /* git may exit before reading all input; the close handler reports the real failure */
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
