/**
 * `npm run scan` as a developer runs it: from another directory (INIT_CWD is what is scanned),
 * built once and not again while the sources are unchanged, and with `-s` a JSON report that
 * parses (npm's own banner goes to stdout otherwise; the script then says so on stderr).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken } from '../helpers/synthetic.js';

const CHECKOUT = process.cwd();
const OUT = join(CHECKOUT, 'node_modules/.cache/upstash-guard-npm-scan');

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', ['--prefix', CHECKOUT, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, UPSTASH_GUARD_BUILD_DIR: OUT },
    timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run scan', () => {
  let repo: TestRepo;
  let secret: string;
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    repo = createRepo();
    secret = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${secret}\n`);
    repo.commit('leak');
  });
  afterAll(() => {
    repo.cleanup();
    rmSync(OUT, { recursive: true, force: true });
  });

  test('scans the calling directory, builds once, and -s keeps stdout pure JSON', () => {
    const first = npm(['run', '-s', 'scan', '--', '--format', 'json'], repo.dir);
    expect(first.stderr).toContain('building the CLI');
    expect(first.code).toBe(1);
    const doc = JSON.parse(first.stdout) as { findings: { occurrences: { path: string }[] }[] };
    expect(doc.findings.map((f) => f.occurrences[0]!.path)).toEqual(['q.env']);
    const second = npm(['run', '-s', 'scan', '--', '--format', 'json'], repo.dir);
    expect(second.stderr).not.toContain('building');
    expect(JSON.parse(second.stdout)).toMatchObject({ mode: 'tree' });
    const loud = npm(['run', 'scan', '--', '--format', 'json'], repo.dir);
    expect(loud.stderr).toContain('use `npm run -s scan -- …` for clean JSON/SARIF');
    for (const r of [first, second, loud]) expect(r.stdout + r.stderr).not.toContain(secret);
  }, 240_000);
});
