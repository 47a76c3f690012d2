import { decodeRedisToken } from '../decode/redis-token.js';
import type { Candidate, Detector } from '../types.js';
import { isDocsLegacyRedisToken } from './known-examples.js';
import { redisToken } from './synthetic.js';

/** Identity shared by every form of one Redis credential (REST token, TCP URL password). */
export function redisIdentity(dbId: number, secret: string): string {
  return `redis:${dbId}:${secret}`;
}

/** Turns a decodable Redis REST token into a candidate, or null (docs examples, bad layout). */
export function redisTokenCandidate(value: string): Candidate | null {
  const t = decodeRedisToken(value);
  if (!t) return null;
  if (t.layout === 'legacy' && isDocsLegacyRedisToken(t.dbId, t.uuid)) return null;
  // A legacy standard token embeds the TCP password: key the identity on it so the URL form merges.
  const identity = t.tcpPassword
    ? redisIdentity(t.dbId, `legacy:${t.tcpPassword}`)
    : redisIdentity(t.dbId, t.normalised);
  return {
    type: 'upstash-redis-token',
    secret: t.normalised,
    identity,
    readOnly: t.readOnly,
    confidence: t.layout === 'acl' ? 'medium' : 'high',
    pairKey: `redis-db:${t.dbId}`,
    details: {
      database: t.dbId,
      layout: t.layout,
      privilege: t.readOnly ? 'read-only' : 'standard',
    },
  };
}

export const redisTokenDetector = {
  id: 'upstash-redis-token',
  type: 'upstash-redis-token',
  title: 'Upstash Redis REST token',
  // "AAI" encodes the current header bytes 00 02 xx; "ASQg"/"ACQg" the legacy 01|00 24 20.
  // Upstash variable names cover ACL-user tokens whose header we have not seen.
  keywords: ['AAI', 'ASQg', 'ACQg', 'STASH', 'stash', 'KV_REST'],
  pattern:
    /(?<![A-Za-z0-9+/_-])((?:A[Q-Za-v]|g[Qg])[A-Za-z0-9_-]{36,110}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate: (m) => redisTokenCandidate(m[1]!),
  examples: {
    positives: () => [
      `UPSTASH_REDIS_REST_TOKEN="${redisToken()}"`,
      `KV_REST_API_READ_ONLY_TOKEN=${redisToken({ readOnly: true })}`,
      `token: '${redisToken({ layout: 'current64' })}',`,
      `token: '${redisToken({ layout: 'current64', withSuffix: true })}',`,
      `AUTH_KV_REST_API_TOKEN=${redisToken({ layout: 'current64', readOnly: true })}`,
      `"token": "${redisToken({ layout: 'legacy' })}"`,
      `x = "${redisToken({ layout: 'legacy', readOnly: true })}"`,
    ],
    negatives: [
      'token = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc"',
      'UPSTASH_REDIS_REST_TOKEN="AYNgAS2553feg6a2d9842h2a0gcdb5f8efe9934DQ="',
      'integrity sha512-AFuoAAIncDEzNDQ0MDhhNzJmMGJjMTRhMzgwYzBhMTU2Yjk0YTIxZHAxMzQxMjcAFuo==',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMcdAAIncDEzNDQ0MDhhNzJmMGJjMTRhMzgw user@host',
    ],
  },
} satisfies Detector;
