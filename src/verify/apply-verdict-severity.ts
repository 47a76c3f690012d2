import type { Severity, Verification } from '../core/index.js';

export interface SeverityFacts {
  severity: Severity;
  readOnly: boolean | null;
  verification?: Verification;
}

/**
 * Severity after verification (docs/verification.md has the table):
 * - live, full access (readOnly false or unknown): critical; live read-only: at least high, except
 *   `info` (read-only Search tokens are public by design) which stays info.
 * - revoked: low (still reported: it leaked and history keeps it); info stays info.
 * - unknown / unverifiable: unchanged (the structural severity from the scan).
 */
export function severityAfterVerdict(f: SeverityFacts): Severity {
  const status = f.verification?.status;
  if (f.severity === 'info') return 'info';
  if (status === 'live') {
    if (f.readOnly !== true) return 'critical';
    return f.severity === 'critical' ? 'critical' : 'high';
  }
  if (status === 'revoked') return 'low';
  return f.severity;
}
