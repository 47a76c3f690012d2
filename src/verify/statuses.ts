import type { VerificationStatus } from '../core/index.js';

export const VERIFICATION_STATUSES: readonly VerificationStatus[] = [
  'live',
  'revoked',
  'unknown',
  'unverifiable',
];
