import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  boxApiKey,
  context7Key,
  kafkaCredentials,
  managementKey,
  qstashToken,
  redisHost,
  redisTokenParts,
  signingKey,
  vectorTokenParts,
} from '../helpers/synthetic.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { verifyFindings, type VerifyOptions } from '../../src/verify/verify-findings.js';
import { MemoryVerdictCache } from '../../src/verify/verdict-cache.js';
import { MemoryRateLimiter } from '../../src/verify/rate-limiter.js';
import type { Finding } from '../../src/core/index.js';
import { findingOf } from './findings.js';

const double = new UpstashDouble();
beforeAll(() => double.start().then(() => undefined));
afterAll(() => double.stop());
beforeEach(() => {
  double.requests.length = 0;
});

/** Fresh cache and limiter per call, so tests do not see each other's verdicts. */
function opts(extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    hostPolicy: double.policy(),
    cache: new MemoryVerdictCache(),
    rateLimiter: new MemoryRateLimiter({ limit: 1000, windowMs: 60_000 }),
    timeoutMs: 1000,
    now: () => new Date('2026-11-22T12:00:00Z'),
    ...extra,
  };
}

async function verifyOne(f: Finding, extra: Partial<VerifyOptions> = {}): Promise<Finding> {
  await verifyFindings([f], opts(extra));
  return f;
}

function redis(o: { host?: (db: number) => string; readOnly?: boolean } = {}) {
  const p = redisTokenParts({ readOnly: o.readOnly ?? false });
  const host = (o.host ?? ((db) => redisHost(db)))(p.dbId);
  return {
    token: p.token,
    host,
    finding: findingOf('upstash-redis-token', {
      secret: p.token,
      endpoint: `https://${host}`,
      readOnly: o.readOnly ?? false,
    }),
  };
}

