/**
 * simple-git for the plain, buffered git reads (rev-parse, for-each-ref): the one place that
 * builds a `SimpleGit`, with exactly the hardening of run-git.ts. ESLint lets no other module
 * import simple-git, so no call can get an unguarded instance.
 *
 * - Every `-c` override of CONFIG_GUARDS (simple-git's `config` option puts them first).
 * - The complete safe environment of git-env.ts (`.env()` replaces the process environment).
 * - `--no-pager`; `--no-replace-objects` is GIT_NO_REPLACE_OBJECTS=1 there.
 * - The heap cap of run-git.ts: simple-git runs one binary with one leading argument, so the
 *   capping shell line lives in a script file written once per process (`/bin/sh <file> args`).
 * - The inactivity limit as `timeout.block`, the overall deadline (and a caller's signal) as
 *   `abort`. simple-git kills only git itself (SIGINT), not a process group: that is enough for
 *   these local reads, which start no helper (no transport, fsmonitor or lazy fetch is allowed).
 *   Anything that talks to a remote, streams, feeds stdin or needs an output cap stays on runGit.
 *
 * simple-git refuses by default to pass some `-c` keys and GIT_* variables (they can run a
 * program or read a file when a caller takes them from user input). Ours are fixed, safe values
 * that neutralise the repository's own config, so exactly those checks are lifted below.
 */
import {
  GitError,
  GitPluginError,
  simpleGit,
  type SimpleGit,
  type SimpleGitOptions,
} from 'simple-git';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_GUARDS, safeGitEnv } from './git-env.js';
import { gitLimits, memoryCapEnv } from './run-git.js';

/** The simple-git checks our own overrides trip, one per guarded key family. */
const ALLOWED_UNSAFE: NonNullable<SimpleGitOptions['unsafe']> = {
  allowUnsafeFsMonitor: true, // core.fsmonitor=false
  allowUnsafeHooksPath: true, // core.hooksPath=/dev/null
  allowUnsafePager: true, // core.pager=cat
  allowUnsafeSshCommand: true, // core.sshCommand=false
  allowUnsafeAskPass: true, // core.askPass=true
  allowUnsafeEditor: true, // core.editor, sequence.editor=false
  allowUnsafeCredentialHelper: true, // credential.helper= (clears every helper)
  allowUnsafeDiffExternal: true, // diff.external=
  allowUnsafeGpgProgram: true, // gpg.*.program=false
  allowUnsafePack: true, // uploadpack.packObjectsHook=
  allowUnsafeProtocolOverride: true, // protocol.*.allow=never
  allowUnsafeConfigPaths: true, // GIT_CONFIG_GLOBAL=/dev/null and the *File=/dev/null overrides
  allowUnsafeCustomBinary: true, // /bin/sh <our script in a private temporary directory>
};

let cappedScript: string | undefined;

/** `ulimit -d` then `exec git --no-pager "$@"`, in a 0700 directory removed when we exit. */
function cappedGitScript(): string {
  if (cappedScript) return cappedScript;
  const dir = mkdtempSync(join(tmpdir(), 'ug-git-'));
  const file = join(dir, 'git.sh');
  writeFileSync(
    file,
    '[ -n "$UG_GIT_DATA_KB" ] && ulimit -S -d "$UG_GIT_DATA_KB" 2>/dev/null; exec git --no-pager "$@"\n',
    { mode: 0o600 },
  );
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (cappedScript = file);
}

export interface PorcelainOptions {
  /** Overall deadline of everything run on this instance. Default: runGit's buffered deadline. */
  timeoutMs?: number;
  /** Kills git when aborted. */
  signal?: AbortSignal;
}

/** The `-c key=value` pairs of CONFIG_GUARDS, in order (a later one wins). */
export function guardConfig(): string[] {
  return CONFIG_GUARDS.flatMap((g) => g.overrides.map(([k, v]) => `${k}=${v}`));
}

/**
 * A hardened SimpleGit for `dir`, never with a network. Make one per operation: its deadline
 * starts now.
 */
export function porcelainGit(dir: string, opts: PorcelainOptions = {}): SimpleGit {
  const limits = gitLimits();
  const cap = memoryCapEnv();
  const env = safeGitEnv(cap);
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? limits.timeoutMs);
  return simpleGit({
    baseDir: dir,
    binary: cap.UG_GIT_DATA_KB ? ['/bin/sh', cappedGitScript()] : ['git', '--no-pager'],
    config: guardConfig(),
    unsafe: ALLOWED_UNSAFE,
    // Our GIT_* variables are the safe environment itself; simple-git would otherwise refuse them.
    allowEnvironment: Object.keys(env),
    abort: opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline,
    ...(limits.idleTimeoutMs > 0 ? { timeout: { block: limits.idleTimeoutMs } } : {}),
    maxConcurrentProcesses: 1,
  }).env(env);
}

/**
 * Whether a porcelain call failed because git exited with an error (a bad revision, not a
 * repository) rather than because we killed it (deadline, inactivity, abort) or refused it.
 */
export function isGitExitError(err: unknown): boolean {
  return err instanceof GitError && !(err instanceof GitPluginError);
}
