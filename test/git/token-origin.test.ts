/**
 * The installation token goes only to the configured GitHub (issue 9 §1): a clone URL on another
 * origin is refused before git starts, a redirect is not followed, the header is scoped to the
 * origin, and the cache is keyed by installation, repository id and full name so that one
 * repository's id under another name never reaches its clone.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKeyFor, RepoCache } from '../../src/git/repo-cache.js';
import { cloneUrlFor, githubOrigin, parseFullName } from '../../src/github/repo-name.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { startLoopbackGitServer, type LoopbackGitServer } from './loopback-git-server.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();

/** Any HTTP server that records what reaches it (the "evil" origin). */
async function recorder(answer: (req: IncomingMessage) => [number, Record<string, string>]) {
  const seen: { url: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const [status, headers] = answer(req);
    res.writeHead(status, headers).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    origin,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('the token goes only to the configured GitHub', () => {
  let root: string;
  let cacheDir: string;
  let server: LoopbackGitServer;
  let app: TestRepo;
  let other: TestRepo;
  let origin: string;
  const token = `ghs_${randomBytes(18).toString('hex')}`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ug-origin-root-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'ug-origin-cache-'));
    server = await startLoopbackGitServer(root);
    origin = new URL(server.url('x')).origin;
    app = createRepo();
    app.write('a.txt', 'a\n');
    app.commit('a');
    other = createRepo();
    other.write('b.txt', 'foreign\n');
    other.commit('foreign');
    mkdirSync(join(root, 'acme'));
    git(root, 'clone', '-q', '--bare', app.dir, 'acme/app.git');
    git(root, 'clone', '-q', '--bare', other.dir, 'acme/other.git');
  });
  afterAll(async () => {
    await server.close();
    app.cleanup();
    other.cleanup();
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('refuses a clone URL on another origin before any request is made', async () => {
    const evil = await recorder(() => [404, {}]);
    try {
      const cache = new RepoCache(cacheDir, { tokenOrigin: origin });
      await expect(
        cache.ensure({ key: 'evil', cloneUrl: `${evil.origin}/evil/repo.git`, token }),
      ).rejects.toThrow(/origin/);
      expect(evil.seen).toEqual([]);
    } finally {
      await evil.close();
    }
  });

  it('does not follow a redirect to another origin, so the header never travels there', async () => {
    const evil = await recorder(() => [404, {}]);
    const redirector = await recorder((req) => [
      302,
      { location: `${evil.origin}${req.url ?? '/'}` },
    ]);
    try {
      const cache = new RepoCache(cacheDir, { tokenOrigin: redirector.origin });
      await expect(
        cache.ensure({ key: 'redirect', cloneUrl: `${redirector.origin}/acme/app.git`, token }),
      ).rejects.toThrow();
      expect(redirector.seen.length).toBeGreaterThan(0);
      expect(evil.seen).toEqual([]);
    } finally {
      await Promise.all([evil.close(), redirector.close()]);
    }
  });

  it('keys the cache by installation, id and full name: one id under two names is two clones', async () => {
    const cache = new RepoCache(cacheDir, { tokenOrigin: origin });
    server.requireAuthorization = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const victim = { installationId: 1, repoId: 900, owner: 'acme', repo: 'app' };
    const spoof = { installationId: 1, repoId: 900, owner: 'acme', repo: 'other' };
    expect(cacheKeyFor(victim)).not.toBe(cacheKeyFor(spoof));
    expect(cacheKeyFor(victim)).not.toBe(cacheKeyFor({ ...victim, installationId: 2 }));
    const spoofDir = await cache.ensure({
      key: cacheKeyFor(spoof),
      cloneUrl: cloneUrlFor(origin, spoof),
      token,
    });
    const victimDir = await cache.ensure({
      key: cacheKeyFor(victim),
      cloneUrl: cloneUrlFor(origin, victim),
      token,
    });
    expect(victimDir).not.toBe(spoofDir);
    expect(git(victimDir, 'rev-parse', 'refs/heads/main')).toBe(app.head());
    // The foreign commit is not in the victim's clone.
    expect(() => git(victimDir, 'cat-file', '-e', `${other.head()}^{commit}`)).toThrow();
  });
});

describe('repository names and the GitHub origin', () => {
  it('accepts owner/name and rejects everything that could bend a URL or a path', () => {
    expect(parseFullName('acme/app')).toEqual({ owner: 'acme', repo: 'app' });
    expect(parseFullName('Acme-1/my.repo_x-y')).toEqual({ owner: 'Acme-1', repo: 'my.repo_x-y' });
    for (const bad of [
      'acme',
      'acme/app/extra',
      '../app',
      'acme/..',
      'acme/.',
      'acme/a..b',
      'acme/app@evil.com',
      'evil.com@acme/app',
      'acme/app?x=1',
      'acme/app#x',
      'acme/app%2f..',
      'acme/app:1',
      'acme /app',
      '-acme/app',
      'acme/',
      '/app',
      'a\\b/app',
      'acme/app\n',
      `acme/${'a'.repeat(101)}`,
      `${'a'.repeat(40)}/app`,
      undefined,
      42,
    ])
      expect(parseFullName(bad)).toBeUndefined();
  });

  it('builds the clone URL from the configured origin only', () => {
    expect(githubOrigin({})).toBe('https://github.com');
    expect(githubOrigin({ GHE_HOST: 'ghe.example.com' })).toBe('https://ghe.example.com');
    expect(githubOrigin({ GHE_HOST: '127.0.0.1:8080', GHE_PROTOCOL: 'http' })).toBe(
      'http://127.0.0.1:8080',
    );
    for (const host of ['evil.com/x', 'a@evil.com', 'evil.com?', 'https://evil.com', ''])
      if (host) expect(() => githubOrigin({ GHE_HOST: host })).toThrow();
    expect(() => githubOrigin({ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'file' })).toThrow();
    expect(cloneUrlFor('https://github.com', { owner: 'acme', repo: 'app' })).toBe(
      'https://github.com/acme/app.git',
    );
    expect(() => cloneUrlFor('https://github.com', { owner: 'acme', repo: '../x' })).toThrow();
  });
});
