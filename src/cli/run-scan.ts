import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config, ScanResult } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';
import { scanRange } from '../engine/scan-range.js';
import { scanStaged } from '../engine/scan-staged.js';
import { scanTree } from '../engine/scan-tree.js';
import type { EngineOptions } from '../engine/types.js';
import { assertGitRepo, resolveRange } from './git-checks.js';
import { UsageError, type CliIo } from './io.js';
import { loadConfig } from './load-config.js';
import type { CliArgs } from './parse-args.js';
import { progressLine } from './progress.js';

export interface ScanOutcome {
  result: ScanResult;
  config: Config;
  root: string;
}

/** The scan recipe: 1. locate, 2. config, 3. check the repository, 4. scan, 5. verify (opt-in). */
export async function runScan(args: CliArgs, io: CliIo): Promise<ScanOutcome> {
  // 1. Locate what to scan.
  const root = resolve(io.cwd, args.path);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UsageError(`${args.path} is not a directory`);

  // 2. Configuration: file, then flags on top.
  const fileConfig = await loadConfig(root, args.config, io.cwd);
  const config: Config = args.failOn ? { ...fileConfig, failOn: args.failOn } : fileConfig;
  const progress =
    args.mode === 'history' && io.stderr.isTTY && !args.quiet ? progressLine(io.stderr) : undefined;
  const opts: EngineOptions = {
    config,
    fingerprintKey: args.fingerprintKey ?? io.env.UPSTASH_GUARD_FINGERPRINT_KEY ?? undefined,
    ...(progress ? { onProgress: (p) => progress.update(p) } : {}),
  };

  // 3–4. Scan in the requested mode (git modes check the repository first for a clear error).
  let result: ScanResult;
  try {
    if (args.mode === 'tree') result = await scanTree(root, opts);
    else {
      await assertGitRepo(root, `--${args.mode}`);
      if (args.mode === 'staged') result = await scanStaged(root, opts);
      else if (args.mode === 'history') result = await scanHistory(root, opts);
      else result = await scanRange(root, await resolveRange(root, args.range ?? ''), opts);
    }
  } finally {
    progress?.clear();
  }

  // 5. Liveness, only when asked: it sends credentials to Upstash (allowlisted hosts only).
  if (args.verify && result.findings.length > 0) {
    // Loaded only when asked: most runs never touch the network code.
    const { verifyFindings, hostPolicyFromEnv } = await import('../verify/index.js');
    const hostPolicy = hostPolicyFromEnv(io.env);
    await verifyFindings(result.findings, {
      fetch: io.fetch ?? fetch,
      ...(hostPolicy ? { hostPolicy } : {}),
    });
  }
  return { result, config, root };
}
