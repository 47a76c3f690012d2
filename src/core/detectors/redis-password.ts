import type { Candidate, Detector } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { nearbyLines } from './nearby.js';
import { isPlaceholder } from './placeholders.js';
import { redisIdentity } from './redis-token.js';
import { redisHost, redisTokenParts } from './synthetic.js';

const HOST = /\b((?:[a-z0-9]+-)+(\d{2,12}))\.(?:upstash\.io|kv\.vercel-storage\.com)\b/;
const PASSWORD_KEY = /pass(word)?|pwd/i;

/**
 * A legacy database's TCP password (32 lowercase hex) outside a URL: `UPSTASH_REDIS_PASSWORD=…`, or
 * `password:` in an ioredis/node-redis config whose host (within 4 lines) is an Upstash database
 * and no other host is named there.
 * With the host, the identity is that of the legacy REST token embedding the same password, so
 * the pipeline merges them. (A current database's password is its REST token: the token detector
 * already finds it under any name.)
 */
export const redisPasswordDetector = {
  id: 'upstash-redis-password',
  type: 'upstash-redis-url',
  title: 'Upstash Redis TCP password',
  keywords: ['upstash.io', 'vercel-storage', 'UPSTASH_REDIS_PASSWORD'],
  pattern: /(?<![0-9A-Za-z_-])([0-9a-f]{32})(?![0-9A-Za-z_-])/g,
  validate(m, ctx): Candidate | null {
    const pw = m[1]!;
    const key = ctx.key ?? '';
    if (!PASSWORD_KEY.test(key) || isPlaceholder(pw) || isKnownPublicValue(pw)) return null;
    const around = nearbyLines(ctx, 4);
    // Another service's host next to the password (a local Redis beside an Upstash URL): not ours.
    const hostLines = around.split('\n').filter((l) => /host/i.test(l));
    if (hostLines.some((l) => !HOST.test(l)) && !/UPSTASH|KV_/.test(key)) return null;
    const host = HOST.exec(around);
    if (!host) {
      if (!/UPSTASH_REDIS_PASSWORD/.test(key)) return null;
      return {
        type: 'upstash-redis-url',
        secret: pw,
        identity: `redis-password:${pw}`,
        readOnly: false, // the default user's password; read-only access uses default_ro + a token
        confidence: 'medium',
        details: { layout: 'legacy', form: 'tcp-password' },
      };
    }
    const dbId = Number(host[2]);
    return {
      type: 'upstash-redis-url',
      secret: pw,
      identity: redisIdentity(dbId, `legacy:${pw}`),
      readOnly: false, // the default user's password; read-only access uses default_ro + a token
      endpoint: `https://${host[0]}`,
      pairKey: `redis-db:${dbId}`,
      confidence: 'high',
      details: { database: dbId, layout: 'legacy', form: 'tcp-password', host: host[0] },
    };
  },
  examples: {
    positives: () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu1' });
      return [
        `UPSTASH_REDIS_HOST=${host}\nUPSTASH_REDIS_PORT=${t.dbId}\nUPSTASH_REDIS_PASSWORD=${t.password!}`,
        `const redis = new Redis({\n  host: "${host}",\n  port: ${t.dbId},\n  password: "${t.password!}",\n  tls: {},\n});`,
        `UPSTASH_REDIS_PASSWORD="${t.password!}"`,
      ];
    },
    negatives: [
      'REDIS_PASSWORD=7f3a9c2e1b4d8f6a0c5e9b2d4f1a8c3e\nREDIS_HOST=redis.example.com',
      'host: fancy-cat-12345.upstash.io\ncommit: 7f3a9c2e1b4d8f6a0c5e9b2d4f1a8c3e',
      'UPSTASH_REDIS_PASSWORD=00000000000000000000000000000000',
      'UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nREDIS_HOST=localhost\nREDIS_PASSWORD=7f3a9c2e1b4d8f6a0c5e9b2d4f1a8c3e',
    ],
  },
} satisfies Detector;
