/**
 * The only way this project starts git. Buffers output for small commands (`runGit`) and streams
 * for big ones (`spawnGit`). Every call has a timeout and a safe environment (see git-env.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import { SAFE_GIT_ARGS, safeGitEnv } from './git-env.js';

export interface GitOptions {
  cwd: string;
  /** Extra environment (e.g. GIT_CONFIG_COUNT/KEY/VALUE for an auth header). Never logged. */
  env?: Record<string, string>;
  /** Milliseconds before the process is killed. Default 10 minutes. */
  timeoutMs?: number;
  /** Data written to stdin, then closed. */
  input?: string | Buffer;
  /** Maximum stdout bytes buffered by runGit. Default 512 MiB. */
  maxBuffer?: number;
  /** Kills git (and its helpers) when aborted; runGit then rejects with a GitError. */
  signal?: AbortSignal;
  /** Exit codes that are not errors (e.g. [0, 1] for `diff --quiet`). */
  okCodes?: readonly number[];
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
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export function spawnGit(
  args: readonly string[],
  opts: GitOptions,
): ChildProcessWithoutNullStreams {
  const child = spawn('git', [...SAFE_GIT_ARGS, ...args], {
    cwd: opts.cwd,
    env: safeGitEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
    // Own process group, so a kill also reaches helpers git starts (git-remote-https, index-pack)
    // that would otherwise hold our pipes open and outlive the timeout.
    detached: process.platform !== 'win32',
  });
  if (opts.niceness && child.pid !== undefined) {
    try {
      setPriority(child.pid, opts.niceness);
    } catch {
      /* not permitted here: it runs at normal priority */
    }
  }
  return child;
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
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const maxBuffer = opts.maxBuffer ?? 512 * 1024 * 1024;
  const okCodes = opts.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, opts);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: GitError | undefined;
    const timer = setTimeout(() => {
      failure = new GitError(`git ${args[0]} timed out after ${timeoutMs} ms`, args, null, stderr);
      killGit(child);
    }, timeoutMs);
    const onAbort = (): void => {
      failure ??= new GitError(`git ${args[0]} was aborted`, args, null, stderr);
      killGit(child);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBuffer) {
        failure = new GitError(
          `git ${args[0]} output exceeded ${maxBuffer} bytes`,
          args,
          null,
          stderr,
        );
        killGit(child);
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new GitError(`could not start git: ${err.message}`, args, null, stderr));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (code === null || !okCodes.includes(code)) {
        const first = stderr.trim().split('\n').slice(-3).join(' | ');
        return reject(
          new GitError(`git ${args[0]} failed (exit ${code}): ${first}`, args, code, stderr),
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
