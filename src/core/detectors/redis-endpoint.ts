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
  // The pattern is the literal suffix: a regex that starts with the label would be tried at every
  // position of a text (30x slower on a repository full of Upstash URLs); the label is read
  // backwards from the suffix instead.
  pattern: /(\.(?:upstash\.io|kv\.vercel-storage\.com))(?![a-z0-9-])/g,
  validate(m, ctx) {
    const label = labelBefore(ctx.text, ctx.index);
    if (!label || /^(qstash|api|console|box|us-east|eu-central)-/.test(label)) return null;
    const id = /-(\d+)$/.exec(label)![1]!;
    const host = label + ctx.text.slice(ctx.index, ctx.index + m[1]!.length);
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

/** DNS names are at most 253 characters: a longer run is not a host (and bounds hostile input). */
const MAX_LABEL = 253;

/**
 * The database label ending at `end` (`fancy-cat-12345`, `eu1-fancy-cat-12345`), or null: a run
 * of `[a-z0-9-]` of the form `(word-)+digits`, not glued to a word character or a dot before it
 * (`my.fancy-cat-1.upstash.io`, `X_fancy-cat-1…` are other names).
 */
function labelBefore(text: string, end: number): string | null {
  let start = end;
  while (start > 0 && end - start <= MAX_LABEL) {
    const c = text.charCodeAt(start - 1);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d) start--;
    else break;
  }
  if (end - start > MAX_LABEL) return null;
  if (start > 0 && /[\w.]/.test(text[start - 1]!)) return null;
  const label = text.slice(start, end);
  return /^(?:[a-z0-9]+-)+\d{2,12}$/.test(label) ? label : null;
}
