import type { Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { nearbyLines } from './nearby.js';
import { cutByRedaction, entropy, isPlaceholder } from './placeholders.js';
import { signingKey } from './synthetic.js';

const CONTEXT = /SIGNING|signing_?key|Receiver|qstash|QSTASH|Upstash-Signature/i;

/**
 * QStash signing keys: `sig_` + exactly 28 base58 chars (current) or 50–52 (legacy). The base58
 * body must look random (digits, both cases, entropy). With QStash context within 3 lines the
 * confidence is high; a bare key of the exact shape is still reported, at medium.
 */
export const qstashSigningKeyDetector = {
  id: 'upstash-qstash-signing-key',
  type: 'upstash-qstash-signing-key',
  title: 'Upstash QStash signing key',
  keywords: ['sig_'],
  pattern: /(?<![A-Za-z0-9_])(sig_[1-9A-HJ-NP-Za-km-z]{27,60})(?![A-Za-z0-9_])/g,
  validate(m, ctx) {
    const value = m[1]!;
    const n = value.length - 4;
    if (n !== 28 && (n < 50 || n > 52)) return null;
    if (isKnownPublicValue(value) || isPlaceholder(value)) return null;
    // A legacy key cut in a copy (`sig_<28 of its 50 characters>…`) has a current key's length.
    if (cutByRedaction(ctx.after.slice(value.length))) return null;
    const body = value.slice(4);
    // Under a signing-key name (`QSTASH_CURRENT_SIGNING_KEY=`, `nextSigningKey:`) the value is
    // not an identifier, and a digit is not required: about one random 28-char base58 key in 110
    // has none (49 of the 58 characters are letters), and those were missed.
    const named = /signing_?key/i.test(ctx.key ?? '');
    // Random 28-char base58 averages ~4.3 bits/char (σ≈0.15); 3.4 keeps every real key.
    if (
      entropy(body) < (n === 28 ? 3.4 : 4) ||
      (!named && !/\d/.test(body)) ||
      !/[a-z]/.test(body) ||
      !/[A-Z]/.test(body)
    )
      return null;
    const inContext = CONTEXT.test(`${ctx.key ?? ''}\n${nearbyLines(ctx, 3)}`);
    const key = ctx.key ?? '';
    const which = /next/i.test(key) ? 'next' : /current/i.test(key) ? 'current' : 'unknown';
    return {
      type: 'upstash-qstash-signing-key',
      secret: value,
      identity: `qstash-signing:${value}`,
      readOnly: null,
      confidence: inContext ? 'high' : 'medium',
      details: { key: which, layout: n === 28 ? 'current' : 'legacy' },
    };
  },
  examples: {
    positives: () => [
      `QSTASH_CURRENT_SIGNING_KEY=${signingKey()}`,
      `nextSigningKey: "${signingKey({ legacy: true })}",`,
      `EU_CENTRAL_1_QSTASH_NEXT_SIGNING_KEY="${signingKey()}"`,
    ],
    negatives: [
      `QSTASH_CURRENT_SIGNING_KEY=sig_${'x'.repeat(28)}`,
      'signingKey: "sig_test"',
      `QSTASH_NEXT_SIGNING_KEY="sig_${'123456789'}${'ABCDEFGHJKLMNPQRSTU'}"`,
      // The public dev-server keys (qstash-js src/dev-server/constants.ts) are negatives too, in
      // test/core/detectors/public-examples.test.ts: written here, they would read as leaks.
      'const handler = sig_handlerForSignalsAndStuff;',
    ],
  },
} satisfies Detector;
