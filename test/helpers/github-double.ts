/**
 * A loopback GitHub REST API double for process-level tests. Served under the GHE prefix
 * `/api/v3` because Probot builds its base URL as `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`, so the
 * app is pointed here with GHE_HOST=127.0.0.1:<port> and GHE_PROTOCOL=http. It records every
 * request, keeps state (comments and check runs created are listed later), and injects failures.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthHeader } from './git-http-server.js';
import { deliver } from './webhooks.js';

export interface RecordedRequest {
  method: string;
  /** Path without the `/api/v3` prefix, with the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text (for secret greps) and its JSON parse when it is JSON. */
  rawBody: string;
  body: unknown;
  status: number;
  /** When the request arrived (ms since epoch): retry-after waits are measured from these. */
  at: number;
}

export interface InjectedFailure {
  method?: string;
  /** Matches the path (without `/api/v3`). */
  path: RegExp;
  status: number;
  /** Seconds, sent as `retry-after` (for 429/403 secondary rate limits). */
  retryAfter?: number;
  /** How many matching requests fail; unlimited when omitted. */
  times?: number;
  /** Fails matching requests for this long from now (an outage window), then stops. */
  forMs?: number;
  message?: string;
  /**
   * The request is carried out (state changes as on success) and only the answer is the failure:
   * GitHub's 502/504 after a write went through, or a connection lost before the answer.
   */
  applied?: boolean;
  /** Extra response headers (e.g. `x-ratelimit-remaining: 0` and `x-ratelimit-reset`). */
  headers?: Record<string, string>;
}

export interface RepoState {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  private: boolean;
  cloneUrl: string;
  /** `.github/upstash-guard.yml` and friends: path → text. */
  files: Map<string, string>;
  /** Open pull requests; `headSha` answers `commits/:sha/pulls`. */
  pulls: Array<{
    number: number;
    headSha: string;
    headRef: string;
    baseRef: string;
    baseSha?: string;
  }>;
  /** Branch name → head sha, for `GET /repos/:o/:r/branches/:branch`. */
  branches: Map<string, string>;
  archived: boolean;
  fork: boolean;
  /**
   * The installation it is installed on: `GET /installation/repositories` lists it only to that
   * installation's tokens. Unset: listed to every installation.
   */
  installationId?: number;
}

export interface CheckRunState {
  id: number;
  repo: string;
  head_sha: string;
  name: string;
  external_id?: string;
  status: string;
  conclusion?: string | null;
  output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
  /** Every annotation ever sent for this check run (GitHub appends them across PATCHes). */
  annotations: unknown[];
  history: unknown[];
}

export interface CommentState {
  id: number;
  repo: string;
  body: string;
  /** Issue number for PR comments, commit sha for commit comments. */
  target: number | string;
  path?: string;
  line?: number;
  user: { login: string; type: string };
  edits: string[];
}

/** One attempt of a webhook delivery, as `GET /app/hook/deliveries` lists it. */
export interface DeliveryAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  status: string;
  event: string;
  action: string | null;
}

