/** A Finding for incident tests: a freshly generated synthetic secret attached, fingerprinted and masked. */
import { fingerprint } from '../../src/core/scan/fingerprint.js';
import { attachSecret, type Finding } from '../../src/core/types.js';
import { redisToken } from './synthetic.js';

export function leakFinding(secret: string = redisToken(), over: Partial<Finding> = {}): Finding {
  return attachSecret(
    {
      type: 'upstash-redis-token',
      title: 'Upstash Redis REST token',
      readOnly: false,
      endpoint: 'https://fond-cat-1234.upstash.io',
      exposure: { kind: 'server' },
      severity: 'high',
      confidence: 'high',
      fingerprint: fingerprint(secret),
      masked: `${secret.slice(0, 4)}…(${secret.length} chars)`,
      details: {},
      occurrences: [{ path: '.env', line: 1, commit: 'c'.repeat(40) }],
      ...over,
    },
    { value: secret },
  );
}
