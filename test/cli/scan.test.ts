import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisEndpoint, redisToken, signingKey } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

/** Asserts a CLI run never shows any of the secrets, in any stream. */
function expectNoSecrets(run: { stdout: string; stderr: string }, secrets: string[]): void {
  for (const s of secrets) {
    expect(run.stdout).not.toContain(s);
    expect(run.stderr).not.toContain(s);
  }
}

describe('upstash-guard scan (in-process)', () => {
  let repo: TestRepo;
  let token: string;
  let qstash: string;
  let base: string;
  beforeAll(() => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    base = repo.commit('init');
    token = redisToken({ dbId: 34127 });
    qstash = qstashToken();
    repo.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(34127)}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
    );
    repo.commit('add redis');
    repo.write('worker.ts', `export const token = "${qstash}";\n`);
    repo.commit('add qstash');
  });
  afterAll(() => repo.cleanup());

  test('working tree: exit 1, text report without the secret', async () => {
    const run = await cli(['scan', repo.dir], { cwd: tmpdir() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Upstash Redis REST token');
    expect(run.stdout).toContain('.env:2');
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toMatch(/2 Upstash credentials found/);
    expectNoSecrets(run, [token, qstash]);
  });

  test('colour only on a TTY without NO_COLOR or --no-color', async () => {
    expect((await cli(['scan', '.'], { cwd: repo.dir, tty: true })).stdout).toContain('\x1b[');
    expect(
      (await cli(['scan', '.'], { cwd: repo.dir, tty: true, env: { NO_COLOR: '1' } })).stdout,
    ).not.toContain('\x1b[');
    expect((await cli(['scan', '--no-color'], { cwd: repo.dir, tty: true })).stdout).not.toContain(
      '\x1b[',
    );
  });

  test('JSON and SARIF formats, with --guidance never leaking', async () => {
    const json = await cli(['scan', '--format', 'json'], { cwd: repo.dir });
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as {
      schemaVersion: number;
      mode: string;
      findings: { type: string; occurrences: { path: string }[] }[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.mode).toBe('tree');
    expect(doc.findings.map((f) => f.type).sort()).toEqual([
      'upstash-qstash-token',
      'upstash-redis-token',
    ]);
    const sarif = await cli(['scan', '--format', 'sarif'], { cwd: repo.dir });
    const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results).toHaveLength(2);
    const guided = await cli(['scan', '--guidance', '--verbose'], { cwd: repo.dir });
    expect(guided.stdout).toContain('Rotate first: rewriting history revokes nothing.');
    expectNoSecrets(json, [token, qstash]);
    expectNoSecrets(sarif, [token, qstash]);
    expectNoSecrets(guided, [token, qstash]);
  });

  test('--range, --history, --staged', async () => {
    const range = await cli(['scan', '--range', `${base}..HEAD`, '--format', 'json'], {
      cwd: repo.dir,
    });
    expect(range.code).toBe(1);
    const r = JSON.parse(range.stdout) as {
      mode: string;
      findings: { occurrences: { commit: string }[] }[];
    };
    expect(r.mode).toBe('range');
    expect(r.findings).toHaveLength(2);
    expect(r.findings.every((f) => f.occurrences[0]!.commit)).toBe(true);
    const openEnded = await cli(['scan', '--range', `${base}..`, '--format', 'json'], {
      cwd: repo.dir,
    });
    expect((JSON.parse(openEnded.stdout) as { findings: unknown[] }).findings).toHaveLength(2);
    const empty = await cli(['scan', '--range', 'HEAD...HEAD'], { cwd: repo.dir });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No Upstash credentials found');
    const history = await cli(['scan', '--history', '--format', 'json'], { cwd: repo.dir });
    expect(history.code).toBe(1);
    const h = JSON.parse(history.stdout) as {
      findings: { introducedBy: { commit: string } | null }[];
    };
    expect(h.findings.every((f) => f.introducedBy?.commit)).toBe(true);
    expect(history.stderr).toBe(''); // no progress line when stderr is not a terminal
    expect((await cli(['scan', '--staged'], { cwd: repo.dir })).code).toBe(0);
    expectNoSecrets(range, [token, qstash]);
    expectNoSecrets(history, [token, qstash]);
  });

  test('history on a terminal shows a progress line on stderr, then clears it', async () => {
    const run = await cli(['scan', '--history', '--format', 'json'], { cwd: repo.dir, tty: true });
    expect(run.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line sequence is what we assert
    expect(run.stderr).toMatch(/\r\x1b\[2K(enumerate|scan|attribute): \d+/);
    expect(run.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: 'history' });
    const quiet = await cli(['scan', '--history', '--quiet', '--format', 'json'], {
      cwd: repo.dir,
      tty: true,
    });
    expect(quiet.stderr).toBe('');
  });

  test('--staged sees a staged key; --quiet prints nothing when clean', async () => {
    const key = signingKey();
    repo.write('sign.ts', `const QSTASH_CURRENT_SIGNING_KEY = "${key}";\n`);
    repo.git('add', 'sign.ts');
    try {
      const run = await cli(['scan', '--staged'], { cwd: repo.dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('QStash signing key');
      expectNoSecrets(run, [key]);
    } finally {
      repo.git('rm', '-q', '--cached', 'sign.ts');
      repo.remove('sign.ts');
    }
    const quiet = await cli(['scan', '--staged', '--quiet'], { cwd: repo.dir });
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('--fail-on and config failOn decide the exit code', async () => {
    expect((await cli(['scan', '--fail-on', 'critical'], { cwd: repo.dir })).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'ug-cli-cfg-'));
    try {
      writeFileSync(join(dir, 'cfg.yml'), 'failOn: critical\n');
      expect(
        (await cli(['scan', repo.dir, '--config', join(dir, 'cfg.yml')], { cwd: dir })).code,
      ).toBe(0);
      expect(
        (await cli(['scan', repo.dir, '--config', 'cfg.yml', '--fail-on', 'high'], { cwd: dir }))
          .code,
      ).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--output writes the report to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-cli-out-'));
    try {
      const run = await cli(['scan', repo.dir, '--format', 'sarif', '--output', 'out.sarif'], {
        cwd: dir,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const text = readFileSync(join(dir, 'out.sarif'), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ version: '2.1.0' });
      expect(text).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a plain directory (no git) scans, and a clean one exits 0 quietly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-cli-plain-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
      const clean = await cli(['scan', dir], { cwd: tmpdir() });
      expect(clean.code).toBe(0);
      expect(clean.stdout.trim().split('\n')).toHaveLength(1);
      writeFileSync(join(dir, 'src/b.ts'), `token: "${token}"\n`);
      const dirty = await cli(['scan', dir, '--format', 'json'], { cwd: tmpdir() });
      expect(dirty.code).toBe(1);
      expectNoSecrets(dirty, [token]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
