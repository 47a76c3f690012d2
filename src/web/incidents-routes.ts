/**
 * The App's second face: `/incidents`, behind GitHub login. Access follows GitHub's permissions:
 * a user sees an installation's incidents only for the installations and repositories that
 * `GET /user/installations` and `GET /user/installations/{id}/repositories` grant them, and gets
 * 404 (not 403: nothing is confirmed to exist) for anything else. Every state-changing action is a
 * POST with a CSRF token and a same-origin check. No page or export shows a secret: incidents hold
 * only masked forms and fingerprints.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { scanText } from '../core/scan/scan-text.js';
import { CREDENTIAL_TYPES, type Finding } from '../core/types.js';
import { INCIDENT_STATUSES, applyEvent, type Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import { renderGuidance } from '../report/index.js';
import { exchangeCode, userAccess, type GitHubUrls, type UserAccess } from './github-user.js';
import {
  SORTS,
  VERDICTS,
  filterAndSort,
  latestVerdict,
  parseQuery,
  queryString,
  summarise,
  toCsv,
  visiblePart,
} from './query.js';
import {
  COOKIE,
  LOGIN_COOKIE,
  SessionKeys,
  readCookie,
  sessionCookie,
  type SessionData,
  type SessionStore,
} from './session.js';
import { STYLE, errorPage, incidentPage, listPage, loginPage } from './views.js';

export interface IncidentsPageDeps {
  store: IncidentStore;
  sessions: SessionStore;
  keys: SessionKeys;
  urls: GitHubUrls;
  client: { id: string; secret: string };
  /** This app's public origin, e.g. https://guard.example.com (the OAuth callback lives under it). */
  publicUrl: string;
  /** Re-verifies one incident now (reads the secret again from the repository); optional. */
  reverify?: (installationId: number, fingerprint: string, by: string) => Promise<void>;
  log?: Logger;
  /** How long GitHub's answer about a user's access is trusted (default 5 minutes). */
  accessTtlMs?: number;
  sessionTtlMs?: number;
  /** How long "Re-verify now" rests after a click, per incident (default 1 minute). */
  reverifyCooldownMs?: number;
}

const SESSION_TTL_MS = 8 * 3600_000;
const LOGIN_TTL_MS = 10 * 60_000;
const MAX_FORM_BYTES = 16 * 1024;
const INCIDENT_PATH =
  /^\/incidents\/i\/(\d{1,12})\/(ug1%3A[A-Za-z0-9_-]{8,128})(?:\/(reverify|allow|unallow|resolve))?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Whether the user may act on an incident: see `mayAct` in docs/incidents.md (Security). */
function mayAct(i: Incident, writable: ReadonlySet<number>): boolean {
  // Acting (allowing above all) touches every repository the credential is still in, including
  // those the user cannot see: write access is needed on each of them, and on at least one.
  const live = i.repositories.filter((r) => r.reachable !== false);
  return i.repositories.some((r) => writable.has(r.id)) && live.every((r) => writable.has(r.id));
}

/** Whether a text holds a credential, in any encoding the scanner reads (plain, URL, base64...). */
function holdsCredential(text: string): boolean {
  return scanText({ path: 'allow-reason', text }).some((h) => !h.candidate.pairingPartOnly);
}

