/** Shared by range and staged scans: stream a diff from git, parse added lines, scan them. */
import { createInterface } from 'node:readline';
import {
  isCredentialFile,
  isPathIgnored,
  mayContainSecret,
  scanText,
  type ScanMode,
  type ScanResult,
} from '../core/index.js';
import { AddedLinesParser, type BinaryChange } from '../git/added-lines.js';
import { killGit, spawnGit, stderrTail } from '../git/run-git.js';
import { finishScan, newAccumulator, type HitAccumulator } from './finish-scan.js';
import { scanChangedBlobs } from './scan-changed-blobs.js';
import type { EngineOptions } from './types.js';

export async function scanDiff(
  repoDir: string,
  args: string[],
  mode: ScanMode,
  opts: EngineOptions,
  /** Extra git environment (only GIT_INDEX_FILE, for a staged scan inside a commit's hook). */
  env?: Record<string, string>,
): Promise<ScanResult> {
  const started = Date.now();
  const acc = newAccumulator();
  acc.stats.commitsScanned = 0;
  await collectDiffHits(repoDir, args, opts, acc, env);
  return finishScan(mode, acc.hits, acc.stats, acc.warnings, opts, started, acc.skipped);
}

/** Streams one diff from git and scans its added lines (and its binary changes as blobs). */
export async function collectDiffHits(
  repoDir: string,
  args: string[],
  opts: EngineOptions,
  acc: HitAccumulator,
  env?: Record<string, string>,
): Promise<void> {
  if (opts.signal?.aborted) throw new Error('scan cancelled');
  const { hits, stats, skipped } = acc;
  const binaries: BinaryChange[] = [];
  const parser = new AddedLinesParser(
    {
      fragment(f) {
        stats.filesScanned++;
        stats.bytesScanned += f.text.length;
        if (mayContainSecret(f.text) || isCredentialFile(f.path)) hits.push(...scanText(f));
      },
      binary: (change) => void binaries.push(change),
      commit() {
        stats.commitsScanned = (stats.commitsScanned ?? 0) + 1;
        if (opts.onProgress && stats.commitsScanned % 500 === 0)
          opts.onProgress({ phase: 'scan', done: stats.commitsScanned });
      },
    },
    opts.config.maxFileSize,
    (path) => {
      const ignored = isPathIgnored(path, opts.config);
      if (ignored) stats.skippedIgnored++;
      return ignored;
    },
  );
  // Past bigFileThreshold git shows a file as binary without loading it, and it is then read as a
  // blob in bounded windows (scan-changed-blobs): a monstrous file in a push costs no memory here.
  // Not `--text`: it would make git load any file whole, and print UTF-16 as raw bytes.
  const threshold = opts.config.maxFileSize;
  const child = spawnGit(['-c', `core.bigFileThreshold=${threshold}`, ...args], {
    cwd: repoDir,
    ...(env ? { env } : {}),
  });
  const abort = (): void => killGit(child);
  opts.signal?.addEventListener('abort', abort, { once: true });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8').slice(0, 4096)));
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) parser.line(line);
  parser.flush();
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (c) => resolve(c ?? -1));
  });
  opts.signal?.removeEventListener('abort', abort);
  if (opts.signal?.aborted) throw new Error('scan cancelled');
  const killed = child.failure();
  if (killed) throw killed;
  if (code !== 0) throw new Error(`git ${args[0]} failed (exit ${code}): ${stderrTail(stderr)}`);
  hits.push(...(await scanChangedBlobs(repoDir, binaries, opts, stats, skipped)));
  if (opts.signal?.aborted) throw new Error('scan cancelled');
}

/**
 * Diff options every added-lines scan uses: no external programs or text conversion, exact new-file
 * line numbers, full blob ids for the files shown as binary (read as blobs afterwards).
 */
export const DIFF_ARGS = [
  '-p',
  '--full-index',
  '-U0',
  '-M',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--src-prefix=a/',
  '--dst-prefix=b/',
];
