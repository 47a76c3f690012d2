import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  managementKey,
  qstashToken,
  redisHost,
  redisTokenParts,
  vectorTokenParts,
} from '../helpers/synthetic.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { verifyFindings } from '../../src/verify/verify-findings.js';
import { MemoryVerdictCache } from '../../src/verify/verdict-cache.js';
import { MemoryRateLimiter } from '../../src/verify/rate-limiter.js';
import {
  allowlistedOrigin,
  hostPolicyFromEnv,
  loopbackHostPolicy,
} from '../../src/verify/host-policy.js';
import { revealSecret, type Finding } from '../../src/core/index.js';
import { sendProbe } from '../../src/verify/send-probe.js';
import { findingOf } from './findings.js';

const double = new UpstashDouble();
beforeAll(() => double.start().then(() => undefined));
afterAll(() => double.stop());

const fresh = () => ({ cache: new MemoryVerdictCache(), rateLimiter: new MemoryRateLimiter() });

function redisFinding(): Finding {
  const p = redisTokenParts();
  return findingOf('upstash-redis-token', {
    secret: p.token,
    endpoint: `https://${redisHost(p.dbId)}`,
  });
}

/** A fetch that fails the way undici does, with the secret-bearing request echoed in the message. */
function failingFetch(code: string): typeof fetch {
  return (input, init) => {
    const auth = JSON.stringify(init?.headers);
    return Promise.reject(
      Object.assign(new TypeError(`fetch failed ${String(input)} ${auth}`), {
        cause: { code, message: auth },
      }),
    );
  };
}

