/**
 * A history scan of a shallow clone (`git clone --depth 1`, what CI checkouts make by default)
 * reads only the commits that were fetched. Commits past the shallow boundary are not there to be
 * scanned, so the result must say so instead of reading as a clean history.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { renderText } from '../../src/report/index.js';
import { createRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

test('a shallow clone is never reported as a clean history', async () => {
  const repo = createRepo();
  const dir = mkdtempSync(join(tmpdir(), 'ug-shallow-'));
  try {
    repo.write('README.md', 'x\n');
    repo.commit('base');
    repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    repo.commit('leak');
    repo.remove('old.env');
    repo.commit('remove it');
    const clone = join(dir, 'c');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    const result = await scanHistory(clone, { config: DEFAULT_CONFIG });
    expect(result.findings).toEqual([]);
    expect(result.skippedCount).toBeGreaterThan(0);
    expect(result.skipped[0]).toMatchObject({ reason: 'missing', path: '' });
    expect(result.skipped[0]!.detail).toMatch(/shallow/);
    expect(renderText(result, { color: false })).not.toMatch(/✓/);

    // The full repository is not shallow: nothing is said.
    const full = await scanHistory(repo.dir, { config: DEFAULT_CONFIG });
    expect(full.findings).toHaveLength(1);
    expect(full.skippedCount).toBe(0);
  } finally {
    repo.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
