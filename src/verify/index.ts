/** Public surface of liveness verification (docs/verification.md). */
export { verifyFindings, type VerifyOptions } from './verify-findings.js';
export { severityAfterVerdict } from './apply-verdict-severity.js';
export {
  allowlistedOrigin,
  hostPolicyFromEnv,
  loopbackDoublePolicy,
  loopbackHostPolicy,
  TEST_ORIGIN_ENV,
  UPSTASH_HOST_POLICY,
  type HostPolicy,
} from './host-policy.js';
export { MemoryVerdictCache, type VerdictCache } from './verdict-cache.js';
export { RedisVerdictCache } from './redis-verdict-cache.js';
export {
  DEFAULT_RATE_LIMIT,
  MemoryRateLimiter,
  RedisRateLimiter,
  type RateLimit,
  type RateLimiter,
} from './rate-limiter.js';
export { Verifier } from './verifier.js';
