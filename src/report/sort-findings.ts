import { compareSeverity } from '../core/scan/severity.js';
import type { Finding } from '../core/types.js';

/**
 * Most severe first; live before unknown before revoked within a severity (what to rotate first);
 * then by type and fingerprint so output is stable for golden files.
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number =>
    f.verification?.status === 'live' ? 0 : f.verification?.status === 'revoked' ? 2 : 1;
  return [...findings].sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      rank(a) - rank(b) ||
      a.type.localeCompare(b.type) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}