describe('network failures map to reasons', () => {
  it.each([
    ['ENOTFOUND', 'DNS failure (host not found)'],
    ['EAI_AGAIN', 'DNS failure (host not found)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS error'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS error'],
    ['ECONNREFUSED', 'connection refused'],
    ['EWHATEVER', 'network error'],
  ])('%s → unknown "%s"', async (code, reason) => {
    const f = redisFinding();
    await verifyFindings([f], { fetch: failingFetch(code), ...fresh() });
    expect(f.verification).toMatchObject({ status: 'unknown', reason });
  });
});

describe('secrets never reach a log, an error or the output', () => {
  it('no verdict, serialised finding or console line contains any secret', async () => {
    const v = vectorTokenParts();
    const email = 'ops@example.com';
    const findings = [
      redisFinding(),
      findingOf('upstash-vector-token', { secret: v.token }),
      findingOf('upstash-qstash-token', { secret: qstashToken() }),
      findingOf('upstash-management-key', { secret: managementKey(), companion: { email } }),
    ];
    const secrets = findings.map((f) => revealSecret(f)!.value);
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      for (const code of ['ENOTFOUND', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
        await verifyFindings(findings, { fetch: failingFetch(code), ...fresh() });
        const out = JSON.stringify(findings);
        for (const s of secrets) expect(out).not.toContain(s);
      }
      // And through the real transport against the double (401 answers).
      await verifyFindings(findings, { hostPolicy: double.policy(), ...fresh() });
      const out = JSON.stringify(findings);
      for (const s of secrets) expect(out).not.toContain(s);
      expect(out).not.toContain(Buffer.from(`${email}:`).toString('base64').slice(0, 12));
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('verifyFindings never drops or throws', () => {
  it('a finding without attached secret is unverifiable; a throwing fetch is unknown', async () => {
    const bare = { ...redisFinding() }; // spread drops the non-enumerable secret
    const f = redisFinding();
    const throwing = (() => {
      throw new Error('sync boom');
    }) as unknown as typeof fetch;
    const list = [bare, f];
    await verifyFindings(list, { fetch: throwing, ...fresh() });
    expect(list).toHaveLength(2);
    expect(bare.verification).toMatchObject({
      status: 'unverifiable',
      reason: 'secret not available',
    });
    expect(f.verification?.status).toBe('unknown');
  });

  it('bounds concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: typeof fetch = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return new Response('{"result":"PONG"}', { status: 200 });
    };
    const fs = Array.from({ length: 12 }, redisFinding);
    await verifyFindings(fs, { fetch: slow, concurrency: 3, ...fresh() });
    expect(peak).toBe(3);
    expect(fs.every((f) => f.verification?.status === 'live')).toBe(true);
  });

  it('sends redirect: manual and a signal on every request', async () => {
    const seen: RequestInit[] = [];
    const spy: typeof fetch = (_u, init) => {
      seen.push(init!);
      return Promise.resolve(new Response('[]', { status: 200 }));
    };
    await verifyFindings([findingOf('upstash-qstash-token', { secret: qstashToken() })], {
      fetch: spy,
      ...fresh(),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', redirect: 'manual' });
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('host allowlist', () => {
  it.each([
    'https://fancy-cat-34127.upstash.io',
    'https://us1-fancy-cat-34127.upstash.io',
    'https://fancy-cat-34127.kv.vercel-storage.com',
    'https://my-index-1234-us1-vector.upstash.io',
    'https://my-index-1234-eu1-search.upstash.io',
    'https://qstash.upstash.io',
    'https://qstash-us-east-1.upstash.io',
    'https://qstash-eu-central-1.upstash.io',
    'https://api.upstash.com',
  ])('allows %s', (u) => {
    expect(allowlistedOrigin(`${u}/ping`)).toBe(u);
  });

  it.each([
    'https://fancy-cat-34127.upstash.io.evil.com',
    'https://evil.example/fancy-cat-34127.upstash.io',
    'https://fancy-cat-34127.upstash.io:444',
    'http://fancy-cat-34127.upstash.io',
    'https://a:b@fancy-cat-34127.upstash.io',
    'https://fly-fancy-cat-34127.upstash.io',
    'https://upstash.io',
    'https://console.upstash.com',
    'https://fancy-cat.upstash.io',
    'https://qstash-evil.upstash.io',
    'https://api.upstash.com.evil.com',
    'https://fancy-cat-34127.upstash-io.com',
    'https://fancy-cat-34127.upstash.io%2F.evil.com',
    'not a url',
  ])('refuses %s', (u) => {
    expect(allowlistedOrigin(u)).toBeUndefined();
  });

  it('a test policy can only target loopback', () => {
    expect(() => loopbackHostPolicy({ 'qstash.upstash.io': 'https://evil.example' })).toThrow();
    const p = loopbackHostPolicy({ 'qstash.upstash.io': 'http://127.0.0.1:1/h/q' });
    expect(p.route(new URL('https://qstash.upstash.io/v2/queues?x=1'))?.href).toBe(
      'http://127.0.0.1:1/h/q/v2/queues?x=1',
    );
    expect(p.route(new URL('https://api.upstash.com/v2/teams'))).toBeUndefined();
  });
});

describe('the end-to-end switch UPSTASH_GUARD_VERIFY_TEST_ORIGIN', () => {
  it('is off unless set, and accepts only a loopback origin', async () => {
    expect(hostPolicyFromEnv({})).toBeUndefined();
    expect(() =>
      hostPolicyFromEnv({ UPSTASH_GUARD_VERIFY_TEST_ORIGIN: 'https://evil.example' }),
    ).toThrow();
    expect(() =>
      hostPolicyFromEnv({ UPSTASH_GUARD_VERIFY_TEST_ORIGIN: 'file:///etc/passwd' }),
    ).toThrow();
    const p = redisTokenParts();
    const host = redisHost(p.dbId);
    double.accept(host, `Bearer ${p.token}`);
    const policy = hostPolicyFromEnv({ UPSTASH_GUARD_VERIFY_TEST_ORIGIN: double.policyOrigin() })!;
    const ok = findingOf('upstash-redis-token', { secret: p.token, endpoint: `https://${host}` });
    const evil = findingOf('upstash-redis-token', {
      secret: p.token,
      endpoint: `https://${host}.evil.com`,
    });
    await verifyFindings([ok, evil], { hostPolicy: policy, ...fresh() });
    expect(ok.verification?.status).toBe('live');
    expect(evil.verification?.status).toBe('unverifiable');
  });
});

describe('sendProbe: the allowlist is enforced at the transport too (defence in depth)', () => {
  it.each([
    'https://collector.evil.example/ping',
    'https://fancy-cat-1.upstash.io.evil.com/ping',
    'http://fancy-cat-1.upstash.io/ping',
    'https://a.b-1.upstash.io/ping',
  ])('%s is refused before any fetch, whatever the policy', async (url) => {
    const spy: unknown[] = [];
    const answer = await sendProbe(
      { url, headers: { Authorization: 'Bearer x' } },
      {
        fetch: (...a) => (spy.push(a), Promise.reject(new Error('no'))),
        hostPolicy: { route: (u) => u },
        timeoutMs: 100,
      },
    );
    expect(answer).toEqual({
      verdict: { status: 'unverifiable', reason: 'host not on the allowlist' },
    });
    expect(spy).toEqual([]);
  });

  it('a Redis token paired with a dotted lookalike under upstash.io is not sent', async () => {
    const p = redisTokenParts();
    const spy: unknown[] = [];
    const f = findingOf('upstash-redis-token', {
      secret: p.token,
      endpoint: `https://evil.example.x-${p.dbId}.upstash.io`,
    });
    await verifyFindings([f], {
      fetch: (...a) => (spy.push(a), Promise.reject(new Error('no'))),
      ...fresh(),
    });
    expect(f.verification).toMatchObject({
      status: 'unverifiable',
      reason: 'host not on the allowlist',
    });
    expect(spy).toEqual([]);
  });
});