export interface GitHubDouble {
  /** `http://127.0.0.1:<port>` (no prefix). */
  origin: string;
  /** `127.0.0.1:<port>`, for GHE_HOST. */
  host: string;
  /** `http://127.0.0.1:<port>/api/v3`. */
  apiUrl: string;
  requests: RecordedRequest[];
  checkRuns: CheckRunState[];
  issueComments: CommentState[];
  commitComments: CommentState[];
  /** Installation tokens handed out, newest last. */
  tokens: string[];
  /**
   * What an installation grants, as GitHub lists it (`{ checks: 'write', contents: 'read' }`):
   * writes its tokens make beyond it are refused 403 "Resource not accessible by integration",
   * as GitHub does. Its tokens' responses list it, unless `listed` is false (GitHub Enterprise
   * versions whose response has no `permissions`). Installations never set grant everything and
   * their token responses list `permissions: {}`.
   */
  setPermissions(
    installationId: number,
    permissions: Record<string, string>,
    opts?: { listed?: boolean },
  ): void;
  addRepo(repo: Partial<RepoState> & { owner: string; name: string; cloneUrl: string }): RepoState;
  fail(failure: InjectedFailure): void;
  /**
   * Answers matching requests late: the answer is made when the request arrives (a listing shows
   * what existed then) and sent `ms` later, as from a slow GitHub or network.
   */
  hold(h: { method?: string; path: RegExp; ms: number; times?: number }): void;
  /**
   * Serves git at this origin, as GitHub (and GHE) do: every path outside `/api/v3` is forwarded
   * to the given git HTTP server. The App builds clone URLs from GHE_HOST, so e2e tests point both
   * the API and git at this one origin.
   */
  serveGitFrom(gitBaseUrl: string): void;
  /** Ends every injected failure (GitHub is back). */
  clearFailures(): void;
  /** `<origin>/<owner>/<name>.git`: the URL the App fetches from. */
  cloneUrl(owner: string, name: string): string;
  /** Latency added to every answer, in ms. */
  setLatency(ms: number): void;
  /** Largest page an org/user repository list returns (GitHub: 100), to force pagination. */
  setMaxPerPage(n: number): void;
  /** Makes `login` a user account (owners are organisations by default); `viewer` is `GET /user`. */
  setUser(login: string, opts?: { viewer?: boolean }): void;
  /** Login the app's comments carry (so the app recognises its own). */
  appLogin: string;
  /** Webhook delivery attempts (`GET /app/hook/deliveries`), oldest first. */
  deliveries: DeliveryAttempt[];
  /**
   * Records a delivery GitHub made (as it would have, e.g. while the App was down: `status` 502
   * or 0), `agoMs` before now. `POST /app/hook/deliveries/{id}/attempts` delivers `payload` again
   * to the webhook set by `setWebhook`, signed, and records that attempt's answer.
   */
  addDelivery(d: {
    event: string;
    payload: Record<string, unknown>;
    status: number;
    agoMs?: number;
  }): DeliveryAttempt;
  setWebhook(url: string, secret: string): void;
  close(): Promise<void>;
}

type Answer = [number, unknown] | [number, unknown, Record<string, string>];
type Handler = (m: RegExpMatchArray, req: RecordedRequest) => Answer | Promise<Answer>;

let tokenCounter = 0;

