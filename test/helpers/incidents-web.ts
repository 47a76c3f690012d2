/**
 * The incidents page over HTTP for tests: the routes on a loopback server with GitHub's OAuth and
 * user endpoints played by the OAuth double, a file store, a log that is kept, and a browser that
 * follows redirects by hand and keeps its cookies (every page it was served is recorded).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Finding } from '../../src/core/types.js';
import { FileIncidentStore } from '../../src/incidents/file-store.js';
import { incidentsRoutes, type IncidentsPageDeps } from '../../src/web/incidents-routes.js';
import { MemorySessionStore, SessionKeys } from '../../src/web/session.js';
import { startOAuthDouble, type OAuthDouble, type OAuthUser } from './github-oauth-double.js';
import { leakFinding } from './leak-finding.js';

export interface IncidentsWeb {
  base: string;
  gh: OAuthDouble;
  store: FileIncidentStore;
  /** "installation fingerprint by" for every re-verification the routes asked for. */
  reverified: string[];
  /** Every page and export any browser of this harness was served. */
  served: string[];
  /** Every log line the routes wrote. */
  logs: string[];
  /**
   * Another App replica: the same stores and settings behind a new instance of the routes (its
   * own process-local state) on its own port; its base URL. Closed with the harness.
   */
  replica(): Promise<string>;
  close(): Promise<void>;
}

export async function startIncidentsWeb(
  users: OAuthUser[],
  over: Partial<IncidentsPageDeps> = {},
): Promise<IncidentsWeb> {
  const gh = await startOAuthDouble(users);
  const dir = await mkdtemp(join(tmpdir(), 'ug-web-'));
  const store = new FileIncidentStore(dir);
  const reverified: string[] = [];
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const servers: Server[] = [];
  const serve = async (): Promise<{ server: Server; base: string }> => {
    const server: Server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const route = (server: Server, routes: ReturnType<typeof incidentsRoutes>): void => {
    server.on('request', (req, res) => {
      void routes(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(404);
          res.end();
        }
      });
    });
  };
  const { server, base } = await serve();
  const deps: IncidentsPageDeps = {
    store,
    sessions: new MemorySessionStore(),
    keys: new SessionKeys('a-test-session-secret-that-is-long-enough'),
    urls: { web: gh.origin, api: `${gh.origin}/api/v3` },
    client: { id: gh.clientId, secret: gh.clientSecret },
    publicUrl: base,
    reverify: async (inst, fp, by) => {
      reverified.push(`${inst} ${fp} ${by}`);
    },
    log,
    ...over,
  };
  route(server, incidentsRoutes(deps));
  return {
    base,
    gh,
    store,
    reverified,
    served: [],
    logs,
    async replica() {
      const other = await serve();
      route(other.server, incidentsRoutes(deps));
      return other.base;
    },
    async close() {
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A finding for `secret` as a scan reports it (masked and fingerprinted), with one occurrence. */
export function pageLeak(
  secret: string,
  type: Finding['type'],
  path: string,
  over: Partial<Finding> = {},
): Finding {
  const { endpoint: _endpoint, ...rest } = leakFinding(secret, {
    type,
    title: type === 'upstash-qstash-token' ? 'Upstash QStash token' : 'Upstash Redis REST token',
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
  });
  return over.endpoint ? { ...rest, endpoint: over.endpoint } : rest;
}

/** The repositories the page tests use: two of acme's, one of another organisation. */
export const ACME_WEB = { id: 101, fullName: 'acme/web' };
export const ACME_API = { id: 102, fullName: 'acme/api' };
export const GLOBEX_SITE = { id: 201, fullName: 'globex/site' };

export const incidentHref = (inst: number, f: { fingerprint: string }) =>
  `/incidents/i/${inst}/${encodeURIComponent(f.fingerprint)}`;

export type Served = Response & { text_: string };

/** A browser: follows redirects by hand, keeps its cookies, records every body it was served. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly web: IncidentsWeb) {}

  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The session cookie's `name=value`, or '' when there is none. */
  get session(): string {
    const v = this.cookies.get('ug_session');
    return v ? `ug_session=${v}` : '';
  }

  /** Follows redirects unless `follow` is false (then a redirect is returned as it is). */
  async go(url: string, init: RequestInit = {}, follow = true): Promise<Served> {
    let target = url.startsWith('http') ? url : this.web.base + url;
    let opts: RequestInit = init;
    for (let hops = 0; hops < 6; hops++) {
      const res = await fetch(target, {
        ...opts,
        redirect: 'manual',
        headers: {
          ...(opts.headers as Record<string, string>),
          ...(this.cookies.size ? { cookie: this.cookie } : {}),
        },
      });
      for (const set of res.headers.getSetCookie()) {
        const pair = set.split(';')[0]!;
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (value === '' || /max-age=0(;|$)/i.test(set)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const loc = res.headers.get('location');
      if (follow && res.status >= 300 && res.status < 400 && loc) {
        target = new URL(loc, target).toString();
        opts = {};
        continue;
      }
      const text_ = await res.text();
      this.web.served.push(text_);
      return Object.assign(res, { text_ });
    }
    throw new Error('too many redirects');
  }

  async signIn(login: string): Promise<void> {
    this.web.gh.nextLogin = login;
    const res = await this.go('/incidents/login');
    expect(res.status).toBe(200);
    expect(this.session).toMatch(/^ug_session=/);
  }

  csrf(page: string): string {
    return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.go(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.web.base,
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
  }
}
