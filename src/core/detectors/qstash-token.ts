import { decodeQstashToken } from '../decode/qstash-token.js';
import type { Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { qstashToken } from './synthetic.js';

export const qstashTokenDetector = {
  id: 'upstash-qstash-token',
  type: 'upstash-qstash-token',
  title: 'Upstash QStash token',
  keywords: ['eyJVc2VySUQi'],
  // Not preceded by "." (JWT payloads that start with eyJVc2VySUQi are lookalikes).
  pattern: /(?<![A-Za-z0-9+/_.-])(eyJVc2VySUQiOi[A-Za-z0-9+/]{20,200}={0,2})(?![A-Za-z0-9+/=_.-])/g,
  validate(m) {
    const t = decodeQstashToken(m[1]!);
    if (!t || isKnownPublicValue(t.normalised)) return null;
    return {
      type: 'upstash-qstash-token',
      secret: t.normalised,
      identity: `qstash:${t.normalised}`,
      readOnly: null,
      confidence: 'high',
      details: { user: `${t.userId.slice(0, 8)}…` },
    };
  },
  examples: {
    positives: () => [
      `QSTASH_TOKEN=${qstashToken()}`,
      `const client = new Client({ token: "${qstashToken()}" });`,
    ],
    negatives: [
      // Public dev-server credentials (defaultUser/defaultPassword), qstash-js dev server.
      'QSTASH_TOKEN=eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=',
      'QSTASH_TOKEN=eyJVc2VySUQiOiJ0ZXN0VXNlcjEiLCJQYXNzd29yZCI6InRlc3RQYXNzd29yZCJ9',
    ],
  },
} satisfies Detector;
