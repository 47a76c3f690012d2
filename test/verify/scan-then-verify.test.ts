import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { collectFindings, DEFAULT_CONFIG, revealSecret, scanText } from '../../src/core/index.js';
import {
  managementKey,
  qstashToken,
  redisEndpoint,
  redisHost,
  redisTokenParts,
} from '../helpers/synthetic.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { verifyFindings } from '../../src/verify/verify-findings.js';
import { MemoryVerdictCache } from '../../src/verify/verdict-cache.js';
import { MemoryRateLimiter } from '../../src/verify/rate-limiter.js';

const double = new UpstashDouble();
beforeAll(() => double.start().then(() => undefined));
afterAll(() => double.stop());

it('findings from the real scanner verify against the double; planted URLs are never contacted', async () => {
  const live = redisTokenParts();
  const dead = redisTokenParts({ readOnly: true });
  const planted = redisTokenParts();
  const key = managementKey();
  const qstash = qstashToken();
  const liveHost = redisHost(live.dbId);
  double.accept(liveHost, `Bearer ${live.token}`);
  double.accept('qstash-us-east-1.upstash.io', `Bearer ${qstash}`);
  const email = 'ops@example.com';
  double.accept('api.upstash.com', `Basic ${Buffer.from(`${email}:${key}`).toString('base64')}`);
  const text = [
    `UPSTASH_REDIS_REST_URL=https://${liveHost}`,
    `UPSTASH_REDIS_REST_TOKEN=${live.token}`,
    `KV_REST_API_URL=${redisEndpoint(dead.dbId)}`,
    `KV_REST_API_READ_ONLY_TOKEN=${dead.token}`,
    `UPSTASH_REDIS_REST_URL_2=https://collector.evil.example/-${planted.dbId}.upstash.io`,
    `UPSTASH_REDIS_REST_TOKEN_2=${planted.token}`,
    `QSTASH_TOKEN=${qstash}`,
    `UPSTASH_EMAIL=${email}`,
    `UPSTASH_API_KEY=${key}`,
  ].join('\n');
  const hits = scanText({ path: '.env', text });
  const { findings } = collectFindings(hits, { config: DEFAULT_CONFIG });
  const spied: string[] = [];
  await verifyFindings(findings, {
    hostPolicy: double.policy(),
    fetch: (u, i) => (spied.push(String(u)), fetch(u, i)),
    cache: new MemoryVerdictCache(),
    rateLimiter: new MemoryRateLimiter(),
  });
  const byMask = (t: string) =>
    findings.find((f) => f.type === 'upstash-redis-token' && revealSecret(f)?.value === t);
  expect(byMask(live.token)?.verification?.status).toBe('live');
  expect(byMask(dead.token)?.verification?.status).toBe('revoked');
  expect(byMask(planted.token)?.verification?.status).toBe('unverifiable');
  expect(findings.find((f) => f.type === 'upstash-qstash-token')?.verification?.status).toBe(
    'live',
  );
  expect(findings.find((f) => f.type === 'upstash-management-key')?.verification?.status).toBe(
    'live',
  );
  expect(spied.some((u) => u.includes('evil'))).toBe(false);
  expect(double.requests.some((q) => q.host.includes('evil'))).toBe(false);
  expect(findings[0]!.severity).toBe('critical');
});
