/**
 * The incidents page over HTTP with GitHub's OAuth and user endpoints played on loopback: sign-in,
 * access that follows GitHub's permissions (404 for what a user cannot see), filters, exports,
 * actions behind CSRF, session tampering, sign-out, and no raw secret in any page or export.
 */
import type { Finding } from '../../src/core/types.js';
import { recordFindings, recordVerdict } from '../../src/incidents/record.js';
import { toCsv } from '../../src/web/query.js';
import {
  ACME_API,
  ACME_WEB,
  GLOBEX_SITE,
  Browser as WebBrowser,
  incidentHref as href,
  pageLeak,
  startIncidentsWeb,
  type IncidentsWeb,
} from '../helpers/incidents-web.js';
import { qstashToken, redisToken } from '../helpers/synthetic.js';

const [WEB, API, OTHER_ORG] = [ACME_WEB, ACME_API, GLOBEX_SITE];

let web: IncidentsWeb;
const secrets: string[] = [];
let webLeak: Finding;
let apiLeak: Finding;
let globexLeak: Finding;
let store: IncidentsWeb['store'];
let reverified: string[];

function leak(...args: Parameters<typeof pageLeak>): Finding {
  secrets.push(args[0]);
  return pageLeak(...args);
}

class Browser extends WebBrowser {
  constructor() {
    super(web);
  }
}

beforeAll(async () => {
  web = await startIncidentsWeb([
    { login: 'alice', id: 1, installations: [{ id: 5, account: 'acme', repos: [WEB, API] }] },
    { login: 'bob', id: 2, installations: [{ id: 5, account: 'acme', repos: [API] }] },
    { login: 'mallory', id: 3, installations: [{ id: 6, account: 'globex', repos: [OTHER_ORG] }] },
  ]);
  store = web.store;
  reverified = web.reverified;
  webLeak = leak(redisToken(), 'upstash-redis-token', 'apps/web/.env', {
    severity: 'critical',
    exposure: { kind: 'browser', reason: 'NEXT_PUBLIC_ prefix' },
  });
  apiLeak = leak(qstashToken(), 'upstash-qstash-token', 'api/<script>alert(1)</script>.ts');
  globexLeak = leak(redisToken(), 'upstash-redis-token', '.env');
  await recordFindings(store, {
    installationId: 5,
    repo: WEB,
    cause: 'history scan',
    findings: [webLeak],
    at: '2026-01-01T00:00:00.000Z',
  });
  await recordFindings(store, {
    installationId: 5,
    repo: API,
    cause: 'push scan',
    findings: [apiLeak],
    at: '2026-01-02T00:00:00.000Z',
  });
  await recordFindings(store, {
    installationId: 6,
    repo: OTHER_ORG,
    cause: 'push scan',
    findings: [globexLeak],
    at: '2026-01-02T00:00:00.000Z',
  });
  await recordVerdict(store, 5, apiLeak.fingerprint, {
    status: 'revoked',
    at: '2026-01-02T06:00:00.000Z',
    by: 'schedule',
  });
});

afterAll(async () => {
  await web.close();
});

test('a visitor sees the sign-in page and nothing else', async () => {
  const b = new Browser();
  const home = await b.go('/incidents');
  expect(home.status).toBe(200);
  expect(home.text_).toContain('Sign in with GitHub');
  expect((await b.go(href(5, webLeak))).status).toBe(404);
  expect((await b.go('/incidents/export.json')).status).toBe(404);
});

test('alice signs in through GitHub and sees her organisation incidents, counts and filters', async () => {
  const b = new Browser();
  await b.signIn('alice');
  const list = await b.go('/incidents');
  expect(list.text_).toContain('Signed in as <strong>alice</strong>');
  expect(list.text_).toContain('acme/web');
  expect(list.text_).toContain('acme/api');
  expect(list.text_).not.toContain('globex/site');
  expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
  // Filters: the revoked QStash token is "rotated", the Redis one open.
  const rotated = await b.go('/incidents?status=rotated');
  expect(rotated.text_).toContain('Upstash QStash token');
  expect(rotated.text_).not.toContain('Upstash Redis REST token</a>');
  const browser = await b.go('/incidents?exposure=browser&sort=last-seen');
  expect(browser.text_).toContain('Upstash Redis REST token');
  expect(browser.text_).not.toContain('Upstash QStash token</a>');
  const byRepo = await b.go('/incidents?repo=acme%2Fapi');
  expect(byRepo.text_).toContain('Upstash QStash token');
  // Counts and time to rotate (QStash: first seen 00:00, revoked at 06:00).
  expect(list.text_).toMatch(/median <strong>6 h<\/strong>/);
  // A hostile path is escaped, never markup.
  const page = await b.go(href(5, apiLeak));
  expect(page.text_).toContain('&lt;script&gt;');
  expect(page.text_).not.toContain('<script>alert(1)</script>');
  expect(page.text_).toContain('Rotate');
  expect(page.text_).toContain('GitHub Support');
});

