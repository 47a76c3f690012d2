/**
 * The incidents page behind more than one App replica: "Re-verify now" is bounded once per
 * incident for all of them. The bound lived in each routes instance, so N replicas behind a load
 * balancer let a user (or a script) re-verify N times per cooldown, each one a call to Upstash.
 * It now lives in the session store, which is Redis when the App has one.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { recordFindings } from '../../src/incidents/record.js';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from '../../src/web/session.js';
import {
  Browser,
  startIncidentsWeb,
  pageLeak,
  incidentHref as href,
  ACME_WEB as WEB,
  type IncidentsWeb,
} from '../helpers/incidents-web.js';
import { redisToken } from '../helpers/synthetic.js';
import { testRedisUrl } from '../setup/test-redis.js';

const prefix = `ug-test-web-${randomBytes(4).toString('hex')}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe.each([
  ['memory (one process)', () => new MemorySessionStore()],
  ['Redis (shared by replicas)', () => new RedisSessionStore(redis, `${prefix}pages:`)],
])('re-verify across two replicas, sessions in %s', (_name, sessions: () => SessionStore) => {
  let web: IncidentsWeb;
  afterEach(() => web.close());

  test('a click on one replica makes the other answer 429 until the cooldown ends', async () => {
    web = await startIncidentsWeb(
      [{ login: 'alice', id: 1, installations: [{ id: 5, account: 'acme', repos: [WEB] }] }],
      { sessions: sessions(), reverifyCooldownMs: 1500 },
    );
    const leak = pageLeak(redisToken(), 'upstash-redis-token', '.env');
    await recordFindings(web.store, {
      installationId: 5,
      repo: WEB,
      cause: 'history scan',
      findings: [leak],
      at: '2026-01-01T00:00:00.000Z',
    });
    const other = await web.replica();
    const alice = new Browser(web);
    await alice.signIn('alice');
    const page = await alice.go(href(5, leak));
    const csrf = alice.csrf(page.text_);

    // The replica serves the session signed in on the first one, and takes the click.
    expect((await alice.post(`${other}${href(5, leak)}/reverify`, { csrf })).status).toBe(200);
    const again = await alice.post(`${href(5, leak)}/reverify`, { csrf });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await alice.post(`${other}${href(5, leak)}/reverify`, { csrf })).status).toBe(429);
    expect(web.reverified).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 1600));
    expect((await alice.post(`${href(5, leak)}/reverify`, { csrf })).status).toBe(200);
    expect(web.reverified).toHaveLength(2);
  });
});

describe('RedisSessionStore.claim', () => {
  const store = () => new RedisSessionStore(redis, `${prefix}claims:`);

  test('the first claim takes the key; later ones get the time left; it frees itself', async () => {
    const a = store();
    const b = store();
    expect(await a.claim('k1', 400)).toBe(0);
    const left = await b.claim('k1', 400);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(400);
    await new Promise((r) => setTimeout(r, 450));
    expect(await b.claim('k1', 400)).toBe(0);
  });

  test('a key left without an expiry (written by hand, or by an old version) is not held forever', async () => {
    await redis.set(`${prefix}claims:claim:k2`, '1');
    expect(await store().claim('k2', 400)).toBe(0);
    expect(await redis.pttl(`${prefix}claims:claim:k2`)).toBeGreaterThan(0);
  });

  test('concurrent claims: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store().claim('k3', 5000)));
    expect(results.filter((r) => r === 0)).toHaveLength(1);
  });
});
