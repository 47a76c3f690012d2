/** Staged changes (`git diff --cached`), for a pre-commit hook: added lines only. */
import type { ScanResult } from '../core/index.js';
import { DIFF_ARGS, scanDiff } from './scan-diff.js';
import type { EngineOptions } from './types.js';

export function scanStaged(repoDir: string, opts: EngineOptions): Promise<ScanResult> {
  return scanDiff(repoDir, ['diff', '--cached', ...DIFF_ARGS, '--'], 'staged', opts);
}
