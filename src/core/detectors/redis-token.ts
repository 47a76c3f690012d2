import { decodeRedisToken } from '../decode/redis-token.js';
import type { Candidate, Detector, MatchContext } from '../types.js';
import { isDocsLegacyRedisToken, isKnownPublicValue } from './known-examples.js';
import { assignedName, nearbyLines, UPSTASH_DB_HOST } from './nearby.js';
import {
  HASH_HOLDING_TOKEN_BYTES,
  hex32Secret,
  redisToken,
  redisTokenFromFields,
  SSH_KEY_HOLDING_TOKEN_BYTES,
} from './synthetic.js';

/** Identity shared by every form of one Redis credential (REST token, TCP URL password). */
export function redisIdentity(dbId: number, secret: string): string {
  return `redis:${dbId}:${secret}`;
}

/**
 * A legacy-layout token with flag 0x00 where it was found says Vector: its name does
 * (`UPSTASH_VECTOR_REST_TOKEN`), or, under no Redis name, Vector is named within 4 lines (a
 * `…-vector.upstash.io` endpoint, an `@upstash/vector` client) and no database host is.
 */
function saysVector(ctx: MatchContext | undefined): boolean {
  if (!ctx) return false;
  const name = assignedName(ctx) ?? '';
  if (/vector/i.test(name)) return true;
  if (/redis|kv/i.test(name)) return false;
  const around = nearbyLines(ctx, 4);
  return /vector/i.test(around) && !UPSTASH_DB_HOST.test(around);
}

/**
 * Turns a decodable Redis REST token into a candidate, or null (docs examples, bad layout).
 * Confidence: high for the observed layouts; medium for an unrecognised variant (a header that
 * adds up around unfamiliar fields: a layout Upstash introduced since, or an ACL-user token).
 * `ctx` (where the token was found, when it stands alone) tells a legacy Vector token apart.
 */
export function redisTokenCandidate(value: string, ctx?: MatchContext): Candidate | null {
  const t = decodeRedisToken(value);
  if (!t) return null;
  if (isKnownPublicValue(t.normalised) || isDocsLegacyRedisToken(t.uuid)) return null;
  if (t.tcpPassword && isKnownPublicValue(t.tcpPassword)) return null;
  // The legacy layout with flag 0x00 was used by legacy Vector indexes and by Redis databases of
  // the same period (upstash/examples: `new Redis({ url: "https://…-N.upstash.io", token })`,
  // `?_token=` on a database's REST URL, five databases). Only Vector named nearby makes it a
  // Vector token; otherwise it is a database's, paired with its endpoint like any other.
  const legacyVector = t.layout === 'legacy' && t.flag === 0 && saysVector(ctx);
  const variant = t.layout === 'unrecognised variant';
  // A legacy standard token embeds the TCP password: key the identity on it so the URL form merges.
  const identity = t.tcpPassword
    ? redisIdentity(t.dbId, `legacy:${t.tcpPassword}`)
    : redisIdentity(t.dbId, t.normalised);
  return {
    type: legacyVector ? 'upstash-vector-token' : 'upstash-redis-token',
    secret: t.normalised,
    identity,
    // An ACL-user token's permissions follow the ACL user, not the kind byte.
    readOnly: t.unknownField1 ? null : t.readOnly,
    confidence: variant ? 'medium' : 'high',
    ...(legacyVector ? {} : { pairKey: `redis-db:${t.dbId}` }),
    details: {
      database: t.dbId,
      layout: legacyVector ? 'legacy-vector' : t.layout,
      privilege: t.readOnly ? 'read-only' : 'standard',
      ...(t.unknownField1 ? { possibleAclUserToken: true } : {}),
    },
  };
}

export const redisTokenDetector = {
  id: 'upstash-redis-token',
  type: 'upstash-redis-token',
  title: 'Upstash Redis REST token',
  // "AAI" = base64 of the current header bytes 00 02 xx (always 3-byte aligned, after a 3- or
  // 9-byte kind+id); "ASQg"/"ACQg" = legacy 01|00 24 20. ACL-user tokens (unseen layout, field1 of
  // unknown length) are only anchored by the Upstash variable-name stems.
  keywords: ['AAI', 'ASQg', 'ACQg', 'STASH', 'KV_REST'],
  pattern:
    /(?<![A-Za-z0-9+/_-])((?:A[Q-Za-v]|g[Qg])[A-Za-z0-9_-]{36,110}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate: (m, ctx) => redisTokenCandidate(m[1]!, ctx),
  examples: {
    positives: () => [
      `UPSTASH_REDIS_REST_TOKEN="${redisToken()}"`,
      `KV_REST_API_READ_ONLY_TOKEN=${redisToken({ readOnly: true })}`,
      `token: '${redisToken({ layout: 'current64' })}',`,
      `token: '${redisToken({ layout: 'current64', withSuffix: true })}',`,
      `AUTH_KV_REST_API_READ_ONLY_TOKEN=${redisToken({ layout: 'current64', readOnly: true })}`,
      `"token": "${redisToken({ layout: 'legacy' })}"`,
      `readOnlyToken = "${redisToken({ layout: 'legacy', readOnly: true })}"`,
      // Legacy layout with flag 0x00: a database's token unless Vector is named nearby.
      `const token = "${redisToken({ layout: 'legacy', legacyFlag: 0 })}";`,
      `const readOnlyToken = "${redisToken({ layout: 'legacy', legacyFlag: 0, readOnly: true })}";`,
      `  - KV_REST_API_TOKEN=${redisToken({ layout: 'legacy' }).replace(/=+$/, '')}`,
      `curl -H "Authorization: Bearer ${redisToken()}" https://x-1.upstash.io/ping`,
      // The decimal after p<d> is not always the database id (`p10` is common), or absent.
      `UPSTASH_REDIS_REST_TOKEN="${redisToken({ suffix: 'p10' })}"`,
      `KV_REST_API_TOKEN=${redisToken({ suffix: null })}`,
      // Unrecognised variant: the header adds up around an unfamiliar field2.
      `UPSTASH_REDIS_REST_TOKEN=${redisTokenFromFields({ field1: 'p1', field2: `${hex32Secret()}q7x` })}`,
    ],
    negatives: [
      'token = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc"',
      'UPSTASH_REDIS_REST_TOKEN="AYpaAAIncDE..."',
      'UPSTASH_REDIS_REST_TOKEN=AX...',
      // The docs fakes (restapi.mdx `AYNgAS…`, the edited openapi `AX8vACQg…`) are negatives too,
      // in test/core/detectors/public-examples.test.ts: written here, they would read as leaks.
      `integrity sha512-${HASH_HOLDING_TOKEN_BYTES}==`,
      `ssh-ed25519 ${SSH_KEY_HOLDING_TOKEN_BYTES} user@host`,
      'UPSTASH_REDIS_REST_TOKEN="AXXXxxxx' +
        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    ],
  },
} satisfies Detector;
