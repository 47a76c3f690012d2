/**
 * Liveness verification (design rule 6): every finding gets `verification` = live | revoked |
 * unknown (with the reason) | unverifiable (with the reason). A failed check never drops a finding
 * and never throws (the array is re-sorted, most severe first, since severities move); nothing about a probe (URL, header, body) reaches a log or an error message.
 */
import type { Redis } from 'ioredis';
import { compareSeverity, revealSecret, type Finding, type Verification } from '../core/index.js';
import { severityAfterVerdict } from './apply-verdict-severity.js';
import { UPSTASH_HOST_POLICY, type HostPolicy } from './host-policy.js';
import type { ProbeCall, Verdict } from './probe-types.js';
import { PROBES } from './probes/probe-for.js';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limiter.js';
import { sendProbe } from './send-probe.js';
import { MemoryVerdictCache, type VerdictCache } from './verdict-cache.js';
import { RedisVerdictCache } from './redis-verdict-cache.js';

export interface VerifyOptions {
  /** Transport. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Transport origin per allowlisted host. Default: production (as is). Tests: loopbackHostPolicy. */
  hostPolicy?: HostPolicy;
  /** Per-probe timeout, body included. Default 5000 ms. */
  timeoutMs?: number;
  /** Probes in flight at once. Default 4. */
  concurrency?: number;
  /** Verdict cache by fingerprint. Default: one in-memory cache per process. */
  cache?: VerdictCache;
  /** How long a live/revoked verdict is reused. Default 1 h. */
  cacheTtlMs?: number;
  /** Probe budget per installation. Default: in-memory, 300 requests/minute per process. */
  rateLimiter?: RateLimiter;
  /** Rate-limit scope; the CLI has none ("local"). */
  installationId?: number | string;
  /**
   * Shorthand for the App: when set, the cache and the rate limiter (unless given) live in this
   * Redis under `redisPrefix` (default "upstash-guard:verify:"), shared by every worker.
   */
  redis?: Redis;
  redisPrefix?: string;
  /** Clock for checkedAt. */
  now?: () => Date;
}

const processCache = new MemoryVerdictCache();
const processLimiter = new MemoryRateLimiter();
const CACHEABLE = new Set(['live', 'revoked']);

export async function verifyFindings(findings: Finding[], options: VerifyOptions): Promise<void> {
  const opts = withRedis(options);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < findings.length) {
      const f = findings[next++]!;
      let v: Verification;
      try {
        v = await verifyOne(f, opts);
      } catch {
        // A bug here must not lose the finding; the message could carry probe data, so drop it.
        v = { status: 'unknown', reason: 'verification error' };
      }
      f.verification = {
        ...v,
        checkedAt: v.checkedAt ?? (opts.now?.() ?? new Date()).toISOString(),
      };
      f.severity = severityAfterVerdict(f);
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 4, findings.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  // Severities moved: keep the ScanResult contract "most severe first" (stable sort).
  findings.sort((a, b) => compareSeverity(a.severity, b.severity));
}

async function verifyOne(f: Finding, opts: VerifyOptions): Promise<Verification> {
  const secret = revealSecret(f);
  if (!secret) return { status: 'unverifiable', reason: 'secret not available' };
  const cache = opts.cache ?? processCache;
  const cached = await cache.get(f.fingerprint).catch(() => undefined);
  if (cached) return cached;

  const limiter = opts.rateLimiter ?? processLimiter;
  const scope = String(opts.installationId ?? 'local');
  const send = async (call: ProbeCall) => {
    // Budget is spent per request actually about to leave, not per finding.
    const allowed = await limiter.take(scope).catch(() => processLimiter.take(scope));
    if (!allowed)
      return { verdict: { status: 'unknown', reason: 'rate limited locally' } as Verdict };
    return sendProbe(call, {
      fetch: opts.fetch ?? fetch,
      hostPolicy: opts.hostPolicy ?? UPSTASH_HOST_POLICY,
      timeoutMs: opts.timeoutMs ?? 5000,
    });
  };
  const verdict = await PROBES[f.type]({ finding: f, secret, send });
  const v: Verification = {
    status: verdict.status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    checkedAt: (opts.now?.() ?? new Date()).toISOString(),
  };
  if (CACHEABLE.has(v.status)) {
    await cache.set(f.fingerprint, v, opts.cacheTtlMs ?? 3_600_000).catch(() => undefined);
  }
  return v;
}

function withRedis(o: VerifyOptions): VerifyOptions {
  if (!o.redis) return o;
  const prefix = o.redisPrefix ?? 'upstash-guard:verify:';
  return {
    ...o,
    cache: o.cache ?? new RedisVerdictCache(o.redis, prefix),
    rateLimiter: o.rateLimiter ?? new RedisRateLimiter(o.redis, undefined, prefix),
  };
}
