import type { Severity } from '../types.js';

/**
 * The parsed `.github/upstash-guard.yml` (same file for the CLI and the App). The zod schema in
 * schema.ts must produce exactly this shape, with every default filled in.
 */
export interface Config {
  version: 1;
  /**
   * The base this file extends (`_extends`). The App merges the base in before parsing, so only the
   * CLI and the Action, which read the file alone, see it here.
   */
  _extends?: string;
  /** Globs (picomatch syntax, matched against repository-relative paths) that are never scanned. */
  ignorePaths: string[];
  /** Fingerprints of credentials accepted on purpose, each with the reason a reviewer gave. */
  allow: { fingerprint: string; reason: string }[];
  /** A scan fails (exit 1, check run failure) when a finding is at or above this severity. */
  failOn: Severity;
  /** Liveness verification (App: default on; CLI: only with --verify). */
  verify: boolean;
  comments: {
    /** One PR comment kept up to date. */
    pullRequest: boolean;
    /** Comments on offending pushed commits not covered by an open PR. */
    commits: boolean;
    /** Comments on introducing commits found by the install-time history scan. */
    history: boolean;
  };
  /**
   * Files (blobs) up to this many bytes are scanned in one piece; larger ones are scanned in
   * overlapping windows of this size, so memory per file stays bounded.
   */
  maxFileSize: number;
  /** Files (blobs) larger than this are not scanned; each one is listed in the report's `skipped`. */
  hardMaxFileSize: number;
}

export const DEFAULT_CONFIG: Config = {
  version: 1,
  ignorePaths: [],
  allow: [],
  failOn: 'medium',
  verify: true,
  comments: { pullRequest: true, commits: true, history: false },
  maxFileSize: 5 * 1024 * 1024,
  hardMaxFileSize: 256 * 1024 * 1024,
};