export async function startGitHubDouble(
  opts: {
    appSlug?: string;
    latencyMs?: number;
    /** Answers first (e.g. the OAuth double); false passes the request on to this double. */
    front?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  } = {},
): Promise<GitHubDouble> {
  const appSlug = opts.appSlug ?? 'upstash-guard';
  const appLogin = `${appSlug}[bot]`;
  const requests: RecordedRequest[] = [];
  const failures: (InjectedFailure & { until?: number })[] = [];
  const holds: { method?: string; path: RegExp; ms: number; times?: number }[] = [];
  const repos = new Map<string, RepoState>();
  const checkRuns: CheckRunState[] = [];
  const issueComments: CommentState[] = [];
  const commitComments: CommentState[] = [];
  const tokens: string[] = [];
  const grants = new Map<number, { permissions: Record<string, string>; listed: boolean }>();
  const installationOfToken = new Map<string, number>();
  let latency = opts.latencyMs ?? 0;
  let nextId = 1000;
  const users = new Set<string>();
  let maxPerPage = 100;
  let viewer: string | undefined;
  let origin = '';
  const deliveries: DeliveryAttempt[] = [];
  const deliveryPayloads = new Map<string, { event: string; payload: Record<string, unknown> }>();
  let webhook: { url: string; secret: string } | undefined;
  const attempt = (
    guid: string,
    event: string,
    payload: Record<string, unknown>,
    status: number,
    at: number,
    redelivery: boolean,
  ): DeliveryAttempt => {
    const a: DeliveryAttempt = {
      id: nextId++,
      guid,
      delivered_at: new Date(at).toISOString(),
      redelivery,
      status_code: status,
      status:
        status >= 200 && status < 300
          ? 'OK'
          : status === 0
            ? 'timed out'
            : `Invalid HTTP Response: ${status}`,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
    };
    deliveries.push(a);
    deliveryPayloads.set(guid, { event, payload });
    return a;
  };

  const bot = { login: appLogin, type: 'Bot', id: 1 };
  const repoOf = (o: string, r: string): RepoState | undefined => repos.get(`${o}/${r}`);
  const repoJson = (s: RepoState): Record<string, unknown> => ({
    id: s.id,
    name: s.name,
    full_name: `${s.owner}/${s.name}`,
    owner: { login: s.owner, id: 1, type: users.has(s.owner) ? 'User' : 'Organization' },
    private: s.private,
    default_branch: s.defaultBranch,
    clone_url: s.cloneUrl,
    html_url: `${origin}/${s.owner}/${s.name}`,
    archived: s.archived,
    fork: s.fork,
  });
  /** One page of a list, with GitHub's Link header (`per_page` default 30, max 100). */
  const page = (
    req: RecordedRequest,
    all: RepoState[],
  ): [number, unknown, Record<string, string>] => {
    const url = new URL(req.path, 'http://x');
    const per = Math.min(maxPerPage, Number(url.searchParams.get('per_page') ?? 30));
    const n = Number(url.searchParams.get('page') ?? 1);
    const items = all.slice((n - 1) * per, n * per).map(repoJson);
    const headers: Record<string, string> = {};
    if (n * per < all.length) {
      url.searchParams.set('page', String(n + 1));
      headers.link = `<${origin}/api/v3${url.pathname}${url.search}>; rel="next"`;
    }
    return [200, items, headers];
  };
  const ownedBy = (login: string): RepoState[] =>
    [...repos.values()].filter((r) => r.owner.toLowerCase() === login.toLowerCase());
  const ownerExists = (login: string): boolean => users.has(login) || ownedBy(login).length > 0;
  const commentJson = (c: CommentState): Record<string, unknown> => ({
    id: c.id,
    node_id: `C_${c.id}`,
    body: c.body,
    user: c.user,
    html_url: `${origin}/${c.repo}/comment/${c.id}`,
    ...(c.path ? { path: c.path, line: c.line ?? null, commit_id: c.target } : {}),
  });
  const checkRunJson = (c: CheckRunState): Record<string, unknown> => ({
    id: c.id,
    head_sha: c.head_sha,
    name: c.name,
    external_id: c.external_id ?? null,
    status: c.status,
    conclusion: c.conclusion ?? null,
    output: { ...c.output, annotations_count: c.annotations.length },
    app: { id: 1, slug: appSlug },
    html_url: `${origin}/${c.repo}/runs/${c.id}`,
  });
  const bodyOf = (req: RecordedRequest): Record<string, unknown> =>
    (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  const notFound: [number, unknown] = [404, { message: 'Not Found' }];

  const routes: Array<[string, RegExp, Handler]> = [
    [
      'POST',
      /^\/app\/installations\/(\d+)\/access_tokens$/,
      (m) => {
        const token = `ghs_double${String(++tokenCounter).padStart(4, '0')}${'x'.repeat(26)}`;
        tokens.push(token);
        installationOfToken.set(token, Number(m[1]));
        const expires = new Date(Date.now() + 3600_000).toISOString();
        const grant = grants.get(Number(m[1]));
        const listed = grant
          ? grant.listed
            ? { permissions: { ...grant.permissions } }
            : {}
          : { permissions: {} };
        return [201, { token, expires_at: expires, ...listed, repository_selection: 'all' }];
      },
    ],
    [
      'GET',
      /^\/app\/hook\/deliveries(?:\?.*)?$/,
      (_m, req) => {
        const q = new URL(req.path, 'http://x').searchParams;
        const per = Math.min(100, Number(q.get('per_page') ?? 30));
        const from = Number(q.get('cursor') ?? 0);
        const newestFirst = [...deliveries].reverse();
        const page = newestFirst.slice(from, from + per);
        const headers: Record<string, string> =
          from + per < newestFirst.length
            ? {
                link: `<${origin}/api/v3/app/hook/deliveries?per_page=${per}&cursor=${from + per}>; rel="next"`,
              }
            : {};
        return [200, page, headers];
      },
    ],
    [
      'POST',
      /^\/app\/hook\/deliveries\/(\d+)\/attempts$/,
      async (m) => {
        const d = deliveries.find((x) => x.id === Number(m[1]));
        const sent = d && deliveryPayloads.get(d.guid);
        if (!d || !sent) return notFound;
        const target = webhook;
        // Delivered after the answer, as GitHub does; the attempt is listed once answered.
        setTimeout(() => {
          const at = Date.now();
          void (
            target
              ? deliver(target.url, sent.event, sent.payload, {
                  secret: target.secret,
                  deliveryId: d.guid,
                }).then(
                  (r) => r.status,
                  () => 0,
                )
              : Promise.resolve(0)
          ).then((status) => attempt(d.guid, sent.event, sent.payload, status, at, true));
        }, 10);
        return [202, {}];
      },
    ],
    [
      'GET',
      /^\/app$/,
      () => [200, { id: 1, slug: appSlug, name: appSlug, owner: { login: 'acme' } }],
    ],
    [
      'GET',
      /^\/users\/([^/]+)$/,
      (m) => {
        const login = decodeURIComponent(m[1]!);
        if (!ownerExists(login)) return notFound;
        return [200, { login, id: 7, type: users.has(login) ? 'User' : 'Organization' }];
      },
    ],
    [
      'GET',
      /^\/user$/,
      () =>
        viewer
          ? [200, { login: viewer, id: 7, type: 'User' }]
          : [401, { message: 'Requires authentication' }],
    ],
    [
      'GET',
      /^\/orgs\/([^/]+)\/repos$/,
      (m, req) => {
        const org = decodeURIComponent(m[1]!);
        if (users.has(org) || !ownerExists(org)) return notFound;
        return page(req, ownedBy(org));
      },
    ],
    [
      'GET',
      /^\/users\/([^/]+)\/repos$/,
      (m, req) => {
        const login = decodeURIComponent(m[1]!);
        if (!ownerExists(login)) return notFound;
        return page(
          req,
          ownedBy(login).filter((r) => !r.private),
        );
      },
    ],
    [
      'GET',
      /^\/user\/repos$/,
      (_m, req) =>
        viewer ? page(req, ownedBy(viewer)) : [401, { message: 'Requires authentication' }],
    ],
    [
      'GET',
      /^\/installation\/repositories/,
      (_m, req) => {
        // Paged like GitHub (per_page, page, a Link header to the next page).
        const auth = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
        const installation = installationOfToken.get(auth);
        const listed = [...repos.values()].filter(
          (r) => r.installationId === undefined || r.installationId === installation,
        );
        const [status, items, headers] = page(req, listed);
        return [status, { total_count: listed.length, repositories: items }, headers];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/contents\/([^?]+)/,
      (m, req) => {
        const s = repoOf(m[1]!, m[2]!);
        const text = s?.files.get(decodeURIComponent(m[3]!));
        if (!s || text === undefined) return notFound;
        // ETag revalidation like GitHub's: a matching If-None-Match gets 304 without a body.
        const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
        if (req.headers['if-none-match'] === etag) return [304, undefined, { etag }];
        return [
          200,
          {
            type: 'file',
            encoding: 'base64',
            path: m[3],
            name: m[3]!.split('/').at(-1),
            size: Buffer.byteLength(text),
            sha: 'f'.repeat(40),
            content: Buffer.from(text).toString('base64'),
          },
          { etag },
        ];
      },
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/,
      (m, req) => {
        const b = bodyOf(req);
        const output = (b.output ?? {}) as CheckRunState['output'];
        const run: CheckRunState = {
          id: ++nextId,
          repo: `${m[1]}/${m[2]}`,
          head_sha: String(b.head_sha),
          name: String(b.name),
          ...(typeof b.external_id === 'string' ? { external_id: b.external_id } : {}),
          status: String(b.status ?? 'queued'),
          conclusion: (b.conclusion as string | undefined) ?? null,
          output,
          annotations: [...(output?.annotations ?? [])],
          history: [b],
        };
        checkRuns.push(run);
        return [201, checkRunJson(run)];
      },
    ],
    [
      'PATCH',
      /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/,
      (m, req) => {
        const run = checkRuns.find((c) => c.id === Number(m[3]));
        if (!run) return notFound;
        const b = bodyOf(req);
        run.history.push(b);
        if (b.status !== undefined) run.status = String(b.status);
        if (b.conclusion !== undefined) {
          run.conclusion = b.conclusion as string;
          run.status = 'completed';
        }
        if (b.output) {
          const output = b.output as NonNullable<CheckRunState['output']>;
          run.output = output;
          run.annotations.push(...(output.annotations ?? []));
        }
        return [200, checkRunJson(run)];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-runs/,
      (m, req) => {
        const name = new URL(req.path, 'http://x').searchParams.get('check_name');
        const list = checkRuns.filter(
          (c) => c.repo === `${m[1]}/${m[2]}` && c.head_sha === m[3] && (!name || c.name === name),
        );
        return [200, { total_count: list.length, check_runs: list.map(checkRunJson) }];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments/,
      (m) => [
        200,
        issueComments
          .filter((c) => c.repo === `${m[1]}/${m[2]}` && c.target === Number(m[3]))
          .map(commentJson),
      ],
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (m, req) => {
        const c: CommentState = {
          id: ++nextId,
          repo: `${m[1]}/${m[2]}`,
          body: String(bodyOf(req).body),
          target: Number(m[3]),
          user: bot,
          edits: [],
        };
        issueComments.push(c);
        return [201, commentJson(c)];
      },
    ],
    [
      'PATCH',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      (m, req) => {
        const c = issueComments.find((x) => x.id === Number(m[3]));
        if (!c) return notFound;
        c.edits.push(c.body);
        c.body = String(bodyOf(req).body);
        return [200, commentJson(c)];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/comments/,
      (m) => [
        200,
        commitComments
          .filter((c) => c.repo === `${m[1]}/${m[2]}` && c.target === m[3])
          .map(commentJson),
      ],
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/comments$/,
      (m, req) => {
        const b = bodyOf(req);
        const c: CommentState = {
          id: ++nextId,
          repo: `${m[1]}/${m[2]}`,
          body: String(b.body),
          target: m[3]!,
          ...(typeof b.path === 'string' ? { path: b.path } : {}),
          ...(typeof b.line === 'number' ? { line: b.line } : {}),
          user: bot,
          edits: [],
        };
        commitComments.push(c);
        return [201, commentJson(c)];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/pulls/,
      (m) => {
        const s = repoOf(m[1]!, m[2]!);
        if (!s) return notFound;
        return [200, s.pulls.filter((p) => p.headSha === m[3]).map((p) => pullJson(s, p))];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/,
      (m) => {
        const sha = repoOf(m[1]!, m[2]!)?.branches.get(decodeURIComponent(m[3]!));
        if (!sha) return notFound;
        return [200, { name: decodeURIComponent(m[3]!), commit: { sha }, protected: false }];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/,
      async (m) => {
        // The PR's head as GitHub has it: a listed PR's, else what refs/pull/N/head is on the git
        // server (the tests push it before they send the PR's webhook).
        const s = repoOf(m[1]!, m[2]!);
        if (!s) return notFound;
        const n = Number(m[3]);
        const listed = s.pulls.find((p) => p.number === n);
        if (listed) return [200, pullJson(s, listed)];
        const head = await pushedRef(s, `refs/pull/${n}/head`);
        if (!head) return notFound;
        return [
          200,
          pullJson(s, { number: n, headSha: head, headRef: 'feature', baseRef: s.defaultBranch }),
        ];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
      (m) => {
        const s = repoOf(m[1]!, m[2]!);
        if (!s) return notFound;
        return [200, s.pulls.map((p) => pullJson(s, p))];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)$/,
      (m) => {
        const s = repoOf(m[1]!, m[2]!);
        return s ? [200, repoJson(s)] : notFound;
      },
    ],
  ];

  const pullJson = (s: RepoState, p: RepoState['pulls'][number]): Record<string, unknown> => ({
    number: p.number,
    state: 'open',
    head: { sha: p.headSha, ref: p.headRef, repo: repoJson(s) },
    base: { ref: p.baseRef, ...(p.baseSha ? { sha: p.baseSha } : {}), repo: repoJson(s) },
  });

  let gitBase: string | undefined;
  /** A ref's sha on the git server this double serves (its advertisement), or undefined. */
  const pushedRef = async (s: RepoState, ref: string): Promise<string | undefined> => {
    const token = tokens.at(-1);
    if (!gitBase || !token) return undefined;
    const url = new URL(`/${s.owner}/${s.name}.git/info/refs?service=git-upload-pack`, gitBase);
    const res = await fetch(url, { headers: { authorization: basicAuthHeader(token) } }).catch(
      () => undefined,
    );
    if (!res?.ok) return undefined;
    const text = await res.text();
    return text.match(new RegExp(`([0-9a-f]{40}) ${ref.replace(/\//g, '\\/')}(?:\\s|\\0|$)`))?.[1];
  };
  const proxyGit = (req: IncomingMessage, res: ServerResponse, base: string): void => {
    const target = new URL(req.url ?? '/', base);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(upstream);
  };

  /** The write needs a level the token's installation does not grant (report writes only). */
  const refusedByGrant = (req: RecordedRequest, pathOnly: string): boolean => {
    if (req.method === 'GET' || req.method === 'HEAD') return false;
    const auth = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    const installation = installationOfToken.get(auth);
    const grant = installation === undefined ? undefined : grants.get(installation);
    if (!grant) return false;
    const writes = (name: string): boolean => grant.permissions[name] === 'write';
    if (/^\/repos\/[^/]+\/[^/]+\/check-runs(\/|$)/.test(pathOnly)) return !writes('checks');
    if (/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+\/)?comments(\/|$)/.test(pathOnly))
      return !writes('pull_requests') && !writes('issues');
    if (/^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+\/comments$/.test(pathOnly))
      return !writes('contents');
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (gitBase && !(req.url ?? '/').startsWith('/api/v3/')) {
      proxyGit(req, res, gitBase);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').replace(/^\/api\/v3/, '');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      rawBody,
      body,
      status: 0,
      at: Date.now(),
    };
    requests.push(record);
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const hold = holds.find(
      (x) =>
        (x.times === undefined || x.times > 0) &&
        (!x.method || x.method === record.method) &&
        x.path.test(path),
    );
    if (hold?.times !== undefined) hold.times -= 1;
    const send = (status: number, json: unknown, extra: Record<string, string> = {}): void => {
      record.status = status;
      if (hold) {
        const made = JSON.stringify(json);
        setTimeout(() => reply(status, made, extra), hold.ms);
      } else reply(status, json === undefined ? '' : JSON.stringify(json), extra);
    };
    const reply = (status: number, text: string, extra: Record<string, string>): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        // Rate-limit headers like GitHub's, so the app's headroom metric has something to read.
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(0, 5000 - requests.length)),
        'x-ratelimit-resource': 'core',
        ...extra,
      });
      res.end(text ?? '');
    };
    const failure = failures.find(
      (f) =>
        (f.times === undefined || f.times > 0) &&
        (f.until === undefined || Date.now() < f.until) &&
        (!f.method || f.method === record.method) &&
        f.path.test(path),
    );
    const pathOnly = path.split('?')[0]!;
    const route = async (): Promise<[number, unknown, Record<string, string>?] | undefined> => {
      for (const [method, re, handler] of routes) {
        if (method !== record.method) continue;
        const m = pathOnly.match(re);
        if (m) return handler(m, record);
      }
      return undefined;
    };
    if (failure) {
      if (failure.times !== undefined) failure.times -= 1;
      if (failure.applied) await route();
      const extra: Record<string, string> =
        failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
      if (failure.status === 429 || failure.status === 403) extra['x-ratelimit-remaining'] = '1';
      send(
        failure.status,
        { message: failure.message ?? `injected ${failure.status}` },
        { ...extra, ...failure.headers },
      );
      return;
    }
    const refused = refusedByGrant(record, pathOnly);
    if (refused) {
      send(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    const answer = await route();
    if (answer) {
      const [status, json, headers] = answer;
      send(status, json, headers);
      return;
    }
    send(404, { message: `Not Found (double has no route for ${record.method} ${path})` });
  };

  const server: Server = createServer((req, res) => {
    const front = opts.front ? opts.front(req, res) : Promise.resolve(false);
    front
      .then((done) => (done ? undefined : handle(req, res)))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  let repoIds = 500;
  return {
    origin,
    host: `127.0.0.1:${port}`,
    apiUrl: `${origin}/api/v3`,
    requests,
    checkRuns,
    issueComments,
    commitComments,
    tokens,
    appLogin,
    addRepo(repo) {
      const state: RepoState = {
        id: ++repoIds,
        defaultBranch: 'main',
        private: true,
        files: new Map(),
        pulls: [],
        branches: new Map(),
        archived: false,
        fork: false,
        ...repo,
      };
      repos.set(`${repo.owner}/${repo.name}`, state);
      return state;
    },
    setPermissions(installationId, permissions, o = {}) {
      grants.set(installationId, { permissions: { ...permissions }, listed: o.listed ?? true });
    },
    hold(h) {
      holds.push({ ...h });
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
    serveGitFrom(base) {
      gitBase = base;
    },
    cloneUrl: (owner, name) => `${origin}/${owner}/${name}.git`,
    setLatency(ms) {
      latency = ms;
    },
    setMaxPerPage(n) {
      maxPerPage = n;
    },
    deliveries,
    addDelivery(d) {
      return attempt(
        randomUUID(),
        d.event,
        d.payload,
        d.status,
        Date.now() - (d.agoMs ?? 0),
        false,
      );
    },
    setWebhook(url, secret) {
      webhook = { url, secret };
    },
    setUser(login, opts = {}) {
      users.add(login);
      if (opts.viewer) viewer = login;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
