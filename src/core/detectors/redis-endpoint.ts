import type { Detector } from '../types.js';
import { randomDbId, redisEndpoint, redisHost } from './synthetic.js';

/**
 * Redis endpoints (`https://<adj>-<animal>-<N>.upstash.io`, legacy `<region>-…`, Fly, Vercel KV),
 * with or without a scheme: TCP clients name the bare host (redis-py and ioredis `host=`, Go
 * `Addr: "<host>:6379"`, StackExchange.Redis `<host>:6379,password=…`, Jedis, Predis, Terraform
 * state's `"endpoint"`). Not secrets: pairing parts that give a token its endpoint by database
 * number N. Service hosts whose label ends in a digit (`qstash-us-east-1`, `us-east-1.box`) are
 * not databases.
 */
export const redisEndpointDetector = {
  id: 'upstash-redis-endpoint',
  type: 'upstash-redis-token',
  title: 'Upstash Redis endpoint',
  keywords: ['upstash.io', 'vercel-storage'],
  pattern:
    /(?<![\w.-])(?:https?:\/\/)?((?:[a-z0-9]+-)+\d{2,12})\.(?:upstash\.io|kv\.vercel-storage\.com)(?![a-z0-9-])/g,
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
      `r = redis.Redis(host='${redisHost(randomDbId())}', port=6379, ssl=True)`,
      `"endpoint": "${redisHost(randomDbId(), { legacyRegion: 'eu1' })}",`,
      `Connect("${redisHost(randomDbId())}:6379,ssl=True,abortConnect=False")`,
    ],
    negatives: [
      'https://console.upstash.com/redis/abc',
      'https://fancy-cat.upstash.io',
      'QSTASH_URL=https://qstash-us-east-1.upstash.io',
      'UPSTASH_VECTOR_REST_URL=https://calm-yak-2211-us1-vector.upstash.io',
      'host: my.fancy-cat-12345.upstash.io.example.com',
      'UPSTASH_KAFKA_REST_URL=https://fancy-cat-12345-eu1-rest-kafka.upstash.io',
      'host=qstash-eu-central-1.upstash.io',
    ],
  },
} satisfies Detector;
