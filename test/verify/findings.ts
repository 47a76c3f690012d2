/** Builds findings the way collectFindings does (secret attached, non-enumerable) for verify tests. */
import { createHash } from 'node:crypto';
import {
  attachSecret,
  type CredentialType,
  type Finding,
  type Severity,
} from '../../src/core/index.js';

export interface FindingInput {
  secret: string;
  endpoint?: string;
  readOnly?: boolean | null;
  companion?: Record<string, string>;
  severity?: Severity;
}

export function findingOf(type: CredentialType, i: FindingInput): Finding {
  const f: Finding = {
    type,
    title: type,
    readOnly: i.readOnly ?? false,
    ...(i.endpoint ? { endpoint: i.endpoint } : {}),
    exposure: { kind: 'server' },
    severity: i.severity ?? 'high',
    confidence: 'high',
    fingerprint: createHash('sha256').update(`${type}:${i.secret}`).digest('hex').slice(0, 32),
    masked: `${i.secret.slice(0, 4)}…`,
    details: {},
    occurrences: [{ path: 'app/.env', line: 1 }],
  };
  return attachSecret(f, { value: i.secret, ...(i.companion ? { companion: i.companion } : {}) });
}
