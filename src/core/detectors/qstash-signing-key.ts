import type { Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { entropy } from './placeholders.js';
import { signingKey } from './synthetic.js';

/** QStash signing keys: `sig_` + 28 base58 chars (current) or 50–52 (legacy). */
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
    if (isKnownPublicValue(value)) return null;
    const body = value.slice(4);
    if (entropy(body) < 3.8 || !/\d/.test(body) || !/[a-z]/.test(body) || !/[A-Z]/.test(body))
      return null;
    const where = `${ctx.key ?? ''} ${ctx.line}`;
    const inContext = /SIGNING|signingKey|Receiver|QSTASH|qstash/i.test(where);
    const which = /NEXT|next/.test(ctx.key ?? '')
      ? 'next'
      : /CURRENT|current/.test(ctx.key ?? '')
        ? 'current'
        : 'unknown';
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
    ],
    negatives: [
      'QSTASH_CURRENT_SIGNING_KEY=sig_xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'signingKey: "sig_test"',
    ],
  },
} satisfies Detector;
