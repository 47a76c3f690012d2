import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GitTimeoutError,
  RepoCache,
  RepoNotFoundError,
  RepoTooLargeError,
} from '../../src/git/repo-cache.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { startLoopbackGitServer, type LoopbackGitServer } from './loopback-git-server.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();

describe('RepoCache', () => {
  let root: string;
  let cacheDir: string;
  let server: LoopbackGitServer;
  let src: TestRepo;
  let token: string;
  let header: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ug-cache-root-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'ug-cache-'));
    server = await startLoopbackGitServer(root);
    src = createRepo();
    src.write('a.txt', 'a\n');
    src.commit('a');
    mkdirSync(join(root, 'acme'));
    git(root, 'clone', '-q', '--bare', src.dir, 'acme/app.git');
    token = `ghs_${randomBytes(18).toString('hex')}`;
    header = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  });
  afterAll(async () => {
    await server.close();
    src.cleanup();
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.requireAuthorization = header;
    server.delayMs = 0;
  });

  it('clones once, then fetches incrementally; the token travels only as a header', async () => {
    const cache = new RepoCache(cacheDir);
    const url = server.url('acme/app.git');
    const dir = await cache.ensure({ key: 'acme/app', cloneUrl: url, token });
    expect(git(dir, 'rev-parse', 'refs/heads/main')).toBe(src.head());
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorization === header)).toBe(true);
    expect(server.requests.some((r) => r.url.includes(token))).toBe(false);

    src.write('b.txt', 'b\n');
    const next = src.commit('b');
    git(join(root, 'acme/app.git'), 'fetch', '-q', src.dir, '+refs/heads/*:refs/heads/*');
    git(join(root, 'acme/app.git'), 'update-ref', 'refs/pull/7/head', next);
    const again = await cache.ensure({
      key: 'acme/app',
      cloneUrl: url,
      token,
      refspecs: ['+refs/pull/7/head:refs/pull/7/head'],
    });
    expect(again).toBe(dir);
    expect(git(dir, 'rev-parse', 'refs/heads/main')).toBe(next);
    expect(git(dir, 'rev-parse', 'refs/pull/7/head')).toBe(next);
    expect(git(dir, 'rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('serialises concurrent ensure() calls for one key', async () => {
    const cache = new RepoCache(cacheDir);
    const req = { key: 'acme/concurrent', cloneUrl: server.url('acme/app.git'), token };
    const dirs = await Promise.all([cache.ensure(req), cache.ensure(req), cache.ensure(req)]);
    expect(new Set(dirs).size).toBe(1);
    expect(git(dirs[0]!, 'rev-parse', 'refs/heads/main')).toBe(src.head());
  });

  it('refuses non-http(s) URLs, embedded credentials and option-like refspecs', async () => {
    const cache = new RepoCache(cacheDir);
    for (const cloneUrl of [
      `file://${join(root, 'acme/app.git')}`,
      'ssh://git@example.org/acme/app.git',
      'ext::sh -c touch% /tmp/pwned',
      'git@example.org:acme/app.git',
      `https://x-access-token:${token}@example.org/acme/app.git`,
    ]) {
      const err = await cache.ensure({ key: 'bad', cloneUrl, token }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).not.toContain(token);
    }
    await expect(
      cache.ensure({
        key: 'bad',
        cloneUrl: server.url('acme/app.git'),
        refspecs: ['--upload-pack=touch /tmp/x'],
      }),
    ).rejects.toThrow(/refspec/);
    expect(server.requests).toHaveLength(0);
  });

  it('types its failures and never puts the token in them', async () => {
    const cache = new RepoCache(cacheDir, { timeoutMs: 20_000 });
    const gone = await cache
      .ensure({ key: 'gone', cloneUrl: server.url('acme/missing.git'), token })
      .catch((e: Error) => e);
    expect(gone).toBeInstanceOf(RepoNotFoundError);

    const denied = await cache
      .ensure({ key: 'denied', cloneUrl: server.url('acme/app.git'), token: `${token}x` })
      .catch((e: Error) => e);
    expect(denied).toBeInstanceOf(Error);
    for (const e of [gone, denied]) {
      const text = `${(e as Error).message} ${(e as Error).stack ?? ''} ${JSON.stringify(e)}`;
      expect(text).not.toContain(token);
      expect(text).not.toContain(header.slice(6));
    }

    // git's messages quote the URL: a repository whose name (or a host whose port) holds 404 or
    // 410 is not gone when it answers 401 or 500. Calling it gone made the failure permanent: one
    // attempt, no retry, for a fault that passes.
    git(root, 'clone', '-q', '--bare', src.dir, 'acme/r404-410.git');
    const digits = await cache
      .ensure({ key: 'digits', cloneUrl: server.url('acme/r404-410.git'), token: `${token}x` })
      .catch((e: Error) => e);
    expect(digits).toBeInstanceOf(Error);
    expect(digits).not.toBeInstanceOf(RepoNotFoundError);
    expect((digits as Error).message).toMatch(/git fetch of \/acme\/r404-410\.git failed/);

    const tiny = new RepoCache(cacheDir, { maxBytes: 1 });
    await expect(
      tiny.ensure({ key: 'tiny', cloneUrl: server.url('acme/app.git'), token }),
    ).rejects.toBeInstanceOf(RepoTooLargeError);

    server.delayMs = 2_000;
    const slow = new RepoCache(cacheDir, { timeoutMs: 300 });
    const started = Date.now();
    await expect(
      slow.ensure({ key: 'slow', cloneUrl: server.url('acme/app.git'), token }),
    ).rejects.toBeInstanceOf(GitTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('fails a repository over maxBytes clearly and keeps nothing of it', async () => {
    const big = createRepo();
    try {
      big.write('blob.bin', randomBytes(3 * 1024 * 1024));
      big.commit('big');
      git(root, 'clone', '-q', '--bare', big.dir, 'acme/big.git');
      const dir = mkdtempSync(join(tmpdir(), 'ug-cache-big-'));
      const cache = new RepoCache(dir, { maxBytes: 1024 * 1024 });
      await expect(
        cache.ensure({ key: 'big', cloneUrl: server.url('acme/big.git'), token }),
      ).rejects.toBeInstanceOf(RepoTooLargeError);
      expect(readdirSync(dir)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      big.cleanup();
    }
  });

  it('keeps a cached repository whose name reads like corruption when a fetch is refused', async () => {
    // git quotes the URL in its errors: 'corrupt-packfile' in a refused fetch's message is a name,
    // not a damaged object store, and the clone must survive the outage.
    git(root, 'clone', '-q', '--bare', src.dir, 'acme/corrupt-packfile.git');
    const cache = new RepoCache(cacheDir);
    const url = server.url('acme/corrupt-packfile.git');
    const dir = await cache.ensure({ key: 'acme/corrupt-packfile', cloneUrl: url, token });
    await expect(
      cache.ensure({ key: 'acme/corrupt-packfile', cloneUrl: url, token: `${token}x` }),
    ).rejects.toThrow(/git fetch of \/acme\/corrupt-packfile\.git failed/);
    expect(git(dir, 'rev-parse', 'refs/heads/main')).toBe(src.head());
  });

  it('deletes a corrupt cache directory and clones again', async () => {
    const cache = new RepoCache(cacheDir);
    const req = { key: 'acme/corrupt', cloneUrl: server.url('acme/app.git'), token };
    const dir = await cache.ensure(req);
    writeFileSync(join(dir, 'HEAD'), 'garbage\n');
    rmSync(join(dir, 'objects'), { recursive: true, force: true });
    const again = await cache.ensure(req);
    expect(again).toBe(dir);
    expect(git(dir, 'rev-parse', 'refs/heads/main')).toBe(src.head());
  });
});
