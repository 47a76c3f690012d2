import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config, ScanResult } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';
import { scanRange } from '../engine/scan-range.js';
import { scanPreCommit } from '../engine/scan-pre-commit.js';
import { scanStaged } from '../engine/scan-staged.js';
import { scanTree } from '../engine/scan-tree.js';
import type { EngineOptions } from '../engine/types.js';
import { applyBaseline, loadBaseline } from './baseline.js';
import { isBareRepository as isBareRepo } from '../git/repo-cache.js';
import { assertGitRepo, isBareGitDir, resolveRange } from './git-checks.js';
import { UsageError, type CliIo } from './io.js';
import { DEFAULT_CONFIG_PATH, extendsNote, loadConfig } from './load-config.js';
import type { CliArgs } from './parse-args.js';
import { progressLine } from './progress.js';
import { scanInput, STDIN_LABEL } from './scan-input.js';

export interface ScanOutcome {
  result: ScanResult;
  config: Config;
  root: string;
  /** Findings dropped by --only-verified (not confirmed live). */
  notLive: number;
}

type Target =
  { kind: 'dir'; root: string } | { kind: 'file' | 'stdin'; root: string; file?: string };

/** What `[path]` names: a directory, one file, or standard input (`-`). */
async function locate(args: CliArgs, io: CliIo): Promise<Target> {
  if (args.path === '-') {
    if (args.mode !== 'tree') throw new UsageError(`--${args.mode} cannot read standard input`);
    return { kind: 'stdin', root: io.cwd };
  }
  const full = resolve(io.cwd, args.path);
  const st = await stat(full).catch(() => undefined);
  if (!st) throw new UsageError(`${args.path} does not exist`);
  if (st.isFile()) {
    if (args.mode !== 'tree')
      throw new UsageError(
        `--${args.mode} needs a repository directory, and ${args.path} is a file`,
      );
    return { kind: 'file', root: io.cwd, file: full };
  }
  if (!st.isDirectory()) throw new UsageError(`${args.path} is not a directory or a regular file`);
  return { kind: 'dir', root: full };
}

/** The scan recipe: 1. locate, 2. config, 3. check the repository, 4. scan, 5–6. verify, filter. */
export async function runScan(args: CliArgs, io: CliIo): Promise<ScanOutcome> {
  // 1. Locate what to scan.
  const target = await locate(args, io);
  const root = target.root;

  // 2. Configuration: file, then flags on top.
  const fileConfig = await loadConfig(root, args.config, io.cwd);
  const note = extendsNote(args.config ?? DEFAULT_CONFIG_PATH, fileConfig);
  if (note && !args.quiet) io.stderr.write(`upstash-guard: ${note}\n`);
  const config: Config = args.failOn ? { ...fileConfig, failOn: args.failOn } : fileConfig;
  const baseline = args.baseline ? await loadBaseline(args.baseline, io.cwd) : undefined;
  // History and tree scans report progress (range and staged scans are short and do not).
  const progress =
    (args.mode === 'history' || (args.mode === 'tree' && target.kind === 'dir')) && !args.quiet
      ? progressLine(io.stderr, io.now ? { now: io.now } : {})
      : undefined;
  const opts: EngineOptions = {
    config,
    fingerprintKey: args.fingerprintKey ?? io.env.UPSTASH_GUARD_FINGERPRINT_KEY ?? undefined,
    ...(progress ? { onProgress: (p) => progress.update(p) } : {}),
  };

  // 3–4. Scan in the requested mode (git modes check the repository first for a clear error).
  let result: ScanResult;
  try {
    if (target.kind !== 'dir')
      result = await scanInput(target.file, target.file ? args.path : STDIN_LABEL, io, opts);
    else if (args.mode === 'tree') {
      if (await isBareGitDir(root))
        throw new UsageError(
          `${args.path} is a bare repository (no working tree to scan): use --history or --range`,
        );
      result = await scanTree(root, opts);
    } else {
      await assertGitRepo(root, `--${args.mode}`);
      if (args.mode === 'staged') {
        if (await isBareRepo(root))
          throw new UsageError(
            `--staged needs a working tree, and ${args.path} is a bare repository (no index): use --history or --range`,
          );
        // Inside `git commit -a` or `git commit <paths>`, git names the index being committed.
        const indexFile = io.env.GIT_INDEX_FILE;
        const staged = indexFile ? { ...opts, indexFile: resolve(io.cwd, indexFile) } : opts;
        const from = io.env.PRE_COMMIT_FROM_REF ?? io.env.PRE_COMMIT_SOURCE;
        const to = io.env.PRE_COMMIT_TO_REF ?? io.env.PRE_COMMIT_ORIGIN;
        if (args.files && from && to)
          // pre-push, or `pre-commit run --from-ref A --to-ref B`: the commits between them.
          result = await scanRange(root, await resolveRange(root, `${from}..${to}`), opts);
        else if (args.files) result = await scanPreCommit(root, args.files, staged);
        else result = await scanStaged(root, staged);
      } else if (args.mode === 'history') result = await scanHistory(root, opts);
      else result = await scanRange(root, await resolveRange(root, args.range ?? ''), opts);
    }
  } finally {
    progress?.clear();
  }
  if (baseline) applyBaseline(result, baseline);
  const notLive = await verifyAndFilter(result, args, io);
  return { result, config, root, notLive };
}

/**
 * 5. Liveness, only when asked: it sends credentials to Upstash (allowlisted hosts only).
 * 6. --only-verified keeps what is confirmed live. Returns how many findings that dropped.
 */
export async function verifyAndFilter(
  result: ScanResult,
  args: Pick<CliArgs, 'verify' | 'onlyVerified'>,
  io: CliIo,
): Promise<number> {
  if (args.verify && result.findings.length > 0) {
    // Loaded only when asked: most runs never touch the network code.
    const { verifyFindings, hostPolicyFromEnv } = await import('../verify/index.js');
    const hostPolicy = hostPolicyFromEnv(io.env);
    await verifyFindings(result.findings, {
      fetch: io.fetch ?? fetch,
      ...(hostPolicy ? { hostPolicy } : {}),
    });
  }
  if (!args.onlyVerified) return 0;
  const live = result.findings.filter((f) => f.verification?.status === 'live');
  const dropped = result.findings.length - live.length;
  result.findings = live;
  return dropped;
}
