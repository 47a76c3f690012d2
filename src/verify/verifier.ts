import type { Finding } from '../core/index.js';
import { verifyFindings, type VerifyOptions } from './verify-findings.js';

/** What the App's worker holds: verifyFindings with its cache, limiter and policy bound once. */
export class Verifier {
  constructor(private readonly base: VerifyOptions) {}
  verify(findings: Finding[], extra: Pick<VerifyOptions, 'installationId'>): Promise<void> {
    return verifyFindings(findings, { ...this.base, ...extra });
  }
}
