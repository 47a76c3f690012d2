import { decodeQstashToken } from '../decode/qstash-token.js';
import type { Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { isFilledSlot, isPlaceholder } from './placeholders.js';
import { qstashToken } from './synthetic.js';

/**
 * A JWT whose payload happens to start with {"UserID": (OpenIM-style session token), built here:
 * written out, its middle part reads as a QStash token to other scanners.
 */
const LOOKALIKE_JWT = [
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  Buffer.from('{"UserID":"1234567890","PlatformID":1}').toString('base64').replace(/=+$/, ''),
  'c2lnbmF0dXJlc2lnbmF0dXJl',
].join('.');

export const qstashTokenDetector = {
  id: 'upstash-qstash-token',
  type: 'upstash-qstash-token',
  title: 'Upstash QStash token',
  keywords: ['eyJVc2VySUQi'],
  // Not preceded or followed by "." (JWT payloads that start with eyJVc2VySUQi are lookalikes).
  pattern: /(?<![A-Za-z0-9+/_.-])(eyJVc2VySUQiOi[A-Za-z0-9+/]{20,200}={0,2})(?![A-Za-z0-9+/=_.-])/g,
  validate(m) {
    // decodeQstashToken requires UserID = UUID: dev-server creds fail it.
    const t = decodeQstashToken(m[1]!);
    if (!t || isKnownPublicValue(t.normalised)) return null;
    // A layout filled by hand (a zero or counting UUID, `000…0` as the password) is a docs or
    // test placeholder, whatever the JSON around it says.
    if (isFilledSlot(t.userId) || isFilledSlot(t.password)) return null;
    const variant = t.layout === 'unrecognised variant';
    // An unfamiliar Password must still look like key material, not `password1`.
    if (variant && (t.password.length < 16 || isPlaceholder(t.password))) return null;
    return {
      type: 'upstash-qstash-token',
      secret: t.normalised,
      identity: `qstash:${t.userId}:${t.password}`,
      readOnly: null,
      endpoint: 'https://qstash.upstash.io',
      confidence: variant ? 'medium' : 'high',
      details: { user: `${t.userId.slice(0, 8)}…`, layout: t.layout },
    };
  },
  examples: {
    positives: () => [
      `QSTASH_TOKEN=${qstashToken()}`,
      `const client = new Client({ token: "${qstashToken()}" });`,
      `US_EAST_1_QSTASH_TOKEN="${qstashToken().replace(/=+$/, '')}"`,
      `https://qstash.upstash.io/v2/publish/x?qstash_token=${qstashToken()}`,
      // Older tokens: the Password is a UUID (132 chars).
      `QSTASH_TOKEN="${qstashToken({ password: 'uuid' })}"`,
    ],
    negatives: [
      // The public dev-server tokens (defaultUser/defaultPassword, testUser1; qstash-js dev
      // server) are negatives too, in test/core/detectors/public-examples.test.ts: written here,
      // they would read as leaks.
      // A JWT whose payload happens to start with {"UserID": (OpenIM-style session token).
      `token: ${LOOKALIKE_JWT}`,
      'QSTASH_TOKEN=eyJVc2VySUQiOi...',
    ],
  },
} satisfies Detector;
