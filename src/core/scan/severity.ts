import {
  SEVERITIES,
  type Confidence,
  type CredentialType,
  type Details,
  type Exposure,
  type Severity,
} from '../types.js';

/** Negative when `a` is more severe than `b` (sorts most severe first). */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

export function atLeast(s: Severity, threshold: Severity): boolean {
  return compareSeverity(s, threshold) <= 0;
}

function lower(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(s) + 1)]!;
}

export interface SeverityInput {
  type: CredentialType;
  readOnly: boolean | null;
  exposure: Exposure;
  confidence: Confidence;
  details: Details;
}

/**
 * The severity model (credentials doc §9): the management key exposes every database, so it is
 * critical; so is a full-access token shipped to browsers. Full-access tokens and QStash secrets are
 * high; read-only tokens medium; read-only Search tokens are public by design (info); Kafka is a
 * discontinued service (low). A low-confidence (unknown format) value is one level lower.
 */
export function severityOf(f: SeverityInput): Severity {
  let s: Severity;
  if (f.type === 'upstash-management-key') s = 'critical';
  else if (f.type === 'upstash-kafka-credentials') s = 'low';
  else if (f.details.publicByDesign === true) s = 'info';
  // A read-only token in a browser still only reads: exposure does not change what it can do.
  else if (f.readOnly === true) s = 'medium';
  else s = f.exposure.kind === 'browser' ? 'critical' : 'high';
  return f.confidence === 'low' ? lower(s) : s;
}
