import type { Detector } from '../types.js';
import { randomDbId, redisEndpoint } from './synthetic.js';

/**
 * Redis REST endpoints (`https://<adj>-<animal>-<N>.upstash.io`, legacy `<region>-…`, Vercel KV).
 * Not secrets: pairing parts that give a token its endpoint by database number N.
 */
export const redisEndpointDetector = {
  id: 'upstash-redis-endpoint',
  type: 'upstash-redis-token',
  title: 'Upstash Redis endpoint',
  keywords: ['stash', 'vercel-storage'],
  pattern: /https?:\/\/((?:[a-z0-9]+-)+\d{1,12})\.(?:upstash\.io|kv\.vercel-storage\.com)\b/g,
  validate(m) {
    const full = m[0];
    const host = full.replace(/^https?:\/\//, '');
    const id = /-(\d+)\./.exec(host)?.[1];
    if (!id) return null;
    return {
      type: 'upstash-redis-token',
      secret: '',
      identity: `endpoint:${host}`,
      readOnly: null,
      confidence: 'high',
      endpoint: `https://${host}`,
      pairKey: `redis-db:${Number(id)}`,
      pairingPartOnly: true,
      details: {},
    };
  },
  examples: {
    positives: () => [`UPSTASH_REDIS_REST_URL=${redisEndpoint(randomDbId())}`],
    negatives: ['https://console.upstash.com/redis/abc', 'https://fancy-cat.upstash.io'],
  },
} satisfies Detector;
