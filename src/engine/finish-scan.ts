import {
  collectFindings,
  maskNamesInResult,
  type Hit,
  type ScanMode,
  type ScanResult,
  type ScanStats,
} from '../core/index.js';
import type { ContentEncoding } from './content/sniff.js';
import { SkipLog } from './skipped.js';
import type { EngineOptions } from './types.js';

export function emptyStats(): ScanStats {
  return {
    filesScanned: 0,
    bytesScanned: 0,
    skippedBinary: 0,
    skippedTooLarge: 0,
    skippedIgnored: 0,
    binaryScanned: 0,
    utf16Decoded: 0,
    durationMs: 0,
  };
}

/** Counts content that was not plain UTF-8 by how it was read. */
export function countEncoding(stats: ScanStats, encoding: ContentEncoding): void {
  if (encoding === 'binary') stats.binaryScanned = (stats.binaryScanned ?? 0) + 1;
  else if (encoding !== 'utf8') stats.utf16Decoded = (stats.utf16Decoded ?? 0) + 1;
}

/** What one or more collectors gather before finishScan turns it into a ScanResult. */
export interface HitAccumulator {
  hits: Hit[];
  stats: ScanStats;
  warnings: string[];
  skipped: SkipLog;
}

export function newAccumulator(): HitAccumulator {
  return { hits: [], stats: emptyStats(), warnings: [], skipped: new SkipLog() };
}

/** Hits → ScanResult: the one place every scan mode turns sightings into findings. */
export function finishScan(
  mode: ScanMode,
  hits: Iterable<Hit>,
  stats: ScanStats,
  warnings: string[],
  opts: EngineOptions,
  startedAt: number,
  skipped: SkipLog = new SkipLog(),
  /**
   * Leave the names raw: the caller still looks findings up by path (history facts) and masks
   * them itself afterwards with `maskNamesInResult`.
   */
  names: 'mask' | 'raw' = 'mask',
): ScanResult {
  const all = [...hits];
  const { findings, suppressed } = collectFindings(all, {
    config: opts.config,
    ...(opts.fingerprintKey ? { fingerprintKey: opts.fingerprintKey } : {}),
  });
  const result: ScanResult = {
    mode,
    findings,
    suppressed,
    stats: { ...stats, durationMs: Date.now() - startedAt },
    warnings,
    skipped: skipped.list,
    skippedCount: skipped.count,
  };
  // Paths, refs and authors are the repository's text: no credential of it may show through them.
  if (names === 'mask') maskNamesInResult(result, all);
  return result;
}
