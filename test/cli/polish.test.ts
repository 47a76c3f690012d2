/**
 * The CLI items of issue 12 that were hit on first use, each on a real repository in a temp dir:
 * ref lists, terminal guidance, --fail-on wording, bare repositories, files and stdin, --range REV,
 * -o into new directories, every config problem, ordering, progress on a log, --baseline.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisEndpoint, redisToken, signingKey } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

type Doc = {
  findings: { type: string; severity: string; occurrences: { path: string; line: number }[] }[];
  suppressed: { reason: string }[];
};

describe('CLI polish (issue 12)', () => {
  let repo: TestRepo;
  let tmp: string;
  let token: string;
  let qstash: string;
  let key: string;
  let secrets: string[];
  let leak: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ug-cli-polish-'));
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    repo.commit('init');
    token = redisToken({ dbId: 5150 });
    qstash = qstashToken();
    key = signingKey();
    secrets = [token, qstash, key];
    repo.write(
      'a/.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(5150)}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
    );
    repo.write('a/worker.ts', `\n\nexport const token = "${qstash}";\n`);
    repo.write('a/sign.ts', `const QSTASH_CURRENT_SIGNING_KEY = "${key}";\n`);
    leak = repo.commit('leak');
    // 40 branches, 3 tags and 60 pull-request refs all reach the leak.
    for (let i = 0; i < 40; i++) repo.git('branch', `feature/f${String(i).padStart(2, '0')}`);
    for (const t of ['v1.0', 'v1.1', 'v2.0']) repo.tag(t);
    for (let i = 1; i <= 60; i++) repo.git('update-ref', `refs/pull/${i}/head`, leak);
  });
  afterAll(() => {
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const noSecrets = (run: { stdout: string; stderr: string }): void => {
    for (const s of secrets) expect(run.stdout + run.stderr).not.toContain(s);
  };

  test('history text: a count and the first branch names; tags and PR refs apart', async () => {
    const run = await cli(['scan', '--history'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => /^\s+branches\s/.test(l))[0]).toBe(
      '    branches     41: feature/f00, feature/f01, feature/f02, feature/f03, feature/f04 … and 36 more',
    );
    expect(run.stdout).toContain('    tags         3: v1.0, v1.1, v2.0');
    expect(run.stdout).toContain('    PR refs      60: #1, #2, #3, #4, #5 … and 55 more');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(160);
    noSecrets(run);
    // JSON keeps every ref (compatible), the text is what got shorter.
    const json = await cli(['scan', '--history', '--format', 'json'], { cwd: repo.dir });
    const doc = JSON.parse(json.stdout) as { findings: { branches: string[] }[] };
    expect(doc.findings[0]!.branches).toHaveLength(41 + 3 + 60);
  });

  test('--guidance: rendered on a terminal, Markdown in a pipe or a file', async () => {
    const tty = await cli(['scan', '--guidance', '--no-color'], { cwd: repo.dir, tty: true });
    expect(tty.stdout).toContain('Rotate first: rewriting history revokes nothing.');
    const prose = tty.stdout
      .split('\n')
      .filter((l) => !l.startsWith('    '))
      .join('\n');
    expect(prose).not.toMatch(/\*\*|```|^#{1,6} |`/m);
    expect(tty.stdout).toMatch(/^ {4}git clone --mirror/m);
    const pipe = await cli(['scan', '--guidance'], { cwd: repo.dir });
    expect(pipe.stdout).toContain('**Rotate first: rewriting history revokes nothing.**');
    expect(pipe.stdout).toContain('```sh');
    const file = await cli(['scan', '--guidance', '-o', join(tmp, 'g.txt')], {
      cwd: repo.dir,
      tty: true,
    });
    expect(file.code).toBe(1);
    expect(readFileSync(join(tmp, 'g.txt'), 'utf8')).toContain('```sh');
    noSecrets(tty);
  });

  test('--fail-on above every finding says so and exits 0', async () => {
    const run = await cli(['scan', '--fail-on', 'critical'], { cwd: repo.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^3 found, none at or above critical \(the fail severity\): exit code 0$/m,
    );
    const failing = await cli(['scan'], { cwd: repo.dir });
    expect(failing.stdout).not.toMatch(/none at or above/);
  });

  test('findings are ordered by severity, then path, then line', async () => {
    const run = await cli(['scan', '--format', 'json'], { cwd: repo.dir });
    const doc = JSON.parse(run.stdout) as Doc;
    const keys = doc.findings.map(
      (f) => `${f.severity} ${f.occurrences[0]!.path}:${f.occurrences[0]!.line}`,
    );
    // By type (the old order) this would be sign.ts, worker.ts, .env.
    expect(keys).toEqual(['high a/.env:2', 'high a/sign.ts:1', 'high a/worker.ts:3']);
  });

  test('bare repositories: tree and --staged refuse clearly, --history scans', async () => {
    const bare = join(tmp, 'mirror.git');
    repo.git('clone', '-q', '--bare', repo.dir, bare);
    const tree = await cli(['scan', bare], { cwd: tmp });
    expect(tree.code).toBe(2);
    expect(tree.stderr).toBe(
      `upstash-guard: ${bare} is a bare repository (no working tree to scan): use --history or --range\n`,
    );
    const staged = await cli(['scan', '--staged', bare], { cwd: tmp });
    expect(staged.code).toBe(2);
    expect(staged.stderr).toMatch(/--staged needs a working tree, and .* is a bare repository/);
    const history = await cli(['scan', '--history', '--format', 'json', bare], { cwd: tmp });
    expect(history.code).toBe(1);
    expect((JSON.parse(history.stdout) as Doc).findings).toHaveLength(3);
  });

  test('a work tree whose .git/config claims core.bare=true is still scanned (tree scan)', async () => {
    // The config is the scanned directory's own content (an unpacked archive, a prepared
    // checkout): one line in it made `scan .` refuse the files beside it as "a bare repository".
    const outer = mkdtempSync(join(tmpdir(), 'ug-claims-bare-'));
    const dir = join(outer, 'claims-bare');
    repo.git('clone', '-q', repo.dir, dir);
    try {
      execFileSync('git', ['config', 'core.bare', 'true'], { cwd: dir });
      const tree = await cli(['scan', '--format', 'json', dir], { cwd: tmp });
      expect(tree.stderr).toBe('');
      expect(tree.code).toBe(1);
      expect((JSON.parse(tree.stdout) as Doc).findings).toHaveLength(3);
      noSecrets(tree);
      // A subdirectory of it, too; the git directory itself is still refused.
      const sub = await cli(['scan', '--format', 'json', join(dir, 'a')], { cwd: tmp });
      expect(sub.code).toBe(1);
      const inGitDir = await cli(['scan', join(dir, '.git')], { cwd: tmp });
      expect(inGitDir.code).toBe(2);
      expect(inGitDir.stderr).toMatch(/is a bare repository/);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });

  test('a single file, and standard input with -', async () => {
    const file = await cli(['scan', 'a/.env', '--format', 'json'], { cwd: repo.dir });
    expect(file.code).toBe(1);
    const doc = JSON.parse(file.stdout) as Doc;
    expect(doc.findings.map((f) => f.occurrences[0]!.path)).toEqual(['a/.env']);
    noSecrets(file);
    let stdout = '';
    const code = await runCli(['scan', '-'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      stdin: Readable.from([Buffer.from(`QSTASH_TOKEN=${qstash}\n`)]),
      env: {},
      cwd: tmp,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('(stdin):1');
    expect(stdout).not.toContain(qstash);
    const staged = await cli(['scan', '--staged', 'a/.env'], { cwd: repo.dir });
    expect(staged.stderr).toMatch(/--staged needs a repository directory, and a\/\.env is a file/);
  });

  test('--range REV means REV..HEAD', async () => {
    const run = await cli(['scan', '--range', 'HEAD~1', '--format', 'json'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as Doc).findings).toHaveLength(3);
    const none = await cli(['scan', '--range', 'HEAD'], { cwd: repo.dir });
    expect(none.code).toBe(0);
  });

  test('-o into a missing directory creates it; under a file it says what is wrong', async () => {
    const run = await cli(['scan', '--format', 'sarif', '-o', 'out/deep/r.sarif'], { cwd: tmp });
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'out/deep/r.sarif'), 'utf8'))).toMatchObject({
      version: '2.1.0',
    });
    writeFileSync(join(tmp, 'plain'), 'x');
    const bad = await cli(['scan', '-o', 'plain/r.txt'], { cwd: tmp });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'upstash-guard: cannot write the report to plain/r.txt: a parent of it is a file, not a directory\n',
    );
  });

  test('a config file with several problems lists every one', async () => {
    const dir = join(tmp, 'cfg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'bad.yml'),
      `failOn: severe\nverify: maybe\nmaxFileSize: -3\nignorPaths: [x]\n`,
    );
    const run = await cli(['scan', '--config', 'bad.yml'], { cwd: dir });
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('upstash-guard: invalid config bad.yml: 4 problems');
    expect(lines[1]).toMatch(
      /^ {2}- \(top level\): unknown setting "ignorPaths" \(did you mean "ignorePaths"\?\)$/,
    );
    expect(
      lines
        .slice(2)
        .map((l) => l.split(':')[0]!.trim())
        .sort(),
    ).toEqual(['- failOn', '- maxFileSize', '- verify']);
  });

  test("a config that extends a base (App only) is read: its own settings apply, a note says the base's do not", async () => {
    const dir = join(tmp, 'cfg-extends');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ext.yml'), `_extends: .github\nfailOn: critical\n`);
    const args = ['scan', 'a', '--config', join(dir, 'ext.yml'), '--format', 'json'];
    const run = await cli(args, { cwd: repo.dir });
    expect(run.stderr).toBe(
      `upstash-guard: ${join(dir, 'ext.yml')} extends .github, which only the GitHub App reads: this scan uses the file's own settings\n`,
    );
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Doc).findings.length).toBeGreaterThan(0);
    const quiet = await cli([...args, '--quiet'], { cwd: repo.dir });
    expect(quiet.stderr).toBe('');
  });

  test('a config file with thousands of problems lists the first ones and counts them all', async () => {
    const dir = join(tmp, 'cfg-many');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.yml'), `allow:\n${'  - fingerprint: nope\n'.repeat(3000)}`);
    const run = await cli(['scan', '--config', 'bad.yml'], { cwd: dir });
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'upstash-guard: invalid config bad.yml: 6000 problems (the first 50 listed)',
    );
    expect(lines).toHaveLength(51);
  });

  test('non-terminal progress: a line every few seconds, with a percentage once the total is known', async () => {
    let t = 0;
    let stderr = '';
    const code = await runCli(['scan', '--history', '--format', 'json'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      env: {},
      cwd: repo.dir,
      now: () => (t += 6000),
    });
    expect(code).toBe(1);
    expect(stderr).not.toContain('\x1b[');
    expect(stderr).toMatch(
      /^upstash-guard: (enumerate|scan|attribute): \d+.*\(\d+(s|m\d+s) elapsed\)$/m,
    );
    expect(stderr).toMatch(/^upstash-guard: attribute: 0\/\d+, 0%/m);
  });

  test('--baseline ignores what an earlier report had, even when lines move', async () => {
    const base = join(tmp, 'baseline.json');
    const first = await cli(['scan', '--format', 'json', '-o', base], { cwd: repo.dir });
    expect(first.code).toBe(1);
    // Lines move, and a new credential arrives.
    const extra = redisToken({ dbId: 6160 });
    secrets.push(extra);
    repo.write('a/worker.ts', `// moved\n// down\n\n\nexport const token = "${qstash}";\n`);
    repo.write(
      'b.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(6160)}\nUPSTASH_REDIS_REST_TOKEN=${extra}\n`,
    );
    try {
      const run = await cli(['scan', '--baseline', base, '--format', 'json'], { cwd: repo.dir });
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout) as Doc;
      expect(doc.findings.map((f) => f.occurrences[0]!.path)).toEqual(['b.env']);
      expect(doc.suppressed.filter((s) => s.reason === 'baseline')).toHaveLength(3);
      const text = await cli(['scan', '--baseline', base], { cwd: repo.dir });
      expect(text.stdout).toContain('3 findings already in the baseline');
      noSecrets(run);
      const notJson = await cli(['scan', '--baseline', 'README.md'], { cwd: repo.dir });
      expect(notJson.stderr).toBe(
        'upstash-guard: baseline README.md is not JSON: write it with --format json\n',
      );
    } finally {
      repo.git('checkout', '-q', '--', 'a/worker.ts');
      repo.remove('b.env');
    }
  });
});
