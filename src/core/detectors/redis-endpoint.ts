import type { Detector } from '../types.js';
import { randomDbId, redisEndpoint } from './synthetic.js';

/**
 * Redis REST endpoints (`https://<adj>-<animal>-<N>.upstash.io`, legacy `<region>-…`, Fly, Vercel
 * KV). Not secrets: pairing parts that give a token its endpoint by database number N. Service
 * hosts whose label ends in a digit (`qstash-us-east-1`, `us-east-1.box`) are not databases.
 */
export const redisEndpointDetector = {
  id: 'upstash-redis-endpoint',
  type: 'upstash-redis-token',
  title: 'Upstash Redis endpoint',
  keywords: ['upstash.io', 'vercel-storage'],
  pattern:
    /https?:\/\/((?:[a-z0-9]+-)+\d{2,12})\.(?:upstash\.io|kv\.vercel-storage\.com)(?![a-z0-9-])/g,
  validate(m) {
    const label = m[1]!;
    if (/^(qstash|api|console|box|us-east|eu-central)-/.test(label)) return null;
    const id = /-(\d+)$/.exec(label)![1]!;
    const host = m[0].replace(/^https?:\/\//, '');
    return {
      type: 'upstash-redis-token',
      secret: '',
      identity: `endpoint:${host}`,
      readOnly: null,
      confidence: 'high',
      endpoint: `https://${host}`,
      pairKey: `redis-db:${Number(id)}`,
      pairingPartOnly: true,
      details: { database: Number(id) },
    };
  },
  examples: {
    positives: () => [
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(randomDbId())}`,
      `KV_REST_API_URL="${redisEndpoint(randomDbId(), { vercel: true })}"`,
      `url: '${redisEndpoint(randomDbId(true), { legacyRegion: 'gusc1' })}',`,
    ],
    negatives: [
      'https://console.upstash.com/redis/abc',
      'https://fancy-cat.upstash.io',
      'QSTASH_URL=https://qstash-us-east-1.upstash.io',
      'UPSTASH_VECTOR_REST_URL=https://calm-yak-2211-us1-vector.upstash.io',
    ],
  },
} satisfies Detector;
