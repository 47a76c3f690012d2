/**
 * `scan --github-org` end to end in-process: repositories listed from a loopback GitHub API double
 * (paginated), cloned over git smart HTTP from a loopback server that demands the token as a
 * header, scanned, and reported per repository plus a summary. The token never appears in a URL,
 * an argument, an output or a report, and is never sent to a host other than the configured one.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  basicAuthHeader,
  startGitHttpServer,
  type GitHttpServer,
} from '../helpers/git-http-server.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisEndpoint, redisToken } from '../helpers/synthetic.js';
import { githubTarget, safeSegment } from '../../src/org-scan/org-scan-command.js';
import { cli } from './cli-harness.js';

const TOKEN = `ghp_${'t3st'.repeat(9)}`;

function readTree(dir: string): string {
  let all = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) all += readFileSync(join(e.parentPath, e.name), 'utf8');
  return all;
}

describe('upstash-guard scan --github-org', () => {
  let api: GitHubDouble;
  let git: GitHttpServer;
  let elsewhere: GitHttpServer;
  let out: string;
  const locals: TestRepo[] = [];
  const secrets: string[] = [];

  /** A repository with `files` committed (then `removed` deleted), served at owner/name. */
  function serve(
    server: GitHttpServer,
    owner: string,
    name: string,
    files: Record<string, string>,
    removed: string[] = [],
  ) {
    const r = createRepo();
    locals.push(r);
    r.write('README.md', `${name}\n`);
    for (const [p, text] of Object.entries(files)) r.write(p, text);
    r.commit('init');
    for (const p of removed) r.remove(p);
    if (removed.length) r.commit('remove');
    r.git('clone', '-q', '--bare', r.dir, server.repoDir(owner, name));
    return server.cloneUrl(owner, name);
  }

  beforeAll(async () => {
    api = await startGitHubDouble();
    api.setMaxPerPage(2);
    git = await startGitHttpServer();
    elsewhere = await startGitHttpServer();
    git.requireAuth([basicAuthHeader(TOKEN)]);
    const token = redisToken({ dbId: 7001 });
    const qstash = qstashToken();
    secrets.push(token, qstash, TOKEN);
    const env = `UPSTASH_REDIS_REST_URL=${redisEndpoint(7001)}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
    api.addRepo({
      owner: 'acme',
      name: 'api',
      cloneUrl: serve(git, 'acme', 'api', { '.env': env }, ['.env']),
    });
    api.addRepo({
      owner: 'acme',
      name: 'web',
      cloneUrl: serve(git, 'acme', 'web', { 'a.ts': 'ok\n' }),
    });
    api.addRepo({
      owner: 'acme',
      name: 'old',
      archived: true,
      cloneUrl: serve(git, 'acme', 'old', { 'q.ts': `QSTASH_TOKEN=${qstash}\n` }),
    });
    api.addRepo({
      owner: 'acme',
      name: 'forked',
      fork: true,
      cloneUrl: serve(git, 'acme', 'forked', { 'b.ts': 'ok\n' }),
    });
    // Listed by the API, but its clone URL points at another host: the token must not go there.
    api.addRepo({
      owner: 'acme',
      name: 'mirror',
      cloneUrl: serve(elsewhere, 'acme', 'mirror', { '.env': env }),
    });
    // A broken config of its own does not stop the scan: defaults, and a warning in its report.
    api.addRepo({
      owner: 'acme',
      name: 'broken',
      cloneUrl: serve(git, 'acme', 'broken', {
        '.github/upstash-guard.yml': 'failOn: severe\n',
        'w.ts': `QSTASH_TOKEN=${qstash}\n`,
      }),
    });
    api.setUser('dev', { viewer: true });
    api.addRepo({
      owner: 'dev',
      name: 'dotfiles',
      private: true,
      cloneUrl: serve(git, 'dev', 'dotfiles', { '.env': env }),
    });
    out = mkdtempSync(join(tmpdir(), 'ug-org-out-'));
  });
  afterAll(async () => {
    await api.close();
    await git.close();
    await elsewhere.close();
    for (const r of locals) r.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  const flags = () => ['--github-url', git.baseUrl, '--github-api-url', api.apiUrl];
  const env = { GITHUB_TOKEN: TOKEN };

  test('lists (paginated), clones, scans and reports every repository, with a summary', async () => {
    const run = await cli(
      ['scan', '--github-org', 'acme', ...flags(), '-o', 'org', '--concurrency', '2'],
      {
        cwd: out,
        env,
      },
    );
    expect(run.code).toBe(1);
    // Six repositories over three pages of two.
    const lists = api.requests.filter((r) => r.path.startsWith('/orgs/acme/repos'));
    expect(lists.map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1')).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(lists.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
    const lines = run.stdout.split('\n');
    const row = (name: string) => lines.find((l) => l.startsWith(`acme/${name} `)) ?? '';
    expect(row('api')).toMatch(/1 credential \(1 high\)/);
    expect(row('web')).toMatch(/clean/);
    expect(row('old')).toMatch(/1 credential/);
    expect(row('forked')).toMatch(/clean/);
    expect(row('mirror')).toMatch(
      /error: clone URL is on http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(run.stdout).toMatch(
      /✗ 3 of 6 repositories with findings at or above medium; 1 could not be scanned · reports in org/,
    );
    // Reports per repository, and the summary.
    for (const ext of ['txt', 'json', 'sarif'])
      expect(existsSync(join(out, 'org/acme/api.' + ext))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'org/acme/api.json'), 'utf8')) as {
      mode: string;
      findings: { presentAtHead: boolean; occurrences: { path: string }[] }[];
    };
    expect(report.mode).toBe('history');
    expect(report.findings[0]).toMatchObject({
      presentAtHead: false,
      occurrences: [{ path: '.env' }],
    });
    expect(readFileSync(join(out, 'org/acme/broken.txt'), 'utf8')).toMatch(
      /warning: invalid config \.github\/upstash-guard\.yml: failOn: .*; scanned with the defaults/,
    );
    expect(JSON.parse(readFileSync(join(out, 'org/acme/api.sarif'), 'utf8'))).toMatchObject({
      version: '2.1.0',
    });
    const summary = JSON.parse(readFileSync(join(out, 'org/summary.json'), 'utf8')) as {
      repositories: { repository: string; status: string; findings: number | null }[];
    };
    expect(summary.repositories.map((r) => [r.repository, r.status, r.findings])).toEqual([
      ['acme/api', 'scanned', 1],
      ['acme/broken', 'scanned', 1],
      ['acme/forked', 'scanned', 0],
      ['acme/mirror', 'error', null],
      ['acme/old', 'scanned', 1],
      ['acme/web', 'scanned', 0],
    ]);
    expect(readFileSync(join(out, 'org/summary.md'), 'utf8')).toContain(
      '| acme/api | 1 credential (1 high) |',
    );
    // The token: a Basic header to the configured host only; never in a URL, an output or a file.
    expect(git.requests.length).toBeGreaterThan(0);
    expect(
      git.requests.every((r) => r.authorization === basicAuthHeader(TOKEN) || r.status === 401),
    ).toBe(true);
    expect(git.requests.some((r) => r.url.includes(TOKEN))).toBe(false);
    expect(elsewhere.requests).toHaveLength(0);
    for (const s of secrets) {
      expect(run.stdout + run.stderr).not.toContain(s);
      expect(readTree(join(out, 'org'))).not.toContain(s);
    }
  });

  test('--skip-archived and --skip-forks, --format json summary on stdout', async () => {
    const run = await cli(
      [
        'scan',
        '--github-org',
        'acme',
        ...flags(),
        '-o',
        'org2',
        '--skip-archived',
        '--skip-forks',
        '--format',
        'json',
      ],
      { cwd: out, env, tty: true },
    );
    expect(run.code).toBe(1);
    // A progress line on the terminal, counted in repositories, cleared at the end.
    expect(run.stderr).toContain('\r\x1b[2Kscan: 0/4 repositories, 0%');
    expect(run.stderr.endsWith('\r\x1b[2K')).toBe(true);
    const doc = JSON.parse(run.stdout) as {
      repositories: { repository: string; status: string; reason: string | null }[];
    };
    expect(
      doc.repositories.filter((r) => r.status === 'skipped').map((r) => [r.repository, r.reason]),
    ).toEqual([
      ['acme/forked', 'fork'],
      ['acme/old', 'archived'],
    ]);
  });

  test('a user account: private repositories when the token is theirs', async () => {
    const run = await cli(['scan', '--github-org', 'dev', ...flags(), '-o', 'dev', '-q'], {
      cwd: out,
      env,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^dev\/dotfiles +1 credential/m);
    expect(api.requests.some((r) => r.path.startsWith('/user/repos'))).toBe(true);
  });

  test.each([
    [
      401,
      undefined,
      /GitHub rejected GITHUB_TOKEN \(401 injected 401\): it is expired, revoked or for another host/,
    ],
    [
      403,
      'API rate limit exceeded for user',
      /GitHub API rate limit reached \(403\): retry in 60 s/,
    ],
    [
      403,
      'Resource not accessible',
      /GitHub refused to list the repositories of "acme" \(403 Resource not accessible\): the token needs read access/,
    ],
  ])('GitHub answers %i: one clear line, exit 2', async (status, message, expected) => {
    api.fail({
      path: /^\/users\/acme$/,
      status,
      times: 1,
      retryAfter: 60,
      ...(message ? { message } : {}),
    });
    const run = await cli(['scan', '--github-org', 'acme', ...flags(), '-o', 'err'], {
      cwd: out,
      env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(expected);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain(TOKEN);
  });

  test('an unknown organisation, and no token', async () => {
    const run = await cli(['scan', '--github-org', 'nobody', ...flags()], { cwd: out, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `upstash-guard: no GitHub organisation or user named "nobody" at ${api.apiUrl}\n`,
    );
    const anon = await cli(['scan', '--github-org', 'acme', ...flags(), '-o', 'anon', '-q'], {
      cwd: out,
      env: {},
    });
    // The git server demands the token: every clone is refused, and the run says why.
    expect(anon.code).toBe(2);
    expect(anon.stdout).toMatch(/^acme\/api +error: git fetch was refused \(401\)/m);
  });

  test('report paths from API names stay inside the output directory', () => {
    expect(['api', '..', '.', 'a/../b', 'x.y-z_1'].map(safeSegment)).toEqual([
      'api',
      '_..',
      '_.',
      'a_.._b',
      'x.y-z_1',
    ]);
  });

  test('GitHub Enterprise: the API base follows the server URL (or the Actions variables)', () => {
    const org = { name: 'acme', skipArchived: false, skipForks: false };
    expect(githubTarget(org, {})).toEqual({
      server: 'https://github.com',
      api: 'https://api.github.com',
    });
    expect(githubTarget({ ...org, serverUrl: 'https://ghe.example.com/' }, {})).toEqual({
      server: 'https://ghe.example.com',
      api: 'https://ghe.example.com/api/v3',
    });
    expect(
      githubTarget(org, {
        GITHUB_SERVER_URL: 'https://ghe.example.com',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      }),
    ).toEqual({ server: 'https://ghe.example.com', api: 'https://ghe.example.com/api/v3' });
  });

  test('a pagination link to another host is not followed with the token', async () => {
    const seen: string[] = [];
    const listen = async (
      handler: Parameters<typeof createServer>[1],
    ): Promise<[Server, string]> => {
      const server = createServer(handler);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
    };
    const [other, otherUrl] = await listen((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    const [evil, evilUrl] = await listen((req, res) => {
      const json = { 'content-type': 'application/json' };
      if (req.url === '/users/acme')
        res.writeHead(200, json).end('{"login":"acme","type":"Organization"}');
      else
        res
          .writeHead(200, { ...json, link: `<${otherUrl}/orgs/acme/repos?page=2>; rel="next"` })
          .end('[]');
    });
    try {
      const run = await cli(
        ['scan', '--github-org', 'acme', '--github-url', git.baseUrl, '--github-api-url', evilUrl],
        {
          cwd: out,
          env,
        },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `upstash-guard: cannot reach the GitHub API at ${evilUrl}: refusing to follow a link to ${otherUrl}\n`,
      );
      expect(seen).toEqual([]);
    } finally {
      other.close();
      evil.close();
    }
  });
});
