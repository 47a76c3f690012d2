import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRepo } from '../helpers/git-repo.js';
import { basicAuthHeader, startGitHttpServer } from '../helpers/git-http-server.js';
import type { GitHttpServer } from '../helpers/git-http-server.js';

const ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

const run = promisify(execFile);

// Async on purpose: the server lives in this process, so a synchronous git would deadlock it.
async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: ENV, encoding: 'utf8' });
  return stdout.trim();
}

describe('git smart-HTTP test server', () => {
  let server: GitHttpServer;
  const temps: string[] = [];
  beforeAll(async () => {
    server = await startGitHttpServer();
  });
  afterAll(async () => {
    await server.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requireAuth(undefined);
    server.requests.length = 0;
  });

  it('accepts a push and serves a clone and an incremental fetch over HTTP', async () => {
    server.createBare('acme', 'app');
    const repo = createRepo();
    temps.push(repo.dir);
    repo.write('a.txt', 'one\n');
    const first = repo.commit('first');
    await git(['push', '-q', server.cloneUrl('acme', 'app'), 'main'], repo.dir);
    const clone = mkdtempSync(join(tmpdir(), 'ug-clone-'));
    temps.push(clone);
    await git(['clone', '-q', '--bare', server.cloneUrl('acme', 'app'), clone]);
    expect(await git(['rev-parse', 'main'], clone)).toBe(first);
    repo.write('a.txt', 'two\n');
    const second = repo.commit('second');
    await git(['push', '-q', server.cloneUrl('acme', 'app'), 'main'], repo.dir);
    await git(['fetch', '-q', 'origin', '+refs/heads/*:refs/heads/*'], clone);
    expect(await git(['rev-parse', 'main'], clone)).toBe(second);
    expect(server.requests.some((r) => r.url.includes('git-upload-pack'))).toBe(true);
    expect(server.requests.some((r) => r.url.includes('git-receive-pack'))).toBe(true);
  });

  it('requires the Authorization header when told to, and records its scheme', async () => {
    server.createBare('acme', 'private');
    const repo = createRepo();
    temps.push(repo.dir);
    repo.write('b.txt', 'x\n');
    repo.commit('x');
    await git(['push', '-q', server.cloneUrl('acme', 'private'), 'main'], repo.dir);
    const token = 'ghs_testInstallationToken0123456789';
    server.requireAuth([basicAuthHeader(token)]);
    server.requests.length = 0;
    const denied = mkdtempSync(join(tmpdir(), 'ug-clone-'));
    temps.push(denied);
    await expect(
      git(['clone', '-q', '--bare', server.cloneUrl('acme', 'private'), join(denied, 'r')]),
    ).rejects.toThrow();
    expect(server.requests.at(-1)?.status).toBe(401);

    const ok = mkdtempSync(join(tmpdir(), 'ug-clone-'));
    temps.push(ok);
    await git([
      '-c',
      `http.extraHeader=Authorization: ${basicAuthHeader(token)}`,
      'clone',
      '-q',
      '--bare',
      server.cloneUrl('acme', 'private'),
      join(ok, 'r'),
    ]);
    const authed = server.requests.filter((r) => r.status === 200);
    expect(authed.length).toBeGreaterThan(0);
    expect(authed.every((r) => r.authScheme === 'basic')).toBe(true);
    expect(server.requests.every((r) => !r.url.includes(token))).toBe(true);
  });

  it('injects 404 for a deleted repository and 500 once', async () => {
    server.createBare('acme', 'gone');
    server.fail({ repo: 'acme/gone.git', status: 404 });
    const dir = mkdtempSync(join(tmpdir(), 'ug-clone-'));
    temps.push(dir);
    await expect(
      git(['clone', '-q', server.cloneUrl('acme', 'gone'), join(dir, 'r')]),
    ).rejects.toThrow(/not found|404/i);
    server.createBare('acme', 'flaky');
    server.fail({ repo: 'acme/flaky.git', status: 500, times: 1 });
    await expect(git(['ls-remote', server.cloneUrl('acme', 'flaky')])).rejects.toThrow();
    expect(await git(['ls-remote', server.cloneUrl('acme', 'flaky')])).toBe('');
  });

  it('can be slow', async () => {
    server.createBare('acme', 'slow');
    server.fail({ repo: 'acme/slow.git', delayMs: 300, times: 1 });
    const t0 = Date.now();
    await git(['ls-remote', server.cloneUrl('acme', 'slow')]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
