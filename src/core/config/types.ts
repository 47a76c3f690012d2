import type { Severity } from '../types.js';

/**
 * The parsed `.github/upstash-guard.yml` (same file for the CLI and the App). The zod schema in
 * schema.ts must produce exactly this shape, with every default filled in.
 */
export interface Config {
  version: 1;
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
  /** Files (blobs) larger than this many bytes are skipped and counted. */
  maxFileSize: number;
}

export const DEFAULT_CONFIG: Config = {
  version: 1,
  ignorePaths: [],
  allow: [],
  failOn: 'medium',
  verify: true,
  comments: { pullRequest: true, commits: true, history: false },
  maxFileSize: 5 * 1024 * 1024,
};
