import type { ScanResult } from '../core/types.js';
import { plural } from './labels.js';

const MODE_NAMES: Record<ScanResult['mode'], string> = {
  tree: 'working tree',
  range: 'commit range',
  history: 'full history',
  staged: 'staged changes',
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "working tree: 12 files, 3.4 KB in 45 ms" — counts only. */
export function statsLine(result: ScanResult): string {
  const s = result.stats;
  const parts = [plural(s.filesScanned, 'file')];
  if (s.commitsScanned !== undefined) parts.push(plural(s.commitsScanned, 'commit'));
  if (s.blobsScanned !== undefined) parts.push(plural(s.blobsScanned, 'blob'));
  parts.push(size(s.bytesScanned));
  return `${MODE_NAMES[result.mode]}: ${parts.join(', ')} in ${Math.round(s.durationMs)} ms`;
}

export function skippedLine(result: ScanResult): string | null {
  const s = result.stats;
  const parts: string[] = [];
  if (s.skippedBinary) parts.push(`${s.skippedBinary} binary`);
  if (s.skippedTooLarge) parts.push(`${s.skippedTooLarge} too large`);
  if (s.skippedIgnored)
    parts.push(
      `${s.skippedIgnored} ignored by path (built-in lockfile ignores and config ignorePaths)`,
    );
  return parts.length ? `skipped: ${parts.join(', ')}` : null;
}
