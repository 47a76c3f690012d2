import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { TOOL_VERSION } from '../../src/report/index.js';
import { redisToken } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

describe('usage and runtime errors: exit 2, one clear line', () => {
  let plain: string;
  let repo: TestRepo;
  beforeAll(() => {
    plain = mkdtempSync(join(tmpdir(), 'ug-cli-err-'));
    repo = createRepo();
    repo.write('a.txt', 'a\n');
    repo.commit('a');
  });
  afterAll(() => {
    rmSync(plain, { recursive: true, force: true });
    repo.cleanup();
  });

  const oneLine = (s: string) => expect(s.trimEnd().split('\n')).toHaveLength(1);

  test.each([
    [['scan', '--bogus'], /^upstash-guard: unknown option --bogus \(see --help\)\n$/],
    [
      ['scan', '--fromat', 'json'],
      /unknown option --fromat; did you mean --format\? \(see --help\)/,
    ],
    [['scan', '--histroy'], /did you mean --history\?/],
    [['scan', '--format'], /^upstash-guard: --format needs a value \(see --help\)\n$/],
    [['scan', '--staged=yes'], /--staged takes no value/],
    [['scan', '--concurrency', '2'], /--concurrency only applies to --github-org/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /^upstash-guard: missing command: try "upstash-guard scan" \(see --help\)\n$/],
    [['scan', '--format', 'xml'], /--format must be text, json or sarif/],
    [['scan', '--fail-on', 'severe'], /--fail-on must be one of critical, high, medium, low, info/],
    [['scan', '--staged', '--history'], /--staged and --history cannot be combined/],
    [['scan', 'a', 'b'], /unexpected argument "b"/],
    [['scan', 'no-such-dir'], /no-such-dir does not exist/],
  ])('%j', async (argv, message) => {
    const run = await cli(argv, { cwd: plain });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.startsWith('upstash-guard: ')).toBe(true);
    expect(run.stderr.match(/see --help/g)?.length ?? 0).toBeLessThanOrEqual(1);
    // Quotes come in pairs: no node:util `'-- "--bogus"` tail.
    expect((run.stderr.match(/"/g)?.length ?? 0) % 2).toBe(0);
    expect((run.stderr.replace(/\b'\b/g, '').match(/'/g)?.length ?? 0) % 2).toBe(0);
    oneLine(run.stderr);
  });

  test.each([['--staged'], ['--history'], ['--range', 'a..b']])(
    '%s outside a git repository',
    async (...flag) => {
      const run = await cli(['scan', ...flag], { cwd: plain });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`${flag[0]} needs a git repository`));
      oneLine(run.stderr);
    },
  );

  test('a repository git refuses says why, not "not a repository"', async () => {
    const odd = createRepo();
    try {
      odd.git('config', 'core.repositoryformatversion', '1');
      odd.git('config', 'extensions.somethingNew', 'true');
      const run = await cli(['scan', '--history'], { cwd: odd.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /not one \(git: fatal: unknown repository extension found: somethingnew\)/i,
      );
      oneLine(run.stderr);
    } finally {
      odd.cleanup();
    }
  });

  test('bad ranges', async () => {
    const unknown = await cli(['scan', '--range', 'main..nope'], { cwd: repo.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/bad --range: "nope" is not a commit/);
    const both = await cli(['scan', '--range', 'nope..nada'], { cwd: repo.dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/bad --range: "nope" and "nada" are not commits in /);
    oneLine(both.stderr);
    const since = await cli(['scan', '--range', 'nope'], { cwd: repo.dir });
    expect(since.stderr).toMatch(/bad --range: "nope" is not a commit/);
    const option = await cli(['scan', '--range', '--output=x..HEAD'], { cwd: repo.dir });
    expect(option.code).toBe(2);
    oneLine(option.stderr);
  });

  test('a broken config file names the file and the field', async () => {
    mkdirSync(join(repo.dir, '.github'), { recursive: true });
    writeFileSync(join(repo.dir, '.github/upstash-guard.yml'), 'failOn: severe\n');
    try {
      const run = await cli(['scan'], { cwd: repo.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/invalid config \.github\/upstash-guard\.yml: failOn/);
      oneLine(run.stderr);
      const missing = await cli(['scan', '--config', 'nope.yml'], { cwd: repo.dir });
      expect(missing.stderr).toMatch(/cannot read config file nope\.yml \(ENOENT\)/);
      expect(missing.code).toBe(2);
    } finally {
      rmSync(join(repo.dir, '.github'), { recursive: true, force: true });
    }
  });

  test('no credential on stderr, whatever the user put where (config key, path, range)', async () => {
    const token = redisToken();
    mkdirSync(join(repo.dir, '.github'), { recursive: true });
    writeFileSync(join(repo.dir, '.github/upstash-guard.yml'), `${token}: true\n`);
    try {
      const runs = [
        await cli(['scan'], { cwd: repo.dir }),
        await cli(['scan', '--config', `${token}.yml`], { cwd: repo.dir }),
        await cli(['scan', '--range', `main..${token}`], { cwd: repo.dir }),
        await cli(['scan', '--range', `${token}..main`], { cwd: repo.dir }),
        await cli(['scan', join(plain, token)], { cwd: repo.dir }),
      ];
      for (const run of runs) {
        expect(run.code).toBe(2);
        expect(run.stderr + run.stdout).not.toContain(token);
        expect(run.stderr + run.stdout).not.toContain(token.slice(8, 28));
        oneLine(run.stderr);
      }
      expect(runs[0]!.stderr).toMatch(/unknown setting "[\w-]{4}…\(\d+ chars\)"/);
    } finally {
      rmSync(join(repo.dir, '.github'), { recursive: true, force: true });
    }
  });

  test('--help and --version', async () => {
    const help = await cli(['--help'], { cwd: plain });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('upstash-guard scan [path]');
    expect(help.stdout).toContain('Exit codes: 0');
    expect(await cli(['--version'], { cwd: plain })).toEqual({
      code: 0,
      stdout: `${TOOL_VERSION}\n`,
      stderr: '',
    });
  });
});
