/**
 * `npm run bench` end to end on a small real repository: the table it prints for docs/benchmarks.md,
 * and `--ignore`, which measures a corpus without a part of it (a committed build, say) while git's
 * rows stay the same. Runs the built script, as `npm run bench` does.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { redisEndpoint, redisToken } from '../../src/core/detectors/synthetic.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';

const BENCH = join(process.cwd(), 'dist', 'bench', 'run-bench.js');

function bench(repo: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [BENCH, repo, '--runs', '1', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('npm run bench', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = createRepo();
    repo.write('src/app.ts', 'export const x = 1;\n');
    repo.commit('app');
    // A build output that holds a credential, as a committed .next/ directory can.
    const token = redisToken({ seed: 'bench-ignore' });
    repo.write(
      'build/server.js',
      `const url="https://${redisEndpoint(40123)}";const token="${token}";\n`,
    );
    repo.commit('build');
  });
  afterAll(() => repo.cleanup());

  test('prints the table with every row, the command and what the scan read', () => {
    const out = bench(repo.dir, '--log-p-runs', '1');
    expect(out).toMatch(/^command: npm run bench -- \S+ --runs 1 --log-p-runs 1$/m);
    expect(out).toMatch(/^scan: 2 commits, 2 blobs scanned .* 0 ignored; 1 findings/m);
    for (const row of ['F1: `git cat-file', 'F1 unordered', '`git log -p --all', 'history scan'])
      expect(out).toContain(row);
    // The token is never printed, in any form.
    expect(out).not.toMatch(/A[A-Za-z0-9_-]{30,}/);
  });

  test('--ignore leaves the paths out of the scan, says so in the command and the row', () => {
    const out = bench(repo.dir, '--log-p-runs', '0', '--ignore', 'build/**');
    expect(out).toMatch(/^command: .* --log-p-runs 0 --ignore 'build\/\*\*'$/m);
    expect(out).toMatch(/^scan: 2 commits, .* 1 ignored; 0 findings/m);
    expect(out).toContain('whole process, ignoring build/**');
    expect(out).not.toContain('git log -p --all');
  });
});
