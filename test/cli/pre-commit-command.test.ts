/**
 * `upstash-guard pre-commit [file...]`, the pre-commit framework's entry, on real repositories:
 * during a commit it is the staged scan; files named with nothing staged (`run --all-files`,
 * `run --files`) are read whole; a FROM..TO pair in the environment (pre-push, `--from-ref`) scans
 * those commits; paths that leave the repository are never read.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

function envText(seed: string): { text: string; token: string } {
  const { token, dbId } = redisTokenParts({ seed });
  return {
    token,
    text: `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
  };
}

describe('upstash-guard pre-commit', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = createRepo();
    repo.write('README.md', '# app\n');
    repo.commit('initial');
  });
  afterEach(() => repo.cleanup());

  test('a committed token in a named file with nothing staged fails (pre-commit run --all-files)', async () => {
    const leak = envText('pc-all-files');
    repo.write('config/.env', leak.text);
    repo.commit('leak');
    // The staged scan alone sees nothing: nothing is staged.
    expect((await cli(['scan', '--staged', '--format', 'json'], { cwd: repo.dir })).code).toBe(0);
    const run = await cli(['pre-commit', '--format', 'json', 'README.md', 'config/.env'], {
      cwd: repo.dir,
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { occurrences: { path: string }[] }[] };
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]!.occurrences.map((o) => o.path)).toEqual(['config/.env']);
    expect(run.stdout + run.stderr).not.toContain(leak.token);
  });

  test('during a commit: the staged lines count, a pre-existing token in an unstaged, unnamed file does not', async () => {
    const old = envText('pc-old');
    repo.write('old.env', old.text);
    repo.commit('old leak');
    repo.write('README.md', '# app\nmore\n');
    repo.git('add', 'README.md');
    const clean = await cli(['pre-commit', '--quiet', 'README.md'], { cwd: repo.dir });
    expect(clean).toEqual({ code: 0, stdout: '', stderr: '' });

    const leak = envText('pc-staged');
    repo.write('new.env', leak.text);
    repo.git('add', 'new.env');
    const blocked = await cli(['pre-commit', 'README.md', 'new.env'], { cwd: repo.dir });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('new.env');
    expect(blocked.stdout).not.toContain('old.env');
    expect(blocked.stdout + blocked.stderr).not.toContain(leak.token);
  });

  test('a staged file is judged by its staged lines only, even when named', async () => {
    const old = envText('pc-touched');
    repo.write('app.env', old.text);
    repo.commit('old leak');
    repo.write('app.env', `${old.text}DEBUG=1\n`);
    repo.git('add', 'app.env');
    const run = await cli(['pre-commit', '--quiet', 'app.env'], { cwd: repo.dir });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF: the commits between them (pre-push, --from-ref)', async () => {
    const from = repo.git('rev-parse', 'HEAD').trim();
    const leak = envText('pc-range');
    repo.write('deploy.env', leak.text);
    repo.commit('leak');
    repo.git('rm', '-q', 'deploy.env');
    repo.commit('remove it again');
    const to = repo.git('rev-parse', 'HEAD').trim();
    // The file is gone from the tip, so only a scan of the commits finds it.
    const run = await cli(['pre-commit', '--format', 'json', 'deploy.env'], {
      cwd: repo.dir,
      env: { PRE_COMMIT_FROM_REF: from, PRE_COMMIT_TO_REF: to },
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: 'range' });
    expect(run.stdout).not.toContain(leak.token);
    const none = await cli(['pre-commit', '--quiet'], {
      cwd: repo.dir,
      env: { PRE_COMMIT_FROM_REF: to, PRE_COMMIT_TO_REF: to },
    });
    expect(none.code).toBe(0);
  });

  test('never reads a named path outside the repository, under .git, or through a symlinked directory', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ug-pc-outside-'));
    try {
      const leak = envText('pc-outside');
      writeFileSync(join(outside, 'x.env'), leak.text);
      mkdirSync(join(repo.dir, 'sub'));
      symlinkSync(outside, join(repo.dir, 'linked'));
      writeFileSync(join(repo.dir, '.git', 'x.env'), leak.text);
      const run = await cli(
        [
          'pre-commit',
          '--format',
          'json',
          join(outside, 'x.env'),
          '../x.env',
          `sub/../../${outside.split('/').pop()}/x.env`,
          'linked/x.env',
          '.git/x.env',
        ],
        { cwd: repo.dir },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ findings: [] });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("a file named like an option is never read as one (pre-commit appends the repository's names)", async () => {
    // `pre-commit run --all-files` on a pull request runs `upstash-guard pre-commit --quiet` plus
    // every tracked name: `--help` printed the help and passed, `-o` took the next name (the
    // leaking file) as the report to write, over it, and `--` hid the names after it.
    const leak = envText('pc-option-names');
    repo.write('config/.env', leak.text);
    for (const name of ['--help', '-o', '--', '--fail-on=critical']) repo.write(name, 'x\n');
    repo.commit('leak, and names like options');
    for (const names of [
      ['--help', 'config/.env'],
      ['-o', 'config/.env'],
      ['--', 'config/.env'],
      ['--fail-on=critical', 'config/.env'],
    ]) {
      const run = await cli(['pre-commit', '--quiet', ...names], { cwd: repo.dir });
      expect({ names, code: run.code }).toEqual({ names, code: 2 });
      expect(run.stderr).toContain('is a file of the repository');
      expect(readFileSync(join(repo.dir, 'config/.env'), 'utf8')).toBe(leak.text);
    }
    // An option the user configured still works when no file is named like it.
    const run = await cli(['pre-commit', '--format', 'json', 'README.md', 'config/.env'], {
      cwd: repo.dir,
    });
    expect(run.code).toBe(1);
  });

  test('rejects the scan modes it chooses itself', async () => {
    const run = await cli(['pre-commit', '--history'], { cwd: repo.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pre-commit chooses what to scan itself: drop --history/);
  });
});
