/**
 * A loopback git smart-HTTP server for tests: node:http in front of `git http-backend` (CGI),
 * serving bare repositories from a temp root. It can demand an Authorization header, records
 * every request (so tests can prove a token travelled as a header and never in a URL), and can
 * be told to fail like a real host does (404 for a deleted repo, 500, slow answers, a connection
 * closed mid-pack).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';

export interface GitRequestRecord {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  /** The Authorization header as received, if any. */
  authorization?: string;
  /** 'basic' | 'bearer' | undefined: which scheme the client used. */
  authScheme?: 'basic' | 'bearer';
  status: number;
  /** When it arrived (ms since epoch), and when its answer ended or was cut. */
  at?: number;
  endedAt?: number;
}

export interface GitFailure {
  /** Repository path (`owner/name.git`) the failure applies to; all repositories when omitted. */
  repo?: string;
  status?: 404 | 500 | 503;
  /** Extra latency before answering, in ms. */
  delayMs?: number;
  /** How many requests it affects; unlimited when omitted. */
  times?: number;
  /** Only requests whose path matches (e.g. /git-upload-pack$/, the pack itself). */
  path?: RegExp;
  /** Affects requests for this long from now (an outage window), then stops. */
  forMs?: number;
  /**
   * The answer starts normally and the connection is closed after this many bytes of its body
   * (a host or proxy dropping the connection mid-pack); git http-backend is killed with it.
   */
  cutAfterBytes?: number;
}

export interface GitHttpServer {
  /** e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  /** Directory holding `owner/name.git` bare repositories. */
  root: string;
  /** Clone URL of `owner/name` (no credentials in it, ever). */
  cloneUrl(owner: string, name: string): string;
  /** Absolute path of the bare repo for `owner/name` (created by `createBare`). */
  repoDir(owner: string, name: string): string;
  /** Creates an empty bare repository that accepts pushes over HTTP. */
  createBare(owner: string, name: string): string;
  requests: GitRequestRecord[];
  /** Requires `Authorization` to equal one of these values (e.g. `Basic ...`, `Bearer ...`) or pass the predicate. */
  requireAuth(accepted: readonly string[] | ((authorization: string) => boolean) | undefined): void;
  fail(failure: GitFailure): void;
  /** Ends every injected failure. */
  clearFailures(): void;
  close(): Promise<void>;
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
};

/** Basic auth header the way git sends an installation token (`x-access-token:<token>`). */
export function basicAuthHeader(token: string, user = 'x-access-token'): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
}

export async function startGitHttpServer(): Promise<GitHttpServer> {
  const root = mkdtempSync(join(tmpdir(), 'ug-githttp-'));
  const requests: GitRequestRecord[] = [];
  let accepted: readonly string[] | ((authorization: string) => boolean) | undefined;
  const failures: Array<GitFailure & { until?: number }> = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorization = req.headers.authorization;
    const scheme = /^basic /i.test(authorization ?? '')
      ? 'basic'
      : /^bearer /i.test(authorization ?? '')
        ? 'bearer'
        : undefined;
    const record: GitRequestRecord = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      ...(authorization ? { authorization, authScheme: scheme } : {}),
      status: 200,
      at: Date.now(),
    };
    res.once('close', () => (record.endedAt = Date.now()));
    requests.push(record);
    const failure = failures.find(
      (f) =>
        (f.times ?? 1) > 0 &&
        (f.until === undefined || Date.now() < f.until) &&
        (!f.repo || url.pathname.startsWith(`/${f.repo}/`)) &&
        (!f.path || f.path.test(url.pathname)),
    );
    let cutAfter: number | undefined;
    if (failure) {
      if (failure.times !== undefined) failure.times -= 1;
      cutAfter = failure.cutAfterBytes;
      if (failure.delayMs) await new Promise((r) => setTimeout(r, failure.delayMs));
      if (failure.status) {
        record.status = failure.status;
        res.writeHead(failure.status, { 'content-type': 'text/plain' }).end('failure injected');
        req.resume();
        return;
      }
    }
    const allowed =
      !accepted ||
      (authorization !== undefined &&
        (typeof accepted === 'function'
          ? accepted(authorization)
          : accepted.includes(authorization)));
    if (!allowed) {
      record.status = 401;
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' })
        .end('authentication required');
      req.resume();
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_HTTP_RECEIVE_PACK: '1',
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const body = /gzip/i.test(String(req.headers['content-encoding'] ?? ''))
      ? req.pipe(createGunzip())
      : req;
    body.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // CGI output: headers, blank line, body. Parse the headers, stream the rest.
    let head = Buffer.alloc(0);
    let headersDone = false;
    let sent = 0;
    let cut = false;
    const write = (chunk: Buffer): void => {
      if (cut) return;
      if (cutAfter !== undefined && sent + chunk.length > cutAfter) {
        cut = true;
        record.status = -1; // cut mid-body
        res.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
        child.kill('SIGKILL');
        res.socket?.destroy();
        return;
      }
      sent += chunk.length;
      res.write(chunk);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sep = head.indexOf('\r\n\r\n');
      const sepLen = sep >= 0 ? 4 : 2;
      const at = sep >= 0 ? sep : head.indexOf('\n\n');
      if (at < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      record.status = status;
      res.writeHead(status, headers);
      write(head.subarray(at + sepLen));
    });
    child.on('close', (code) => {
      if (cut) return;
      if (!headersDone) {
        record.status = 500;
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`git http-backend: ${code} ${stderr}`);
        return;
      }
      res.end();
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const repoDir = (owner: string, name: string): string => join(root, owner, `${name}.git`);
  return {
    baseUrl,
    root,
    requests,
    cloneUrl: (owner, name) => `${baseUrl}/${owner}/${name}.git`,
    repoDir,
    createBare(owner, name) {
      const dir = repoDir(owner, name);
      spawnSyncGit(['init', '-q', '--bare', '-b', 'main', dir]);
      spawnSyncGit(['-C', dir, 'config', 'http.receivepack', 'true']);
      return dir;
    },
    requireAuth(list) {
      accepted = list;
    },
    fail(failure) {
      failures.push({
        ...failure,
        ...(failure.forMs !== undefined ? { until: Date.now() + failure.forMs } : {}),
      });
    },
    clearFailures() {
      failures.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function spawnSyncGit(args: string[]): void {
  execFileSync('git', args, { env: { ...process.env, ...GIT_ENV }, stdio: 'pipe' });
}
