/**
 * The npm package route: `npm pack` makes a tarball with only what runs (no bench, no tools, no
 * source maps); installed globally into a clean --prefix, or run with `npx <tarball>`, its
 * `upstash-guard` works with nothing else on the machine but node and git; installing from a git
 * URL builds through `prepare`, and so does the global install from git exactly as README.md
 * writes it. Packages come from the npm cache when it has them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuilt, ROOT } from '../helpers/app-process.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'ug-npm-package-'));
const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
/** A machine with node (and npm beside it) and git, nothing else on PATH; a fresh HOME. */
const bareEnv = (extra: Record<string, string> = {}) => ({
  PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
  HOME: join(work, 'home'),
  npm_config_cache: cache,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  // The machine's trust store for the registry (a proxy's CA), as a user's shell has it: without
  // it every package missing from the cache is retried until the test times out.
  ...(process.env.NODE_EXTRA_CA_CERTS
    ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }
    : {}),
  ...extra,
});
const run = (cmd: string, args: string[], cwd: string, env = bareEnv()) =>
  exec(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 540_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

let tarball: string;
let target: TestRepo;
let token: string;
beforeAll(async () => {
  // The tarball of the dist/ the other suites run: `npm pack` would otherwise run `prepare`, and
  // tsc rewriting dist/ in place while an app process of another suite loads it made that
  // process fail on a half-written module (a missing export).
  ensureBuilt();
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT, {
    ...bareEnv(),
    HOME: process.env.HOME ?? work,
  });
  expect(packed.code).toBe(0);
  tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  target = createRepo();
  const parts = redisTokenParts({ seed: 'npm-package' });
  token = parts.token;
  target.write(
    '.env',
    `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(parts.dbId, { seed: 'npm-package' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
  );
  target.commit('leak');
  target.remove('.env');
  target.commit('remove it (still in history)');
}, 300_000);
afterAll(() => {
  target?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('the tarball holds what runs, and nothing of bench, tools or source maps', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  expect(files).toEqual(
    expect.arrayContaining([
      'package/dist/cli/main.js',
      'package/dist/app/main.js',
      'package/dist/action/main.js',
      'package/dist/queue/worker-main.js',
      'package/app.yml',
      'package/package.json',
    ]),
  );
  expect(
    files.filter((f) => /dist\/(bench|tools)\/|\.map$|^package\/(src|test)\//.test(f)),
  ).toEqual([]);
});

function expectFinds(r: { code: number; stdout: string; stderr: string }): void {
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('Upstash Redis REST token');
  expect(r.stdout + r.stderr).not.toContain(token);
}

test('global install into a clean --prefix: upstash-guard scans a history', async () => {
  const prefix = join(work, 'prefix');
  const installed = await run('npm', ['install', '-g', '--prefix', prefix, tarball], work);
  expect(installed.code).toBe(0);
  const bin = join(prefix, 'bin', 'upstash-guard');
  const version = await run(bin, ['--version'], work);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  expectFinds(await run(bin, ['scan', '--history', target.dir, '--no-color'], work));
}, 600_000);

test('npx <tarball>: runs the scan', async () => {
  const r = await run(
    'npx',
    ['--yes', '--package', tarball, 'upstash-guard', 'scan', '--history', target.dir, '--no-color'],
    work,
  );
  expectFinds(r);
}, 600_000);

test('install from a git URL builds through prepare', async () => {
  const project = join(work, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    '{"name":"consumer","version":"1.0.0","private":true}\n',
  );
  const installed = await run('npm', ['install', `git+file://${ROOT}`], project);
  expect(installed.stderr).not.toMatch(/ERR!/);
  expect(installed.code).toBe(0);
  const pkg = join(project, 'node_modules', 'upstash-guard');
  expect(readdirSync(join(pkg, 'dist', 'cli'))).toContain('main.js');
  expectFinds(
    await run(
      join(project, 'node_modules', '.bin', 'upstash-guard'),
      ['scan', '--history', target.dir, '--no-color'],
      project,
    ),
  );
}, 600_000);

/** The docs' lines that install the CLI globally from the repository's git URL. */
const GIT_URL = 'git+https://github.com/<owner>/upstash-guard.git';
function globalGitInstallLines(): { file: string; line: string }[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
  const files = ['README.md', ...docs.map((f) => `docs/${f}`)];
  return files.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .filter((l) => l.includes(GIT_URL) && / -g /.test(l))
      .map((l) => ({ file, line: l.replace(/\s+#.*$/, '').trim() })),
  );
}

test("README's global install from git, run as written, installs a working CLI", async () => {
  const lines = globalGitInstallLines();
  const readme = lines.find((l) => l.file === 'README.md');
  expect(readme).toBeDefined();
  // Every doc gives the same command, so the one tested here is the one they all give.
  expect(lines.filter((l) => l.line !== readme!.line)).toEqual([]);
  // npm's own global prefix, set as a user sets it; the GitHub URL stands for this repository.
  const prefix = join(work, 'git-prefix');
  const cwd = join(work, 'git-install');
  mkdirSync(cwd, { recursive: true });
  const command = readme!.line.replace(GIT_URL, `git+file://${ROOT}`);
  const installed = await run('sh', ['-c', command], cwd, bareEnv({ npm_config_prefix: prefix }));
  expect(installed.stderr).not.toMatch(/ERR!|npm error/);
  expect(installed.code).toBe(0);
  expectFinds(
    await run(
      join(prefix, 'bin', 'upstash-guard'),
      ['scan', '--history', target.dir, '--no-color'],
      cwd,
    ),
  );
}, 600_000);
