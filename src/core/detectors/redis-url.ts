import { decodeRedisToken } from '../decode/redis-token.js';
import type { Candidate, Detector } from '../types.js';
import { isPlaceholder } from './placeholders.js';
import { redisIdentity, redisTokenCandidate } from './redis-token.js';
import { redisHost, redisTokenParts, redisUrl } from './synthetic.js';

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * `redis://` / `rediss://` URLs on Upstash hosts, with no password length cap (TruffleHog caps it at
 * 50 and so misses every current Upstash URL, whose password is the 54–72 char REST token).
 */
export const redisUrlDetector = {
  id: 'upstash-redis-url',
  type: 'upstash-redis-url',
  title: 'Upstash Redis connection URL',
  keywords: ['stash', 'vercel-storage'],
  pattern:
    /(rediss?:\/\/(?:[A-Za-z0-9._~%-]*:)?[^\s@/"'`<>]{1,300}@(?:[a-z0-9-]+\.)*(?:upstash\.io|kv\.vercel-storage\.com)(?::\d{1,5})?)/gi,
  validate(m): Candidate | null {
    const url = m[1]!;
    const parsed = /^(rediss?):\/\/(?:([^:@]*):)?([^@]+)@([^:/]+)(?::(\d+))?$/i.exec(url);
    if (!parsed) return null;
    const user = safeDecode(parsed[2] ?? '');
    const password = safeDecode(parsed[3]!);
    const host = parsed[4]!.toLowerCase();
    if (isPlaceholder(password) && !decodeRedisToken(password)) return null;
    const hostId = /-(\d+)\.(?:upstash\.io|kv\.vercel-storage\.com)$/.exec(host)?.[1];
    const endpoint = `https://${host.replace(/^fly-/, '')}`;
    const base = { endpoint, details: { host, user: user || 'default' } as Candidate['details'] };
    const asToken = redisTokenCandidate(password);
    if (asToken) {
      // Current databases: the TCP password IS the REST token. One credential, one identity.
      return {
        ...asToken,
        type: 'upstash-redis-url',
        readOnly: asToken.readOnly || user === 'default_ro',
        endpoint,
        details: { ...asToken.details, ...base.details },
      };
    }
    if (/^[0-9a-f]{32}$/.test(password) && hostId) {
      // Legacy databases: the 32-hex TCP password, also embedded in the legacy REST token.
      return {
        type: 'upstash-redis-url',
        secret: password,
        identity: redisIdentity(Number(hostId), `legacy:${password}`),
        readOnly: user === 'default_ro',
        confidence: 'high',
        pairKey: `redis-db:${hostId}`,
        ...base,
        details: { ...base.details, database: Number(hostId), layout: 'legacy' },
      };
    }
    if (password.length < 8 || isPlaceholder(password)) return null;
    return {
      type: 'upstash-redis-url',
      secret: password,
      identity: `redis-url:${host}:${password}`,
      readOnly: user === 'default_ro',
      confidence: 'medium',
      ...(hostId ? { pairKey: `redis-db:${hostId}` } : {}),
      ...base,
    };
  },
  examples: {
    positives: () => {
      const cur = redisTokenParts();
      const legacy = redisTokenParts({ layout: 'legacy' });
      return [
        `REDIS_URL=${redisUrl({ password: cur.token, host: redisHost(cur.dbId) })}`,
        `KV_URL="${redisUrl({ password: redisTokenParts({ readOnly: true }).token, host: redisHost(1234), user: 'default_ro' })}"`,
        `url: ${redisUrl({ password: legacy.password!, host: redisHost(legacy.dbId, { legacyRegion: 'eu1' }), port: legacy.dbId, scheme: 'redis' })}`,
      ];
    },
    negatives: [
      'REDIS_URL=rediss://default:${UPSTASH_REDIS_PASSWORD}@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:<password>@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:********@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=redis://default:7f3a9c2e1b4d8f6a0c5e9b2d4f1a8c3e@redis.example.com:6379',
      'REDIS_URL=redis://localhost:6379',
    ],
  },
} satisfies Detector;
