/**
 * The pre-commit framework route, with the real `pre-commit` (Debian package; .ci/run installs it):
 * `pre-commit try-repo <this repository> upstash-guard` installs the hook the way users' configs
 * do (language: node, so npm installs and `prepare` builds it), lets a clean commit through and
 * blocks a staged token; then, configured in .pre-commit-config.yaml as users do, `run --all-files`
 * fails on a token committed past the hook, and so does a `--from-ref/--to-ref` range, as pre-push
 * runs it.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/app-process.js';
import { createRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

const exec = promisify(execFile);
const available = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
if (!available)
  console.warn(
    'SKIPPED pre-commit route test: the pre-commit command is missing (apt-get install pre-commit; .ci/run installs it)',
  );
const maybe = available ? test : test.skip;

/**
 * What `pre-commit try-repo` does, once: a commit of this checkout as it is on disk (tracked and
 * untracked, not ignored), so several runs share one installed hook environment.
 */
function shadowOfRoot(): { dir: string; rev: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ug-pre-commit-shadow-'));
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      maxBuffer: 64 * 1024 * 1024,
    });
  git(tmpdir(), 'clone', '-q', '--no-hardlinks', ROOT, dir);
  for (const f of git(ROOT, 'ls-files', '-z', '--deleted').split('\0').filter(Boolean))
    rmSync(join(dir, f), { force: true });
  for (const f of git(ROOT, 'ls-files', '-z', '-co', '--exclude-standard').split('\0')) {
    if (!f || !existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  git(dir, 'add', '-A');
  git(
    dir,
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@example.org',
    'commit',
    '-q',
    '--allow-empty',
    '--no-verify',
    '-m',
    'shadow',
  );
  return { dir, rev: git(dir, 'rev-parse', 'HEAD').trim() };
}

maybe(
  'pre-commit: a clean commit passes, a staged token is blocked, --all-files and a ref range find a committed one; try-repo works',
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'ug-pre-commit-home-'));
    const repo = createRepo();
    const shadow = shadowOfRoot();
    try {
      const env = {
        ...process.env,
        PRE_COMMIT_HOME: home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.org',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.org',
        // Packages come from the local npm cache when it has them ("offline-ish").
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      };
      const preCommit = (...args: string[]) =>
        exec('pre-commit', args, { cwd: repo.dir, env, maxBuffer: 16 * 1024 * 1024 }).then(
          (r) => ({ code: 0, out: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            out: e.stdout + e.stderr,
          }),
        );
      const PASSED = /upstash-guard \(Upstash credentials\)\.+Passed/;
      const FAILED = /upstash-guard \(Upstash credentials\)\.+Failed/;

      // As users try it first: try-repo on this checkout, staged files only.
      repo.write('README.md', '# clean\n');
      repo.git('add', '-A');
      const tried = await preCommit('try-repo', ROOT, 'upstash-guard');
      expect(tried.out).toMatch(PASSED);
      expect(tried.code).toBe(0);

      // As users configure it: .pre-commit-config.yaml naming the repository and a revision.
      repo.write(
        '.pre-commit-config.yaml',
        `repos:\n  - repo: ${shadow.dir}\n    rev: ${shadow.rev}\n    hooks:\n      - id: upstash-guard\n`,
      );
      repo.git('add', '-A');
      const clean = await preCommit('run');
      expect(clean.out).toMatch(PASSED);
      expect(clean.code).toBe(0);
      repo.git('commit', '-q', '--no-verify', '-m', 'clean');

      const { token, dbId } = redisTokenParts({ seed: 'pre-commit' });
      repo.write(
        '.env',
        `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed: 'pre-commit' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
      );
      repo.git('add', '-A');
      const blocked = await preCommit('run');
      expect(blocked.code).toBe(1);
      expect(blocked.out).toMatch(FAILED);
      expect(blocked.out).toContain('Upstash Redis REST token');
      expect(blocked.out).not.toContain(token);

      // The token committed past the hook (--no-verify): nothing is staged now, and CI's
      // `pre-commit run --all-files` must still fail on it.
      const before = repo.git('rev-parse', 'HEAD').trim();
      repo.git('commit', '-q', '--no-verify', '-m', 'leak');
      const after = repo.git('rev-parse', 'HEAD').trim();
      const staged = await preCommit('run');
      expect(staged.out).toMatch(PASSED);
      const allFiles = await preCommit('run', '--all-files');
      expect(allFiles.out).toMatch(FAILED);
      expect(allFiles.code).toBe(1);
      expect(allFiles.out).toContain('Upstash Redis REST token');
      expect(allFiles.out).not.toContain(token);
      // As pre-push runs it: the commits between two refs.
      const range = await preCommit('run', '--from-ref', before, '--to-ref', after);
      expect(range.out).toMatch(FAILED);
      expect(range.code).toBe(1);
      expect(range.out).not.toContain(token);
    } finally {
      repo.cleanup();
      rmSync(home, { recursive: true, force: true });
      rmSync(shadow.dir, { recursive: true, force: true });
    }
  },
  600_000,
);
