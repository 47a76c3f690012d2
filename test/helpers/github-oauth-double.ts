/**
 * GitHub's OAuth and user endpoints on loopback, for the incidents page: `/login/oauth/authorize`
 * (redirects back with a code for `nextLogin`, as if that person clicked "Authorize"),
 * `/login/oauth/access_token`, and under `/api/v3`: `/user`, `/user/installations`,
 * `/user/installations/{id}/repositories`, each answering for the user whose token is sent.
 * Runs on its own port, or in front of the GitHub double (`handle`), as one GitHub host.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthUser {
  login: string;
  id: number;
  /** The installations this user can access, and the repositories in each. */
  installations: Array<{
    id: number;
    account: string;
    /** `permission`: the user's role on the repository (default write). */
    repos: Array<{ id: number; fullName: string; permission?: 'read' | 'write' | 'admin' }>;
  }>;
}

export interface OAuthDouble {
  origin: string;
  host: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, OAuthUser>;
  /** Login that the authorize endpoint signs in next (set by the test, like a person choosing). */
  nextLogin: string;
  requests: Array<{ method: string; path: string }>;
  /** Revokes every token handed to `login` (GitHub then answers 401 "Bad credentials"). */
  revoke(login: string): void;
  /** The request handler, to mount in front of another double (false: not an OAuth/user request). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export function oauthDouble(users: OAuthUser[]): OAuthDouble {
  const byLogin = new Map(users.map((u) => [u.login, u]));
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const revoked = new Set<string>();
  const requests: OAuthDouble['requests'] = [];
  let n = 0;
  const double: OAuthDouble = {
    origin: '',
    host: '',
    clientId: 'Iv1.testclient',
    clientSecret: 'test-client-secret',
    users: byLogin,
    nextLogin: users[0]?.login ?? '',
    requests,
    revoke(login) {
      for (const [token, l] of tokens)
        if (l === login) {
          tokens.delete(token);
          revoked.add(token);
        }
    },
    handle,
    close: async () => undefined,
  };

  function json(res: ServerResponse, status: number, body: unknown): true {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return true;
  }
  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  function userOf(req: IncomingMessage): OAuthUser | undefined {
    const token = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    const login = tokens.get(token);
    return login ? byLogin.get(login) : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://x');
    const user = userOf(req);
    const token = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    if (revoked.has(token) && /^\/api\/v3\/user(\/|$)/.test(url.pathname)) {
      requests.push({ method: req.method ?? '', path: url.pathname });
      return json(res, 401, { message: 'Bad credentials' });
    }
    const mine =
      url.pathname.startsWith('/login/oauth/') ||
      (/^\/api\/v3\/user(\/|$)/.test(url.pathname) && user !== undefined);
    if (!mine) return false;
    requests.push({ method: req.method ?? '', path: url.pathname });
    if (url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== double.clientId) return json(res, 404, {});
      const code = `code-${++n}`;
      codes.set(code, double.nextLogin);
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return true;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, string>;
      const login = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      if (
        body.client_id !== double.clientId ||
        body.client_secret !== double.clientSecret ||
        !login
      )
        return json(res, 200, { error: 'bad_verification_code' });
      const token = `gho_test_${login}_${++n}`;
      tokens.set(token, login);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    if (!user) return json(res, 404, { message: 'Not Found' });
    if (url.pathname === '/api/v3/user') return json(res, 200, { login: user.login, id: user.id });
    if (url.pathname === '/api/v3/user/installations')
      return json(res, 200, {
        total_count: user.installations.length,
        installations: user.installations.map((i) => ({ id: i.id, account: { login: i.account } })),
      });
    const m = /^\/api\/v3\/user\/installations\/(\d+)\/repositories$/.exec(url.pathname);
    if (m) {
      const inst = user.installations.find((i) => i.id === Number(m[1]));
      if (!inst) return json(res, 404, { message: 'Not Found' });
      return json(res, 200, {
        total_count: inst.repos.length,
        repositories: inst.repos.map((r) => ({
          id: r.id,
          full_name: r.fullName,
          name: r.fullName.split('/')[1],
          // As GitHub answers a user token: the user's own permissions on the repository.
          permissions: {
            admin: r.permission === 'admin',
            maintain: r.permission === 'admin',
            push: r.permission !== 'read',
            triage: r.permission !== 'read',
            pull: true,
          },
        })),
      });
    }
    return json(res, 404, { message: 'Not Found' });
  }

  return double;
}

/** The OAuth double on its own loopback port. */
export async function startOAuthDouble(users: OAuthUser[]): Promise<OAuthDouble> {
  const double = oauthDouble(users);
  const server = createServer((req, res) => {
    void double.handle(req, res).then((done) => {
      if (!done) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  double.origin = `http://127.0.0.1:${port}`;
  double.host = `127.0.0.1:${port}`;
  double.close = () => new Promise<void>((r) => server.close(() => r()));
  return double;
}
