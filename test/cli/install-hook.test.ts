import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_SCRIPT } from '../../src/cli/install-hook.js';
import { createRepo } from '../helpers/git-repo.js';
import { cli } from './cli-harness.js';

describe('upstash-guard install-hook', () => {
  test('writes an executable pre-commit hook; refuses to overwrite without --force', async () => {
    const repo = createRepo();
    try {
      const first = await cli(['install-hook'], { cwd: repo.dir });
      expect(first.code).toBe(0);
      const file = join(repo.dir, '.git/hooks/pre-commit');
      expect(readFileSync(file, 'utf8')).toBe(HOOK_SCRIPT);
      expect(statSync(file).mode & 0o111).toBe(0o111);
      expect(HOOK_SCRIPT).toContain('upstash-guard scan --staged');
      // The script is valid sh.
      execFileSync('sh', ['-n', file]);

      writeFileSync(file, '#!/bin/sh\necho mine\n');
      const again = await cli(['install-hook', repo.dir], { cwd: '/' });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already exists.*--force/);
      expect(readFileSync(file, 'utf8')).toContain('echo mine');
      expect((await cli(['install-hook', '--force'], { cwd: repo.dir })).code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(HOOK_SCRIPT);
    } finally {
      repo.cleanup();
    }
  });

  test('honours core.hooksPath (husky-style setups)', async () => {
    const repo = createRepo();
    try {
      repo.git('config', 'core.hooksPath', '.githooks');
      mkdirSync(join(repo.dir, '.githooks'));
      expect((await cli(['install-hook'], { cwd: repo.dir })).code).toBe(0);
      expect(readFileSync(join(repo.dir, '.githooks/pre-commit'), 'utf8')).toBe(HOOK_SCRIPT);
    } finally {
      repo.cleanup();
    }
  });

  test('outside a repository: exit 2', async () => {
    const run = await cli(['install-hook', '/'], { cwd: '/' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs a git repository/);
  });
});