test('access follows GitHub: bob sees only the repository he can access, mallory nothing of acme', async () => {
  const bob = new Browser();
  await bob.signIn('bob');
  const list = await bob.go('/incidents');
  expect(list.text_).toContain('acme/api');
  expect(list.text_).not.toContain('acme/web');
  expect((await bob.go(href(5, webLeak))).status).toBe(404);
  expect((await bob.go(href(5, apiLeak))).status).toBe(200);
  const json = JSON.parse((await bob.go('/incidents/export.json')).text_) as {
    incidents: unknown[];
  };
  expect(json.incidents).toHaveLength(1);

  const mallory = new Browser();
  await mallory.signIn('mallory');
  expect((await mallory.go(href(5, apiLeak))).status).toBe(404);
  expect((await mallory.go('/incidents')).text_).not.toContain('acme/');
  // Mallory cannot act on acme's incidents even with her own valid CSRF token.
  const own = await mallory.go('/incidents');
  const res = await mallory.post(`${href(5, apiLeak)}/allow`, {
    csrf: mallory.csrf(own.text_),
    reason: 'mine now',
  });
  expect(res.status).toBe(404);
  expect((await store.get(5, apiLeak.fingerprint))!.allowed).toBeUndefined();
});

test('actions need the CSRF token and our origin; mark allowed needs a reason; re-verify is called', async () => {
  const b = new Browser();
  await b.signIn('alice');
  const page = await b.go(href(5, webLeak));
  const csrf = b.csrf(page.text_);
  expect((await b.post(`${href(5, webLeak)}/allow`, { reason: 'fixture db' })).status).toBe(403);
  expect(
    (
      await b.post(`${href(5, webLeak)}/allow`, {
        csrf: 'x'.repeat(csrf.length),
        reason: 'fixture db',
      })
    ).status,
  ).toBe(403);
  expect(
    (
      await b.post(
        `${href(5, webLeak)}/allow`,
        { csrf, reason: 'fixture db' },
        { origin: 'https://evil.example' },
      )
    ).status,
  ).toBe(403);
  expect((await b.post(`${href(5, webLeak)}/allow`, { csrf, reason: '' })).status).toBe(400);
  expect((await store.get(5, webLeak.fingerprint))!.status).toBe('open');

  const ok = await b.post(`${href(5, webLeak)}/allow`, { csrf, reason: 'fixture db' });
  expect(ok.status).toBe(200);
  const allowed = (await store.get(5, webLeak.fingerprint))!;
  expect(allowed.status).toBe('allowed');
  expect(allowed.allowed).toEqual(expect.objectContaining({ reason: 'fixture db', by: 'alice' }));
  expect(ok.text_).toContain('Withdraw allowance');
  await b.post(`${href(5, webLeak)}/unallow`, { csrf });
  expect((await store.get(5, webLeak.fingerprint))!.status).toBe('open');

  await b.post(`${href(5, webLeak)}/reverify`, { csrf });
  expect(reverified).toContain(`5 ${webLeak.fingerprint} user:alice`);
});

test('a tampered or forged session cookie is a signed-out visitor; sign-out ends the session', async () => {
  const b = new Browser();
  await b.signIn('alice');
  const good = b.cookies.get('ug_session')!;
  const forged = new Browser();
  // The second-to-last character changed (chosen by itself: choosing by the last one left the
  // cookie unchanged whenever it already was 'A', one run in 64).
  const tampered = `${good.slice(0, -2)}${good.at(-2) === 'A' ? 'B' : 'A'}${good.slice(-1)}`;
  expect(tampered).not.toBe(good);
  forged.cookies.set('ug_session', tampered);
  expect((await forged.go('/incidents')).text_).toContain('Sign in with GitHub');
  expect((await forged.go(href(5, apiLeak))).status).toBe(404);

  const page = await b.go('/incidents');
  await b.post('/incidents/logout', { csrf: b.csrf(page.text_) });
  const replay = new Browser();
  replay.cookies.set('ug_session', good);
  expect((await replay.go('/incidents')).text_).toContain('Sign in with GitHub');
});

test('a callback with a state we did not issue is refused', async () => {
  const b = new Browser();
  const res = await b.go('/incidents/callback?code=code-999&state=forged');
  expect(res.status).toBe(400);
  expect(b.session).toBe('');
});

test('CSV cells cannot start a formula', () => {
  expect(toCsv([['=HYPERLINK("x")', '+1', '-2', '@a', 'ok', 3]])).toBe(
    `"'=HYPERLINK(""x"")","'+1","'-2","'@a","ok","3"\r\n`,
  );
});

test('exports hold masked forms and fingerprints', async () => {
  const b = new Browser();
  await b.signIn('alice');
  const csv = await b.go('/incidents/export.csv');
  expect(csv.headers.get('content-type')).toContain('text/csv');
  expect(csv.text_).toContain(apiLeak.fingerprint);
  const json = JSON.parse((await b.go('/incidents/export.json')).text_) as {
    incidents: Array<{ masked: string }>;
  };
  expect(json.incidents.map((i) => i.masked)).toEqual(
    expect.arrayContaining([apiLeak.masked, webLeak.masked]),
  );
});

test('no page or export served in this file holds a raw secret, or a long slice of one', () => {
  expect(web.served.length).toBeGreaterThan(20);
  const all = web.served.join('\n');
  for (const secret of secrets) {
    expect(all).not.toContain(secret);
    for (let i = 0; i + 12 <= secret.length; i += 6)
      expect(all).not.toContain(secret.slice(i, i + 12));
  }
});
