import { describe, expect, it } from '@jest/globals';
import { severityAfterVerdict } from '../../src/verify/apply-verdict-severity.js';
import type { Severity, VerificationStatus } from '../../src/core/index.js';

const row = (severity: Severity, readOnly: boolean | null, status?: VerificationStatus) =>
  severityAfterVerdict({ severity, readOnly, ...(status ? { verification: { status } } : {}) });

describe('severityAfterVerdict (the table in docs/verification.md)', () => {
  it.each([
    ['high', false, 'live', 'critical'],
    ['medium', null, 'live', 'critical'],
    ['medium', true, 'live', 'high'],
    ['critical', true, 'live', 'critical'],
    ['info', true, 'live', 'info'],
    ['critical', false, 'revoked', 'low'],
    ['medium', true, 'revoked', 'low'],
    ['info', true, 'revoked', 'info'],
    ['high', false, 'unknown', 'high'],
    ['low', false, 'unverifiable', 'low'],
    ['high', false, undefined, 'high'],
  ] as const)('%s, readOnly=%s, %s → %s', (severity, readOnly, status, expected) => {
    expect(row(severity, readOnly, status)).toBe(expected);
  });
});
