/**
 * The incidents page over HTTP with GitHub's OAuth and user endpoints played on loopback: sign-in,
 * access that follows GitHub's permissions (404 for what a user cannot see), filters, exports,
 * actions behind CSRF, session tampering, sign-out, and no raw secret in any page or export.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachSecret, type Finding } from '../../src/core/types.js';
import { fingerprint } from '../../src/core/scan/fingerprint.js';
import { FileIncidentStore } from '../../src/incidents/file-store.js';
import { recordFindings, recordVerdict } from '../../src/incidents/record.js';
import { incidentsRoutes } from '../../src/web/incidents-routes.js';
import { toCsv } from '../../src/web/query.js';
import { MemorySessionStore, SessionKeys } from '../../src/web/session.js';
import { startOAuthDouble, type OAuthDouble } from '../helpers/github-oauth-double.js';
import { qstashToken, redisToken } from '../helpers/synthetic.js';

const WEB = { id: 101, fullName: 'acme/web' };
const API = { id: 102, fullName: 'acme/api' };
const OTHER_ORG = { id: 201, fullName: 'globex/site' };

let gh: OAuthDouble;
let server: Server;
let base: string;
let dir: string;
let store: FileIncidentStore;
const secrets: string[] = [];
let webLeak: Finding;
let apiLeak: Finding;
let globexLeak: Finding;
const reverified: string[] = [];

function leak(
  secret: string,
  type: Finding['type'],
  path: string,
  over: Partial<Finding> = {},
): Finding {
  secrets.push(secret);
  return attachSecret(
    {
      type,
      title: type === 'upstash-qstash-token' ? 'Upstash QStash token' : 'Upstash Redis REST token',
      readOnly: false,
      exposure: { kind: 'server' },
      severity: 'high',
      confidence: 'high',
      fingerprint: fingerprint(secret),
      masked: `${secret.slice(0, 4)}…(${secret.length} chars)`,
      details: {},
      occurrences: [
        {
          path,
          line: 4,
          commit: 'd'.repeat(40),
          author: 'dev <dev@acme.test>',
          date: '2026-01-01T00:00:00Z',
        },
      ],
      ...over,
    },
    { value: secret },
  );
}

beforeAll(async () => {
  gh = await startOAuthDouble([
    { login: 'alice', id: 1, installations: [{ id: 5, account: 'acme', repos: [WEB, API] }] },
    { login: 'bob', id: 2, installations: [{ id: 5, account: 'acme', repos: [API] }] },
    { login: 'mallory', id: 3, installations: [{ id: 6, account: 'globex', repos: [OTHER_ORG] }] },
  ]);
  dir = await mkdtemp(join(tmpdir(), 'ug-web-'));
  store = new FileIncidentStore(dir);
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

  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const routes = incidentsRoutes({
    store,
    sessions: new MemorySessionStore(),
    keys: new SessionKeys('a-test-session-secret-that-is-long-enough'),
    urls: { web: gh.origin, api: `${gh.origin}/api/v3` },
    client: { id: gh.clientId, secret: gh.clientSecret },
    publicUrl: base,
    reverify: async (inst, fp, by) => {
      reverified.push(`${inst} ${fp} ${by}`);
    },
  });
  server.on('request', (req, res) => {
    void routes(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await gh.close();
  await rm(dir, { recursive: true, force: true });
});

/** A browser: follows redirects by hand, keeps the session cookie, records every body it saw. */
/** Every page and export that any browser in this file was served. */
const served: string[] = [];

class Browser {
  cookie = '';
  async go(url: string, init: RequestInit = {}): Promise<Response & { text_: string }> {
    let target = url.startsWith('http') ? url : base + url;
    let opts: RequestInit = init;
    for (let hops = 0; hops < 6; hops++) {
      const res = await fetch(target, {
        ...opts,
        redirect: 'manual',
        headers: {
          ...(opts.headers as Record<string, string>),
          ...(this.cookie ? { cookie: this.cookie } : {}),
        },
      });
      const set = res.headers.get('set-cookie');
      if (set) this.cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        target = new URL(loc, target).toString();
        opts = {};
        continue;
      }
      const text_ = await res.text();
      served.push(text_);
      return Object.assign(res, { text_ });
    }
    throw new Error('too many redirects');
  }
  async signIn(login: string): Promise<void> {
    gh.nextLogin = login;
    const res = await this.go('/incidents/login');
    expect(res.status).toBe(200);
    expect(this.cookie).toMatch(/^ug_session=/);
  }
  csrf(page: string): string {
    return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  }
  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.go(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }
}

const href = (inst: number, f: Finding) =>
  `/incidents/i/${inst}/${encodeURIComponent(f.fingerprint)}`;

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
  const good = b.cookie;
  const [name, value] = good.split('=') as [string, string];
  const forged = new Browser();
  forged.cookie = `${name}=${value.slice(0, -2)}${value.endsWith('A') ? 'B' : 'A'}${value.slice(-1)}`;
  expect((await forged.go('/incidents')).text_).toContain('Sign in with GitHub');
  expect((await forged.go(href(5, apiLeak))).status).toBe(404);

  const page = await b.go('/incidents');
  await b.post('/incidents/logout', { csrf: b.csrf(page.text_) });
  const replay = new Browser();
  replay.cookie = good;
  expect((await replay.go('/incidents')).text_).toContain('Sign in with GitHub');
});

test('a callback with a state we did not issue is refused', async () => {
  const b = new Browser();
  const res = await b.go('/incidents/callback?code=code-999&state=forged');
  expect(res.status).toBe(400);
  expect(b.cookie).toBe('');
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
  expect(served.length).toBeGreaterThan(20);
  const all = served.join('\n');
  for (const secret of secrets) {
    expect(all).not.toContain(secret);
    for (let i = 0; i + 12 <= secret.length; i += 6)
      expect(all).not.toContain(secret.slice(i, i + 12));
  }
});
