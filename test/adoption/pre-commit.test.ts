/**
 * The pre-commit framework route, with the real `pre-commit` (Debian package; .ci/run installs it):
 * `pre-commit try-repo <this repository> upstash-guard` installs the hook the way users' configs
 * do (language: node, so npm installs and `prepare` builds it), lets a clean commit through and
 * blocks a staged token.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

maybe(
  'pre-commit try-repo: a clean commit passes, a staged token is blocked',
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'ug-pre-commit-home-'));
    const repo = createRepo();
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
      const tryRepo = () =>
        exec('pre-commit', ['try-repo', ROOT, 'upstash-guard'], {
          cwd: repo.dir,
          env,
          maxBuffer: 16 * 1024 * 1024,
        }).then(
          (r) => ({ code: 0, out: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            out: e.stdout + e.stderr,
          }),
        );

      repo.write('README.md', '# clean\n');
      repo.git('add', '-A');
      const clean = await tryRepo();
      expect(clean.out).toMatch(/upstash-guard \(Upstash credentials\)\.+Passed/);
      expect(clean.code).toBe(0);

      const { token, dbId } = redisTokenParts({ seed: 'pre-commit' });
      repo.write(
        '.env',
        `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed: 'pre-commit' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
      );
      repo.git('add', '-A');
      const blocked = await tryRepo();
      expect(blocked.code).toBe(1);
      expect(blocked.out).toMatch(/upstash-guard \(Upstash credentials\)\.+Failed/);
      expect(blocked.out).toContain('Upstash Redis REST token');
      expect(blocked.out).not.toContain(token);
    } finally {
      repo.cleanup();
      rmSync(home, { recursive: true, force: true });
    }
  },
  600_000,
);
