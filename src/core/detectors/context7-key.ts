import type { Detector } from '../types.js';
import { context7Key } from './synthetic.js';

export const context7KeyDetector = {
  id: 'upstash-context7-api-key',
  type: 'upstash-context7-api-key',
  title: 'Context7 API key (Upstash)',
  keywords: ['ctx7sk'],
  pattern:
    /(?<![A-Za-z0-9_-])(ctx7sk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![A-Za-z0-9_-])/g,
  validate: (m) => ({
    type: 'upstash-context7-api-key',
    secret: m[1]!,
    identity: `context7:${m[1]!}`,
    readOnly: null,
    endpoint: 'https://context7.com',
    confidence: 'high',
    details: {},
  }),
  examples: {
    positives: () => [`CONTEXT7_API_KEY=${context7Key()}`],
    negatives: ['CONTEXT7_API_KEY=ctx7sk-xxxxxxxx'],
  },
} satisfies Detector;
