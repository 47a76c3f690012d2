import { isBrokenRedisToken } from '../decode/redis-token.js';
import type { Candidate, Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { entropy, isFilledSlot, isPlaceholder } from './placeholders.js';
import { redisIdentity, redisTokenCandidate } from './redis-token.js';
import { redisHost, redisToken, redisTokenParts, redisUrl, OTHER_SERVER_HEX } from './synthetic.js';

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

const URL_PARTS = /^(rediss?):\/\/(?:([^:@]*):)?([^@]+)@([^:/]+)(?::(\d+))?$/i;
const HOST_ID = /-(\d+)\.(?:upstash\.io|kv\.vercel-storage\.com)$/;

/**
 * `redis://` / `rediss://` URLs on Upstash hosts, with no password length cap (TruffleHog caps it at
 * 50 and so misses every current Upstash URL, whose password is the 54–72 char REST token).
 * Identity rules: a current password IS the REST token (same identity as the token), a legacy
 * 32-hex password is embedded in the legacy token (same identity as that token).
 */
export const redisUrlDetector = {
  id: 'upstash-redis-url',
  type: 'upstash-redis-url',
  title: 'Upstash Redis connection URL',
  keywords: ['upstash.io', 'vercel-storage'],
  pattern:
    /(rediss?:\/\/(?:[A-Za-z0-9._~%-]*:)?[^\s@/"'`<>]{1,300}@(?:[a-z0-9-]+\.)*(?:upstash\.io|kv\.vercel-storage\.com)(?::\d{1,5})?)(?![a-z0-9.-])/gi,
  validate(m): Candidate | null {
    const parsed = URL_PARTS.exec(m[1]!);
    if (!parsed) return null;
    const user = safeDecode(parsed[2] ?? '') || 'default';
    const password = safeDecode(parsed[3]!);
    const host = parsed[4]!.toLowerCase();
    const hostId = HOST_ID.exec(host)?.[1];
    const endpoint = `https://${host}`;
    const where = { host, user, ...(host.startsWith('fly-') ? { fly: true } : {}) };
    const asToken = redisTokenCandidate(password);
    if (asToken) {
      // Current databases: the TCP password IS the REST token. One credential, one identity.
      return {
        ...asToken,
        type: 'upstash-redis-url',
        readOnly: asToken.readOnly === true || user === 'default_ro',
        endpoint,
        details: { ...asToken.details, ...where },
      };
    }
    if (isKnownPublicValue(password)) return null;
    if (/^[0-9a-f]{32}$/.test(password) && hostId) {
      // A hex run someone typed into a docs URL (`000…0`, `0123456789abcdef…`) is no password.
      if (isFilledSlot(password)) return null;
      // Legacy databases: the 32-hex TCP password, also embedded in the legacy REST token.
      return {
        type: 'upstash-redis-url',
        secret: password,
        identity: redisIdentity(Number(hostId), `legacy:${password}`),
        readOnly: user === 'default_ro',
        confidence: 'high',
        pairKey: `redis-db:${hostId}`,
        endpoint,
        details: { ...where, database: Number(hostId), layout: 'legacy' },
      };
    }
    // Anything else on an Upstash host (ACL-user password, unseen format): medium, if it looks real.
    if (password.length < 12 || isPlaceholder(password) || entropy(password) < 3) return null;
    if (isBrokenRedisToken(password)) return null; // a truncated / edited REST token
    return {
      type: 'upstash-redis-url',
      secret: password,
      identity: `redis-url:${host}:${user}:${password}`,
      readOnly: user === 'default_ro' ? true : null,
      confidence: 'medium',
      ...(hostId ? { pairKey: `redis-db:${Number(hostId)}` } : {}),
      endpoint,
      details: { ...where, layout: 'unknown' },
    };
  },
  examples: {
    positives: () => {
      const cur = redisTokenParts();
      const wide = redisTokenParts({ layout: 'current64' });
      const legacy = redisTokenParts({ layout: 'legacy' });
      const ro = redisTokenParts({ readOnly: true });
      const p10 = redisTokenParts({ suffix: 'p10' });
      const bare = redisTokenParts({ suffix: null });
      return [
        `REDIS_URL=${redisUrl({ password: cur.token, host: redisHost(cur.dbId) })}`,
        `UPSTASH_REDIS_TCP_URL=${redisUrl({ password: wide.token, host: redisHost(wide.dbId) })}`,
        `KV_URL="${redisUrl({ password: ro.token, host: redisHost(ro.dbId), user: 'default_ro' })}"`,
        `url: ${redisUrl({ password: legacy.password!, host: redisHost(legacy.dbId, { legacyRegion: 'eu1' }), port: legacy.dbId, scheme: 'redis' })}`,
        `redis-cli -u redis://${legacy.password!}@${redisHost(legacy.dbId, { legacyRegion: 'us1' })}:${legacy.dbId}`,
        `FLY_REDIS=redis://default:${cur.token}@${redisHost(cur.dbId, { fly: true })}`,
        // The suffix decimal is not always the database id (`p10`), or absent.
        `REDIS_URL=${redisUrl({ password: p10.token, host: redisHost(p10.dbId) })}`,
        `KV_URL=${redisUrl({ password: bare.token, host: redisHost(bare.dbId) })}`,
      ];
    },
    negatives: [
      'REDIS_URL=rediss://default:${UPSTASH_REDIS_PASSWORD}@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:<password>@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:********@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:password@fancy-cat-12345.upstash.io:6379',
      'REDIS_URL=rediss://default:YOUR_PASSWORD@fancy-cat-12345.upstash.io:6379',
      `REDIS_URL=redis://default:${OTHER_SERVER_HEX}@redis.example.com:6379`,
      `REDIS_URL=redis://default:${OTHER_SERVER_HEX}@redis.cache.internal:6379`,
      'REDIS_URL=redis://localhost:6379',
      'url = f"rediss://default:{UPSTASH_REDIS_PASSWORD}@{UPSTASH_REDIS_HOST}:6379"',
      // A cut token (40 of its 62 characters), built here: a literal copy would read as a leak.
      `REDIS_URL=rediss://default:${redisToken({ seed: 'cut-url' }).slice(0, 40)}@fancy-cat-34127.upstash.io:6379`,
      // The Fly docs URL (redis/quickstarts/fly.mdx) is a negative too, in
      // test/core/detectors/public-examples.test.ts: written here, it would read as a leak.
    ],
  },
} satisfies Detector;
