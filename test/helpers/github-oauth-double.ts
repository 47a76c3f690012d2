/**
 * GitHub's OAuth and user endpoints on loopback, for the incidents page: `/login/oauth/authorize`
 * (redirects back with a code for the user named in `?login=`, as if they clicked "Authorize"),
 * `/login/oauth/access_token`, and under `/api/v3`: `/user`, `/user/installations`,
 * `/user/installations/{id}/repositories`, each answering for the user whose token is sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthUser {
  login: string;
  id: number;
  /** installation id → account login and the repositories this user can see in it. */
  installations: Array<{
    id: number;
    account: string;
    repos: Array<{ id: number; fullName: string }>;
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
  close(): Promise<void>;
}

export async function startOAuthDouble(users: OAuthUser[]): Promise<OAuthDouble> {
  const byLogin = new Map(users.map((u) => [u.login, u]));
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const requests: OAuthDouble['requests'] = [];
  const double = {
    clientId: 'Iv1.testclient',
    clientSecret: 'test-client-secret',
    users: byLogin,
    nextLogin: users[0]?.login ?? '',
    requests,
  } as OAuthDouble;
  let n = 0;

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const userOf = (req: IncomingMessage): OAuthUser | undefined => {
    const auth = String(req.headers.authorization ?? '');
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    const login = tokens.get(token);
    return login ? byLogin.get(login) : undefined;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname });
      if (url.pathname === '/login/oauth/authorize') {
        if (url.searchParams.get('client_id') !== double.clientId) return json(res, 404, {});
        const code = `code-${++n}`;
        codes.set(code, double.nextLogin);
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.toString() });
        return res.end();
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
      const user = userOf(req);
      if (url.pathname.startsWith('/api/v3/') && !user)
        return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/api/v3/user')
        return json(res, 200, { login: user!.login, id: user!.id });
      if (url.pathname === '/api/v3/user/installations')
        return json(res, 200, {
          total_count: user!.installations.length,
          installations: user!.installations.map((i) => ({
            id: i.id,
            account: { login: i.account },
          })),
        });
      const m = /^\/api\/v3\/user\/installations\/(\d+)\/repositories$/.exec(url.pathname);
      if (m) {
        const inst = user!.installations.find((i) => i.id === Number(m[1]));
        if (!inst) return json(res, 404, { message: 'Not Found' });
        return json(res, 200, {
          total_count: inst.repos.length,
          repositories: inst.repos.map((r) => ({
            id: r.id,
            full_name: r.fullName,
            name: r.fullName.split('/')[1],
          })),
        });
      }
      json(res, 404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  double.origin = `http://127.0.0.1:${port}`;
  double.host = `127.0.0.1:${port}`;
  double.close = () => new Promise<void>((r) => server.close(() => r()));
  return double;
}
