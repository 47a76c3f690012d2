import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line no-restricted-imports -- the control: simple-git without our factory
import { simpleGit } from 'simple-git';
import { porcelainGit } from '../../src/git/porcelain.js';
import { configureGitLimits } from '../../src/git/run-git.js';
import { createRepo, createStalledRepo, type TestRepo } from '../helpers/git-repo.js';

/** A repository whose config runs a marker-writing program wherever git would run one. */
function hostileRepo(): { repo: TestRepo; marker: string } {
  const repo = createRepo();
  repo.write('a.txt', 'a\n');
  repo.commit('a');
  const marker = join(repo.dir, '.git', 'ran');
  const program = join(repo.dir, '.git', 'evil.sh');
  writeFileSync(program, `#!/bin/sh\necho "$@" >> '${marker}'\n`);
  chmodSync(program, 0o755);
  for (const key of ['core.fsmonitor', 'core.pager', 'diff.external', 'core.sshCommand'])
    repo.git('config', key, program);
  repo.git('config', 'pager.rev-parse', program);
  repo.git('config', 'alias.rp', `!${program}`);
  repo.git('config', 'credential.helper', `!${program}`);
  repo.write('a.txt', 'changed\n'); // a work-tree change: `git diff` refreshes the index
  return { repo, marker };
}

describe('porcelainGit', () => {
  it('carries the hardening: a hostile config runs nothing, where plain simple-git runs it', async () => {
    const { repo, marker } = hostileRepo();
    try {
      const git = porcelainGit(repo.dir);
      expect(await git.revparse(['HEAD'])).toMatch(/^[0-9a-f]{40}$/);
      // Like every diff we run, --no-ext-diff (the guard table's answer to diff.external).
      expect(await git.raw(['diff', '--no-ext-diff'])).toContain('+changed');
      expect(existsSync(marker)).toBe(false);
      // The control: the same diff through an unguarded simple-git runs core.fsmonitor.
      await simpleGit(repo.dir).raw(['diff', '--no-ext-diff']);
      expect(existsSync(marker)).toBe(true);
    } finally {
      repo.cleanup();
    }
  });

  it('kills a git blocked on a FIFO with the inactivity limit', async () => {
    const repo = createStalledRepo();
    const before = configureGitLimits({ idleTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(porcelainGit(repo.dir).revparse(['HEAD'])).rejects.toThrow(/timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      configureGitLimits(before);
      repo.cleanup();
    }
  });
});