describe('Redis REST token', () => {
  it('is live when the paired endpoint answers PONG, with one GET /ping and Bearer', async () => {
    const r = redis();
    double.accept(r.host, `Bearer ${r.token}`);
    const f = await verifyOne(r.finding);
    expect(f.verification).toEqual({ status: 'live', checkedAt: '2026-11-22T12:00:00.000Z' });
    expect(f.severity).toBe('critical');
    expect(double.requests).toEqual([
      { host: r.host, method: 'GET', path: '/ping', authorization: `Bearer ${r.token}` },
    ]);
  });

  it('is revoked on 401, still reported at low severity', async () => {
    const r = redis();
    const f = await verifyOne(r.finding);
    expect(f.verification?.status).toBe('revoked');
    expect(f.verification?.reason).toBe('HTTP 401');
    expect(f.severity).toBe('low');
  });

  it('probes legacy Vercel KV hosts and URL findings whose password is the token', async () => {
    const r = redis({ host: (db) => redisHost(db, { vercel: true }), readOnly: true });
    double.accept(r.host, `Bearer ${r.token}`);
    const url = findingOf('upstash-redis-url', {
      secret: r.token,
      endpoint: `https://${r.host}`,
      readOnly: true,
      severity: 'medium',
    });
    await verifyFindings([r.finding, url], opts());
    expect([r.finding.verification?.status, url.verification?.status]).toEqual(['live', 'live']);
    expect(url.severity).toBe('high'); // live read-only: at least high, never critical
  });

  it.each([
    ['HTTP 503', '503'],
    ['rate limited by Upstash (HTTP 429, retry after 30 s)', '429'],
    ['unexpected body', 'garbage'],
    ['redirect (HTTP 302) not followed', 'redirect'],
  ] as const)('is unknown with reason %s', async (reason, behaviour) => {
    const r = redis();
    double.behave(r.host, behaviour);
    const f = await verifyOne(r.finding);
    expect(f.verification).toMatchObject({ status: 'unknown', reason });
    expect(f.severity).toBe('high'); // unknown keeps the scan's severity
    // The redirect target (another host) is never requested.
    expect(double.requests.map((q) => q.host)).toEqual([r.host]);
  });

  it('times out a slow endpoint', async () => {
    const r = redis();
    double.behave(r.host, 'slow');
    const started = Date.now();
    const f = await verifyOne(r.finding, { timeoutMs: 150 });
    expect(f.verification).toMatchObject({ status: 'unknown', reason: 'timeout after 150 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['no endpoint paired', undefined],
    ['Fly private network host (fly-*)', (db: number) => `https://${redisHost(db, { fly: true })}`],
    [
      'endpoint does not match the token database id',
      (db: number) => `https://${redisHost(db + 1)}`,
    ],
  ] as const)('is unverifiable (%s) without any request', async (reason, endpoint) => {
    const p = redisTokenParts();
    const calls: unknown[] = [];
    const f = findingOf('upstash-redis-token', {
      secret: p.token,
      ...(endpoint ? { endpoint: endpoint(p.dbId) } : {}),
    });
    await verifyOne(f, { fetch: (...a) => (calls.push(a), fetch(...a)) });
    expect(f.verification).toMatchObject({ status: 'unverifiable', reason });
    expect(calls).toEqual([]);
    expect(double.requests).toEqual([]);
  });
});

describe('exfiltration: a URL from the repository that is not on the allowlist is never contacted', () => {
  const hosts = (db: number) => [
    `https://evil.example/-${db}.upstash.io`,
    `https://${redisHost(db)}.evil.com`,
    `https://evil.example#-${db}.upstash.io`,
    `https://${redisHost(db).replace('.upstash.io', '.upstash.io.')}`,
    `https://${redisHost(db).replace('.upstash.io', '-upstash.io')}`,
    `https://x${redisHost(db).replace('.upstash.io', '.kv.vercel-storage.com.evil.com')}`,
  ];

  it.each([0, 1, 2, 3, 4, 5])(
    'lookalike #%d: unverifiable, the double and a spy fetch saw nothing',
    async (i) => {
      const p = redisTokenParts();
      const endpoint = hosts(p.dbId)[i]!;
      const spy: unknown[] = [];
      const f = findingOf('upstash-redis-token', { secret: p.token, endpoint });
      await verifyOne(f, {
        fetch: (...a) => (spy.push(a), Promise.reject(new Error('must not be called'))),
      });
      expect(f.verification?.status).toBe('unverifiable');
      expect(spy).toEqual([]);
      expect(double.requests).toEqual([]);
    },
  );

  it.each([
    (h: string) => `http://${h}`,
    (h: string) => `https://${h}:8443`,
    (h: string) => `https://user:pw@${h}/x`,
  ])(
    'only the host of a paired endpoint is used: https on 443 to that Upstash host (%#)',
    async (shape) => {
      const r = redis();
      double.accept(r.host, `Bearer ${r.token}`);
      const f = findingOf('upstash-redis-token', { secret: r.token, endpoint: shape(r.host) });
      await verifyOne(f);
      expect(f.verification?.status).toBe('live');
      expect(double.requests.map((q) => `${q.host}${q.path}`)).toEqual([`${r.host}/ping`]);
    },
  );

  it('the production policy refuses too: nothing reaches the network', async () => {
    const p = redisTokenParts();
    const spy: unknown[] = [];
    const f = findingOf('upstash-redis-token', {
      secret: p.token,
      endpoint: `https://${redisHost(p.dbId)}.evil.com`,
    });
    await verifyFindings([f], {
      fetch: (...a) => (spy.push(a), Promise.reject(new Error('x'))),
      cache: new MemoryVerdictCache(),
    });
    expect(f.verification).toMatchObject({ status: 'unverifiable' });
    expect(spy).toEqual([]);
  });
});

describe('Vector / Search', () => {
  it('is live via GET /info on the host rebuilt from the token, revoked otherwise', async () => {
    const v = vectorTokenParts();
    const s = vectorTokenParts({ product: 'search' });
    const host = new URL(v.endpoint).hostname;
    double.accept(host, `Bearer ${v.token}`);
    // The repository pairs it with another URL: the token's own host is used, not that one.
    const fv = findingOf('upstash-vector-token', {
      secret: v.token,
      endpoint: 'https://evil.example',
    });
    const fs = findingOf('upstash-search-token', { secret: s.token });
    await verifyFindings([fv, fs], opts());
    expect(fv.verification?.status).toBe('live');
    expect(fs.verification).toMatchObject({ status: 'revoked', reason: 'HTTP 401' });
    expect(double.requests.map((q) => `${q.host}${q.path}`).sort()).toEqual(
      [`${host}/info`, `${new URL(s.endpoint).hostname}/info`].sort(),
    );
  });

  it('is unknown on a garbage 200 body', async () => {
    const v = vectorTokenParts();
    double.behave(new URL(v.endpoint).hostname, 'garbage');
    const f = await verifyOne(findingOf('upstash-vector-token', { secret: v.token }));
    expect(f.verification).toMatchObject({ status: 'unknown', reason: 'unexpected body' });
  });
});

describe('QStash token', () => {
  it('EU says 401, US says 200: live; exactly /v2/queues on EU then US, never /v2/keys', async () => {
    const t = qstashToken();
    double.accept('qstash-us-east-1.upstash.io', `Bearer ${t}`);
    const f = await verifyOne(findingOf('upstash-qstash-token', { secret: t }));
    expect(f.verification?.status).toBe('live');
    expect(double.requests.map((q) => `${q.host}${q.path}`)).toEqual([
      'qstash.upstash.io/v2/queues',
      'qstash-us-east-1.upstash.io/v2/queues',
    ]);
  });

  it('is revoked only when both regions say 401; a 503 in one region leaves it unknown', async () => {
    const a = await verifyOne(findingOf('upstash-qstash-token', { secret: qstashToken() }));
    expect(a.verification).toMatchObject({ status: 'revoked' });
    double.behave('qstash.upstash.io', '503');
    try {
      const b = await verifyOne(findingOf('upstash-qstash-token', { secret: qstashToken() }));
      expect(b.verification).toMatchObject({ status: 'unknown', reason: 'HTTP 503' });
    } finally {
      double.behave('qstash.upstash.io', 'ok');
    }
    expect(double.requests.some((q) => q.path.startsWith('/v2/keys'))).toBe(false);
  });
});

describe('management key', () => {
  it('is live with Basic email:key on GET /v2/teams', async () => {
    const key = managementKey();
    const email = 'ops@example.com';
    const basic = `Basic ${Buffer.from(`${email}:${key}`).toString('base64')}`;
    double.accept('api.upstash.com', basic);
    const f = await verifyOne(
      findingOf('upstash-management-key', {
        secret: key,
        companion: { email },
        severity: 'critical',
      }),
    );
    expect(f.verification?.status).toBe('live');
    expect(double.requests).toEqual([
      { host: 'api.upstash.com', method: 'GET', path: '/v2/teams', authorization: basic },
    ]);
  });

  it('is unverifiable without an email, and revoked on 401', async () => {
    const a = await verifyOne(findingOf('upstash-management-key', { secret: managementKey() }));
    expect(a.verification).toMatchObject({
      status: 'unverifiable',
      reason: 'management key without account email',
    });
    expect(double.requests).toEqual([]);
    const b = await verifyOne(
      findingOf('upstash-management-key', {
        secret: managementKey(),
        companion: { email: 'x@example.com' },
      }),
    );
    expect(b.verification?.status).toBe('revoked');
  });
});

describe('credentials with no safe probe', () => {
  it('are unverifiable with a reason and cause no request', async () => {
    const k = kafkaCredentials();
    const fs = [
      findingOf('upstash-qstash-signing-key', { secret: signingKey() }),
      findingOf('upstash-kafka-credentials', {
        secret: k.password,
        endpoint: k.url,
        severity: 'low',
      }),
      findingOf('upstash-box-api-key', { secret: boxApiKey() }),
      findingOf('upstash-context7-api-key', { secret: context7Key() }),
    ];
    const inOrder = [...fs];
    await verifyFindings(fs, opts());
    expect(inOrder.map((f) => f.verification?.reason)).toEqual([
      'signing key: no safe probe',
      'Kafka discontinued on 2025-03-11',
      'no safe probe known for Box keys',
      'no safe probe known for Context7 keys',
    ]);
    expect(fs.every((f) => f.verification?.status === 'unverifiable')).toBe(true);
    expect(inOrder.map((f) => f.severity)).toEqual(['high', 'low', 'high', 'high']);
    expect(fs.map((f) => f.severity)).toEqual(['high', 'high', 'high', 'low']); // re-sorted
    expect(double.requests).toEqual([]);
  });
});

describe('every probing product maps 429, 5xx, redirects and garbage to unknown', () => {
  const v = vectorTokenParts();
  const q = qstashToken();
  const key = managementKey();
  const cases = [
    [
      'vector',
      new URL(v.endpoint).hostname,
      () => findingOf('upstash-vector-token', { secret: v.token }),
    ],
    [
      'management',
      'api.upstash.com',
      () =>
        findingOf('upstash-management-key', { secret: key, companion: { email: 'a@example.com' } }),
    ],
    [
      'qstash (both regions)',
      'qstash.upstash.io',
      () => findingOf('upstash-qstash-token', { secret: q }),
    ],
  ] as const;
  it.each(
    cases.flatMap(([name, host, make]) =>
      (['429', '503', 'redirect', 'garbage'] as const).map((b) => [name, b, host, make] as const),
    ),
  )('%s: %s → unknown', async (name, behaviour, host, make) => {
    double.behave(host, behaviour);
    if (host === 'qstash.upstash.io') double.behave('qstash-us-east-1.upstash.io', behaviour);
    try {
      const f = await verifyOne(make());
      expect(f.verification?.status).toBe('unknown');
      expect(f.verification?.reason).toMatch(
        /^(HTTP 503|rate limited by Upstash \(HTTP 429, retry after 30 s\)|redirect \(HTTP 302\) not followed|unexpected body)$/,
      );
      expect(
        double.requests.every((r) => r.host === host || r.host === 'qstash-us-east-1.upstash.io'),
      ).toBe(true);
    } finally {
      double.behave(host, 'ok').behave('qstash-us-east-1.upstash.io', 'ok');
    }
  });

  it('a Vector finding whose token carries no index name is unverifiable', async () => {
    const f = await verifyOne(
      findingOf('upstash-vector-token', { secret: redisTokenParts().token }),
    );
    expect(f.verification).toMatchObject({
      status: 'unverifiable',
      reason: 'no endpoint in the token',
    });
    expect(double.requests).toEqual([]);
  });
});
