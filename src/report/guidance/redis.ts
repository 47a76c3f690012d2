import { endpoints, ofTypes, type FamilyRule } from './types.js';

/**
 * Resetting the database password revokes both REST tokens and the TCP password at once
 * (Upstash restapi.mdx), so a REST token and a rediss:// URL share one remedy.
 */
export const redisGuidance: FamilyRule = (findings) => {
  const hits = ofTypes(findings, 'upstash-redis-token', 'upstash-redis-url');
  if (hits.length === 0) return null;
  const dbs = [...new Set(hits.map((f) => f.details.database).filter((d) => d !== undefined))];
  const which = dbs.length ? ` for database${dbs.length > 1 ? 's' : ''} ${dbs.join(', ')}` : '';
  return {
    heading: `Redis${endpoints(hits)}`,
    steps: [
      `Reset the database password${which}: Upstash Console → your database → **Reset password**, or \`POST https://api.upstash.com/v2/redis/reset-password/{id}\` (Basic auth: account email + management API key). This revokes **both** REST tokens (standard and read-only) **and** the TCP password.`,
      'Databases created through Vercel or Fly.io have no Developer API access: reset the password in the Upstash Console (or the Vercel/Fly integration page).',
      'Update `UPSTASH_REDIS_REST_TOKEN` / `KV_REST_API_TOKEN` / `REDIS_URL` in your secret store and redeploy every service that uses the database.',
    ],
  };
};
