import { createHmac } from 'node:crypto';

/**
 * Product-wide default key: fingerprints are portable between the CLI, the App and machines, so an
 * allowlist written once works everywhere. Organisations that want fingerprints that cannot be
 * matched against a guessed secret by outsiders set their own key (UPSTASH_GUARD_FINGERPRINT_KEY).
 */
export const DEFAULT_FINGERPRINT_KEY = 'upstash-guard/fingerprint/v1';

/** Keyed hash of a credential identity (which is derived from the normalised secret only). */
export function fingerprint(identity: string, key: string = DEFAULT_FINGERPRINT_KEY): string {
  return `ug1:${createHmac('sha256', key).update(identity).digest('hex').slice(0, 32)}`;
}
