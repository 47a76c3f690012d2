import type { Detector } from '../types.js';
import { entropy, isPlaceholder } from './placeholders.js';
import { boxApiKey } from './synthetic.js';

const IMPORTS_BOX = /from\s+["']@upstash\/box["']|require\(\s*["']@upstash\/box["']\s*\)/;

/**
 * Upstash Box API key (`box_…`; real length unconfirmed, docs show 24 chars). `box_` is a common
 * prefix elsewhere, so only under a *BOX* key name or on a line mentioning Upstash, or in a file importing @upstash/box; medium.
 */
export const boxApiKeyDetector = {
  id: 'upstash-box-api-key',
  type: 'upstash-box-api-key',
  title: 'Upstash Box API key',
  keywords: ['box_'],
  pattern: /(?<![A-Za-z0-9_])(box_[A-Za-z0-9_-]{20,80})(?![A-Za-z0-9_-])/g,
  validate(m, ctx) {
    const v = m[1]!;
    if (
      !/UPSTASH_BOX|BOX_API_KEY|box_?api_?key/i.test(ctx.key ?? '') &&
      !/upstash/i.test(ctx.line) &&
      !IMPORTS_BOX.test(ctx.text)
    )
      return null;
    if (isPlaceholder(v) || entropy(v.slice(4)) < 3.5 || !/\d/.test(v) || !/[A-Za-z]/.test(v))
      return null;
    return {
      type: 'upstash-box-api-key',
      secret: v,
      identity: `box:${v}`,
      readOnly: null,
      endpoint: 'https://us-east-1.box.upstash.com',
      confidence: 'medium',
      details: {},
    };
  },
  examples: {
    positives: () => [
      `UPSTASH_BOX_API_KEY=${boxApiKey()}`,
      `const box = new Box({ apiKey: "${boxApiKey()}" }); // upstash box`,
    ],
    negatives: [
      'UPSTASH_BOX_API_KEY=box_xxxxxxxxxxxxxxxxxxxxxxxx',
      'const icon = box_shadow_large_container_default;',
      'dropbox_token = box_a8f3k2m9q7w1e5r4t6y8u0i2',
    ],
  },
} satisfies Detector;
