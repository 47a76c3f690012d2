import type { CredentialType, Finding } from '../../core/types.js';
import { renderGuidance } from './render-guidance.js';

/**
 * Rotation steps for a credential type in general (no particular finding), for SARIF rule help.
 * Built from the same family rules so the advice never drifts between outputs.
 */
export function typeGuidance(type: CredentialType): string {
  const generic = {
    type,
    title: type,
    readOnly: null,
    exposure: { kind: 'server' },
    severity: 'high',
    confidence: 'high',
    fingerprint: '',
    masked: '',
    details: {},
    occurrences: [],
  } satisfies Finding;
  return renderGuidance([generic], { historyRewrite: false });
}
