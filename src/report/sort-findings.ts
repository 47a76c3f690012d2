import { compareSeverity } from '../core/scan/severity.js';
import type { Finding } from '../core/types.js';

/**
 * Most severe first, then by the path and line of the first occurrence (a report reads like the
 * repository, top to bottom); then live before unknown before revoked (what to rotate first), type
 * and fingerprint, so output is stable for golden files.
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number =>
    f.verification?.status === 'live' ? 0 : f.verification?.status === 'revoked' ? 2 : 1;
  const path = (f: Finding): string => f.occurrences[0]?.path ?? '';
  const line = (f: Finding): number => f.occurrences[0]?.line ?? 0;
  return [...findings].sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      (path(a) < path(b) ? -1 : path(a) > path(b) ? 1 : 0) ||
      line(a) - line(b) ||
      rank(a) - rank(b) ||
      a.type.localeCompare(b.type) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}
