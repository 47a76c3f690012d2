/**
 * The built binary as a real process: compiles src/ (tsconfig.build.json) into a private folder
 * under node_modules/.cache (so package imports resolve and a shared dist/ is never clobbered),
 * then runs `node …/cli/main.js` against a real temporary repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisEndpoint, redisToken } from '../helpers/synthetic.js';

const OUT = join(process.cwd(), 'node_modules/.cache/upstash-guard-cli-smoke');
const MAIN = join(OUT, 'cli/main.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('upstash-guard binary (process)', () => {
  let repo: TestRepo;
  let secrets: string[];
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    // Type errors elsewhere in the tree must not hide a CLI regression: emit regardless, then check.
    try {
      execFileSync(
        process.execPath,
        ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', OUT],
        {
          stdio: 'pipe',
        },
      );
    } catch {
      /* tsc exits non-zero on type errors but still emits */
    }
    repo = createRepo();
    const token = redisToken({ dbId: 4242 });
    const qstash = qstashToken();
    secrets = [token, qstash];
    repo.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(4242)}\nKV_REST_API_TOKEN=${token}\nQSTASH_TOKEN=${qstash}\n`,
    );
    repo.commit('oops');
  }, 120_000);
  afterAll(() => {
    repo?.cleanup();
    rmSync(OUT, { recursive: true, force: true });
  });

  test('is built with a node shebang', () => {
    expect(existsSync(MAIN)).toBe(true);
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  test('exit codes, JSON and SARIF shapes, and no raw secret in any format', () => {
    const outputs = [];
    const text = run(['scan', '--guidance'], repo.dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Upstash Redis REST token');
    const json = run(['scan', '--format', 'json'], repo.dir);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'tool',
      'mode',
      'findings',
      'suppressed',
      'stats',
      'warnings',
      'skipped',
      'skippedCount',
    ]);
    expect((doc.findings as unknown[]).length).toBe(2);
    const sarif = run(['scan', '--history', '--format', 'sarif'], repo.dir);
    expect(sarif.code).toBe(1);
    expect(JSON.parse(sarif.stdout)).toMatchObject({ version: '2.1.0' });
    const range = run(['scan', '--range', 'HEAD~0..HEAD'], repo.dir);
    expect(range.code).toBe(0);
    const bad = run(['scan', '--nope'], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^upstash-guard: unknown option --nope/);
    outputs.push(text, json, sarif, range, bad);
    for (const o of outputs) for (const s of secrets) expect(o.stdout + o.stderr).not.toContain(s);
  });
});
