import {
  collectFindings,
  type Hit,
  type ScanMode,
  type ScanResult,
  type ScanStats,
} from '../core/index.js';
import type { EngineOptions } from './types.js';

export function emptyStats(): ScanStats {
  return {
    filesScanned: 0,
    bytesScanned: 0,
    skippedBinary: 0,
    skippedTooLarge: 0,
    skippedIgnored: 0,
    durationMs: 0,
  };
}

/** Hits → ScanResult: the one place every scan mode turns sightings into findings. */
export function finishScan(
  mode: ScanMode,
  hits: Iterable<Hit>,
  stats: ScanStats,
  warnings: string[],
  opts: EngineOptions,
  startedAt: number,
): ScanResult {
  const { findings, suppressed } = collectFindings(hits, {
    config: opts.config,
    ...(opts.fingerprintKey ? { fingerprintKey: opts.fingerprintKey } : {}),
  });
  return {
    mode,
    findings,
    suppressed,
    stats: { ...stats, durationMs: Date.now() - startedAt },
    warnings,
  };
}

/** Binary test used everywhere: a NUL byte in the first 8000 bytes (git's own heuristic). */
export function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8000).includes(0);
}
