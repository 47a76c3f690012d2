import type { Detector } from '../types.js';
import { entropy, isPlaceholder } from './placeholders.js';
import { boxApiKey } from './synthetic.js';

/** Upstash Box API key (`box_…`, real length unconfirmed): only under an Upstash Box name. */
export const boxApiKeyDetector = {
  id: 'upstash-box-api-key',
  type: 'upstash-box-api-key',
  title: 'Upstash Box API key',
  keywords: ['box_'],
  pattern: /(?<![A-Za-z0-9_])(box_[A-Za-z0-9_-]{20,80})(?![A-Za-z0-9_-])/g,
  validate(m, ctx) {
    const v = m[1]!;
    if (!/BOX/i.test(ctx.key ?? '') && !/upstash/i.test(ctx.line)) return null;
    if (isPlaceholder(v) || entropy(v.slice(4)) < 3.5) return null;
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
    positives: () => [`UPSTASH_BOX_API_KEY=${boxApiKey()}`],
    negatives: ['UPSTASH_BOX_API_KEY=box_xxxxxxxxxxxxxxxxxxxxxxxx'],
  },
} satisfies Detector;
