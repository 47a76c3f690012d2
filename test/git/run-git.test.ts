import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitError, runGit, spawnGit } from '../../src/git/run-git.js';
import { createRepo, createStalledRepo } from '../helpers/git-repo.js';

describe('runGit', () => {
  it('kills git and its helpers on abort or timeout, and rejects with GitError', async () => {
    const repo = createRepo();
    // A server that never answers: git-remote-http waits forever unless its process group dies.
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.git`;
    try {
      const controller = new AbortController();
      const started = Date.now();
      const pending = runGit(['ls-remote', url], {
        cwd: repo.dir,
        signal: controller.signal,
        network: true,
      });
      setTimeout(() => controller.abort(), 200);
      await expect(pending).rejects.toThrow(/aborted/);
      const timedOut = await runGit(['ls-remote', url], {
        cwd: repo.dir,
        timeoutMs: 200,
        network: true,
      }).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(GitError);
      expect((timedOut as GitError).message).toMatch(/timed out/);
      expect(Date.now() - started).toBeLessThan(3_000);

      const err = await runGit(['rev-parse', '--verify', 'nope'], { cwd: repo.dir }).catch(
        (e: unknown) => e,
      );
      expect((err as GitError).code).toBe(128);
    } finally {
      server.closeAllConnections();
      server.close();
      repo.cleanup();
    }
  });
});

describe('the inactivity limit', () => {
  it('kills a git blocked on a FIFO, buffered or streaming, with a clear error', async () => {
    const repo = createStalledRepo();
    try {
      const started = Date.now();
      const err = await runGit(['rev-parse', 'HEAD'], { cwd: repo.dir, idleTimeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitError);
      expect((err as Error).message).toMatch(/git rev-parse produced no output for 300 ms/);

      const child = spawnGit(['log', '-p'], { cwd: repo.dir, idleTimeoutMs: 300 });
      child.stdin.end();
      const code = await new Promise((r) => child.on('close', r));
      expect(code).toBeNull();
      expect(child.failure()?.message).toMatch(/git log produced no output for 300 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);

      // A deadline, too, for a git that is busy but never finishes.
      const slow = spawnGit(['log', '-p'], { cwd: repo.dir, idleTimeoutMs: 0, timeoutMs: 200 });
      slow.stdin.end();
      await new Promise((r) => slow.on('close', r));
      expect(slow.failure()?.message).toMatch(/git log timed out after 200 ms/);
    } finally {
      repo.cleanup();
    }
  });

  it('does not count silence while we have nothing to ask, or output we have not read', async () => {
    const repo = createRepo();
    try {
      repo.write('a.txt', 'a\n'.repeat(1_000_000));
      const sha = repo.commit('a');
      const child = spawnGit(['cat-file', '--batch'], {
        cwd: repo.dir,
        idleTimeoutMs: 100,
        waiting: () => false,
      });
      const closed = new Promise((r) => child.on('close', r));
      await new Promise((r) => setTimeout(r, 400)); // nothing asked yet: silence is fine
      child.stdin.end(`${sha}:a.txt\n`);
      await new Promise((r) => setTimeout(r, 400)); // 2 MB of answer waits for us, unread (git is blocked writing)
      let bytes = 0;
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) bytes += chunk.length;
      expect(await closed).toBe(0);
      expect(child.failure()).toBeUndefined();
      expect(bytes).toBeGreaterThan(2_000_000);
    } finally {
      repo.cleanup();
    }
  });
});
