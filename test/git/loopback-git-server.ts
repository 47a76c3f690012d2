/**
 * A tiny loopback smart-HTTP git server for RepoCache tests: node:http in front of the
 * `git http-backend` CGI. Records every request (URL + Authorization header) and can answer slowly.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRequest {
  url: string;
  authorization?: string;
}

export interface LoopbackGitServer {
  url(repoPath: string): string;
  requests: LoopbackRequest[];
  /** When set, only this Authorization value is accepted (401 otherwise). */
  requireAuthorization?: string;
  /** Delay before each answer, in ms. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startLoopbackGitServer(root: string): Promise<LoopbackGitServer> {
  const state: LoopbackGitServer = {
    url: () => '',
    requests: [],
    delayMs: 0,
    close: async () => undefined,
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorization = req.headers.authorization;
    state.requests.push({ url: req.url ?? '', ...(authorization ? { authorization } : {}) });
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs).unref());
    if (state.requireAuthorization && authorization !== state.requireAuthorization) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(cgi.stdin);
    const out: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => out.push(c));
    cgi.on('close', () => {
      const buf = Buffer.concat(out);
      const split = buf.indexOf('\r\n\r\n');
      const head = buf.subarray(0, split).toString('latin1');
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else if (k) headers[k] = v;
      }
      res.writeHead(status, headers).end(buf.subarray(split + 4));
    });
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  state.url = (p) => `http://127.0.0.1:${port}/${p}`;
  state.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
