/** Staged changes (`git diff --cached`), for a pre-commit hook: added lines only. */
import { isAbsolute } from 'node:path';
import type { ScanResult } from '../core/index.js';
import { DIFF_ARGS, scanDiff } from './scan-diff.js';
import type { EngineOptions } from './types.js';

export interface StagedOptions extends EngineOptions {
  /**
   * The index a hook must read: `git commit -a`, `git commit <paths>` and `--include` stage into a
   * temporary index and hand it to the hook as GIT_INDEX_FILE. .git/index does not hold what is
   * being committed then, so a token that was never `git add`ed would pass. An absolute path.
   */
  indexFile?: string;
}

/** `git diff --cached` with the options every added-lines scan uses. */
export const STAGED_DIFF_ARGS = ['diff', '--cached', ...DIFF_ARGS, '--'];

export function scanStaged(repoDir: string, opts: StagedOptions): Promise<ScanResult> {
  return scanDiff(repoDir, STAGED_DIFF_ARGS, 'staged', opts, indexEnv(opts));
}

/** The git environment naming the index to read, if the options name one (checked). */
export function indexEnv({ indexFile }: StagedOptions): Record<string, string> | undefined {
  if (indexFile === undefined) return undefined;
  if (!isAbsolute(indexFile) || indexFile.includes('\0'))
    throw new Error('the index file of a staged scan must be an absolute path');
  return { GIT_INDEX_FILE: indexFile };
}
