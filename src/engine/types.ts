import type { Config } from '../core/config/types.js';

/** Progress of a long scan, for a CLI progress line or job progress. Counts only, never content. */
export interface Progress {
  phase: 'enumerate' | 'scan' | 'attribute' | 'done';
  done: number;
  total?: number;
  /** false while `total` still grows (the history walk is still listing); final otherwise. */
  totalFinal?: boolean;
  bytes?: number;
}

/** Options shared by every engine entry point (scanTree, scanRange, scanStaged, scanHistory). */
export interface EngineOptions {
  config: Config;
  /** Key for finding fingerprints; default is the product-wide key so fingerprints are portable. */
  fingerprintKey?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/** Which commits a range scan covers, in `git rev-list` terms: include ^exclude. */
export interface CommitRange {
  /** Tips to scan from (e.g. the PR head, the pushed `after`). */
  include: string[];
  /** Commits whose ancestors are not scanned (e.g. the PR base, other branch heads). */
  exclude: string[];
}
