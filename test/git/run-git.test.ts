import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitError, runGit } from '../../src/git/run-git.js';
import { createRepo } from '../helpers/git-repo.js';

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
      const pending = runGit(['ls-remote', url], { cwd: repo.dir, signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      await expect(pending).rejects.toThrow(/aborted/);
      const timedOut = await runGit(['ls-remote', url], { cwd: repo.dir, timeoutMs: 200 }).catch(
        (e: unknown) => e,
      );
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
