import type { Detector } from '../types.js';
import { isPlaceholder } from './placeholders.js';
import { context7Key } from './synthetic.js';

export const context7KeyDetector = {
  id: 'upstash-context7-api-key',
  type: 'upstash-context7-api-key',
  title: 'Context7 API key (Upstash)',
  keywords: ['ctx7sk'],
  pattern:
    /(?<![A-Za-z0-9_-])(ctx7sk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![A-Za-z0-9_-])/g,
  validate: (m) =>
    isPlaceholder(m[1]!.slice(7))
      ? null
      : {
          type: 'upstash-context7-api-key',
          secret: m[1]!,
          identity: `context7:${m[1]!}`,
          readOnly: null,
          endpoint: 'https://context7.com',
          confidence: 'high',
          details: {},
        },
  examples: {
    positives: () => [`CONTEXT7_API_KEY=${context7Key()}`],
    negatives: [
      'CONTEXT7_API_KEY=ctx7sk-xxxxxxxx',
      'CONTEXT7_API_KEY=ctx7sk-00000000-0000-0000-0000-000000000000',
    ],
  },
} satisfies Detector;