export function incidentsRoutes(deps: IncidentsPageDeps) {
  const accessCache = new Map<string, UserAccess>();
  const accessTtl = deps.accessTtlMs ?? 5 * 60_000;
  const reverifyCooldown = deps.reverifyCooldownMs ?? 60_000;
  const sessionTtl = deps.sessionTtlMs ?? SESSION_TTL_MS;
  const origin = new URL(deps.publicUrl).origin;
  const callback = `${origin}/incidents/callback`;

  async function session(
    req: IncomingMessage,
  ): Promise<{ id: string; data: SessionData } | undefined> {
    const id = deps.keys.verify(readCookie(req.headers.cookie, COOKIE));
    if (!id) return undefined;
    const data = await deps.sessions.get(id);
    return data ? { id, data } : undefined;
  }

  function remember(id: string, a: UserAccess): void {
    const now = Date.now();
    for (const [k, v] of accessCache) if (now - v.fetchedAt >= accessTtl) accessCache.delete(k);
    accessCache.set(id, a);
  }

  /** GitHub's answer about the user's access: cached for reading, asked again to act. */
  async function access(s: { id: string; data: SessionData }, fresh = false): Promise<UserAccess> {
    const cached = accessCache.get(s.id);
    if (!fresh && cached && Date.now() - cached.fetchedAt < accessTtl) return cached;
    const token = deps.keys.open(s.data.tokenSealed);
    if (!token) throw new HttpError(401, 'Your session has expired. Sign in again.');
    const a = await userAccess(deps.urls, token).catch(async (err: unknown) => {
      // GitHub refuses the token (the user revoked it, or removed the App's authorization): the
      // session is over, here too, instead of a page that fails on every load.
      if ((err as { status?: unknown } | null)?.status !== 401) throw err;
      accessCache.delete(s.id);
      await deps.sessions.delete(s.id);
      throw new HttpError(
        401,
        'GitHub no longer accepts your sign-in (it was revoked, or the authorization was removed). Sign in again.',
        { 'set-cookie': sessionCookie('', 0) },
      );
    });
    remember(s.id, a);
    return a;
  }

  /** The incidents this user may see, each cut down to the repositories they can access. */
  async function visible(a: UserAccess): Promise<Array<{ i: Incident; account: string }>> {
    const out: Array<{ i: Incident; account: string }> = [];
    for (const [installationId, inst] of a.installations) {
      for (const i of await deps.store.list(installationId)) {
        const part = visiblePart(i, inst.repos);
        if (part) out.push({ i: part, account: inst.account });
      }
    }
    return out;
  }

  const hrefOf = (i: Incident): string =>
    `/incidents/i/${i.installationId}/${encodeURIComponent(i.fingerprint)}`;

  function send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts.
      'referrer-policy': 'same-origin',
      'content-security-policy':
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      ...extra,
    });
    res.end(body);
  }
  const html = (
    res: ServerResponse,
    status: number,
    body: string,
    extra?: Record<string, string>,
  ) => send(res, status, 'text/html; charset=utf-8', body, extra);
  const redirect = (
    res: ServerResponse,
    to: string,
    extra: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(303, { location: to, 'cache-control': 'no-store', ...extra });
    res.end();
  };

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Expected a form.');
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) throw new HttpError(413, 'The form is too large.');
      chunks.push(chunk as Buffer);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  /** CSRF: the session's token in the form, and the browser's Origin (when sent) is ours. */
  function checkCsrf(req: IncomingMessage, form: URLSearchParams, s: SessionData): void {
    const o = req.headers.origin;
    if (o !== undefined && o !== origin) throw new HttpError(403, 'Cross-site request refused.');
    if (!SessionKeys.sameToken(form.get('csrf') ?? undefined, s.csrf))
      throw new HttpError(
        403,
        'The form has expired or did not come from this page. Reload and try again.',
      );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/incidents/style.css') {
      send(res, 200, 'text/css; charset=utf-8', STYLE, { 'cache-control': 'public, max-age=3600' });
      return;
    }

    if (method === 'GET' && path === '/incidents/login') {
      const state = randomBytes(24).toString('base64url');
      await deps.sessions.putLogin(
        state,
        { returnTo: '/incidents', createdAt: Date.now() },
        LOGIN_TTL_MS,
      );
      const auth = new URL(`${deps.urls.web}/login/oauth/authorize`);
      auth.searchParams.set('client_id', deps.client.id);
      auth.searchParams.set('redirect_uri', callback);
      auth.searchParams.set('state', state);
      // The state is bound to this browser: a callback URL from someone else's sign-in (login
      // CSRF) finds no matching cookie here.
      redirect(res, auth.toString(), {
        'set-cookie': sessionCookie(state, LOGIN_TTL_MS / 1000, LOGIN_COOKIE),
      });
      return;
    }

    if (method === 'GET' && path === '/incidents/callback') {
      const state = url.searchParams.get('state') ?? '';
      const code = url.searchParams.get('code') ?? '';
      const mine = SessionKeys.sameToken(readCookie(req.headers.cookie, LOGIN_COOKIE), state);
      const pending = mine ? await deps.sessions.takeLogin(state) : undefined;
      if (!pending || !code)
        throw new HttpError(400, 'This sign-in link is invalid or has expired. Start again.');
      const token = await exchangeCode(deps.urls, deps.client, code, callback);
      const a = await userAccess(deps.urls, token);
      const id = deps.keys.newId();
      const data: SessionData = {
        login: a.login,
        tokenSealed: deps.keys.seal(token),
        csrf: randomBytes(24).toString('base64url'),
        createdAt: Date.now(),
      };
      // A session the browser already carried (perhaps planted) ends: the new one has a new id.
      const before = await session(req);
      if (before) {
        await deps.sessions.delete(before.id);
        accessCache.delete(before.id);
      }
      await deps.sessions.set(id, data, sessionTtl);
      remember(id, a);
      deps.log?.info({ user: a.login }, 'incidents: signed in');
      redirect(res, pending.returnTo, {
        'set-cookie': [
          sessionCookie(deps.keys.sign(id), Math.floor(sessionTtl / 1000)),
          sessionCookie('', 0, LOGIN_COOKIE),
        ],
      });
      return;
    }

    const s = await session(req);
    if (!s) {
      if (method !== 'GET') throw new HttpError(401, 'Sign in first.');
      if (path === '/incidents' || path === '/incidents/') {
        html(res, 200, loginPage());
        return;
      }
      // Nothing is confirmed to exist to a visitor who is not signed in.
      html(res, 404, errorPage({ title: 'Not found' }, 'Not found', 'Sign in to see incidents.'));
      return;
    }
    const frame = { title: 'Incidents', login: s.data.login, csrf: s.data.csrf };

    if (method === 'POST' && path === '/incidents/logout') {
      const form = await readForm(req);
      checkCsrf(req, form, s.data);
      await deps.sessions.delete(s.id);
      accessCache.delete(s.id);
      redirect(res, '/incidents', { 'set-cookie': sessionCookie('', 0) });
      return;
    }

    // Acting asks GitHub again: access lost since the last answer stops an action at once.
    const a = await access(s, method === 'POST');

    if (
      method === 'GET' &&
      (path === '/incidents' || path === '/incidents/' || path.startsWith('/incidents/export.'))
    ) {
      const q = parseQuery(url.searchParams);
      const all = await visible(a);
      const incidents = filterAndSort(
        all.map((x) => x.i),
        q,
      );
      if (path === '/incidents/export.json') {
        send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ incidents }, null, 2), {
          'content-disposition': 'attachment; filename="upstash-guard-incidents.json"',
        });
        return;
      }
      if (path === '/incidents/export.csv') {
        const rows = [
          [
            'installation',
            'fingerprint',
            'type',
            'masked',
            'status',
            'verification',
            'severity',
            'exposure',
            'endpoint',
            'repositories',
            'first_seen',
            'last_seen',
          ],
          ...incidents.map((i) => [
            i.installationId,
            i.fingerprint,
            i.type,
            i.masked,
            i.status,
            latestVerdict(i),
            i.severity,
            i.exposure.kind,
            i.endpoint ?? '',
            i.repositories.map((r) => r.fullName).join(' '),
            i.firstSeenAt,
            i.lastSeenAt,
          ]),
        ];
        send(res, 200, 'text/csv; charset=utf-8', toCsv(rows), {
          'content-disposition': 'attachment; filename="upstash-guard-incidents.csv"',
        });
        return;
      }
      if (path.startsWith('/incidents/export.')) throw new HttpError(404, 'No such export.');
      const repos = [
        ...new Set(all.flatMap((x) => x.i.repositories.map((r) => r.fullName))),
      ].sort();
      html(
        res,
        200,
        listPage(frame, {
          rows: incidents.map((i) => ({ i, href: hrefOf(i), verdict: latestVerdict(i) })),
          summary: summarise(incidents),
          q,
          qs: queryString(q),
          options: {
            status: INCIDENT_STATUSES,
            verdict: VERDICTS,
            type: CREDENTIAL_TYPES,
            sort: SORTS,
            repo: repos,
          },
        }),
      );
      return;
    }

    const m = INCIDENT_PATH.exec(path);
    if (!m) throw new HttpError(404, 'There is no such page.');
    const installationId = Number(m[1]);
    const fingerprint = decodeURIComponent(m[2]!);
    const action = m[3];
    const inst = a.installations.get(installationId);
    const stored = inst ? await deps.store.get(installationId, fingerprint) : undefined;
    const part = stored && inst ? visiblePart(stored, inst.repos) : undefined;
    if (!part || !inst)
      throw new HttpError(404, 'There is no such incident, or you cannot see it.');
    const canAct = mayAct(stored!, inst.writable);

    if (method === 'GET' && !action) {
      const repoNames = new Map(part.repositories.map((r) => [r.id, r.fullName] as const));
      const first = part.repositories[0]!;
      html(
        res,
        200,
        incidentPage(frame, {
          i: part,
          href: hrefOf(part),
          web: deps.urls.web,
          repoNames,
          canAct,
          guidanceMarkdown: renderGuidance([asFinding(part)], {
            repoUrl: `${deps.urls.web}/${first.fullName}`,
          }),
        }),
      );
      return;
    }
    if (method !== 'POST' || !action)
      throw new HttpError(405, 'Use the buttons on the incident page.');
    const form = await readForm(req);
    checkCsrf(req, form, s.data);
    if (!canAct)
      throw new HttpError(
        403,
        'Acting on an incident needs write access to every repository that still holds the credential.',
      );
    const by = a.login;
    const at = new Date().toISOString();
    if (action === 'reverify') {
      if (!deps.reverify) throw new HttpError(501, 'Verification is turned off on this server.');
      // Bounded: one re-verification per incident per cooldown, whoever clicks, so the button
      // cannot be used to hammer Upstash (or GitHub, when the repository has to be fetched).
      // The bound lives in the session store: with Redis, one for all the App's replicas.
      const left = await deps.sessions.claim(
        `reverify:${installationId}/${fingerprint}`,
        reverifyCooldown,
      );
      if (left > 0)
        throw new HttpError(429, 'This incident was re-verified a moment ago. Try again shortly.', {
          'retry-after': String(Math.ceil(left / 1000)),
        });
      await deps.reverify(installationId, fingerprint, `user:${by}`);
    } else if (action === 'allow') {
      const reason = (form.get('reason') ?? '').trim();
      if (reason.length < 3 || reason.length > 500)
        throw new HttpError(400, 'Say why this credential is allowed (3 to 500 characters).');
      // The reason is shown to everyone who can see the incident: it must not hold a secret.
      if (holdsCredential(reason))
        throw new HttpError(
          400,
          'The reason seems to hold a credential. Describe it instead; never paste a secret.',
        );
      await deps.store.update(installationId, fingerprint, (cur) =>
        cur ? applyEvent(cur, { kind: 'allow', at, reason, by }) : undefined,
      );
    } else if (action === 'unallow') {
      await deps.store.update(installationId, fingerprint, (cur) =>
        cur ? applyEvent(cur, { kind: 'unallow', at, by }) : undefined,
      );
    } else if (action === 'resolve') {
      if (stored!.status !== 'removed')
        throw new HttpError(409, 'Only a removed incident can be resolved.');
      await deps.store.update(installationId, fingerprint, (cur) =>
        cur ? applyEvent(cur, { kind: 'resolve', at, by }) : undefined,
      );
    }
    deps.log?.info({ user: by, installationId, fingerprint, action }, 'incidents: action');
    redirect(res, hrefOf(part));
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/incidents' && !url.pathname.startsWith('/incidents/')) return false;
    try {
      await handle(req, res, url);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 502;
      const message =
        err instanceof HttpError
          ? err.message
          : 'GitHub or the incident store did not answer. Try again.';
      if (!(err instanceof HttpError))
        deps.log?.warn({ err: (err as Error).name }, 'incidents: request failed');
      if (!res.headersSent)
        html(
          res,
          status,
          errorPage(
            { title: 'Error' },
            status === 404 ? 'Not found' : 'Something went wrong',
            message,
          ),
          err instanceof HttpError ? err.headers : {},
        );
      else res.end();
    }
    return true;
  };
}

/** The finding-shaped view of an incident that the guidance renderer takes. */
function asFinding(i: Incident): Finding {
  return {
    type: i.type,
    title: i.title,
    readOnly: i.readOnly,
    ...(i.endpoint ? { endpoint: i.endpoint } : {}),
    exposure: i.exposure,
    severity: i.severity,
    confidence: i.confidence,
    fingerprint: i.fingerprint,
    masked: i.masked,
    details: {},
    occurrences: i.occurrences.map((o) => ({
      path: o.path,
      line: o.line,
      ...(o.source ? { source: o.source } : {}),
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
      ...(o.commit ? { commit: o.commit } : {}),
    })),
  };
}
