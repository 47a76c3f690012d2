import type { Config } from '../config/types.js';
import type { Finding } from '../types.js';
import { atLeast } from '../scan/severity.js';

/** A scan fails when any finding is at or above the configured severity. */
export function failsScan(findings: readonly Finding[], config: Config): boolean {
  return findings.some((f) => atLeast(f.severity, config.failOn));
}
