/** Staged scans (pre-commit hook): the first commit of a repo, renames, deletions, JSON hygiene. */
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const env = (t: string): string => `UPSTASH_REDIS_REST_TOKEN=${t}\n`;

describe('scanStaged cases', () => {
  it('works before the first commit, with new-file line numbers', async () => {
    const repo = createRepo();
    try {
      const t = redisTokenParts().token;
      repo.write('first.env', `# one\n# two\n${env(t)}`);
      repo.git('add', 'first.env');
      const result = await scanStaged(repo.dir, opts);
      expect(result.mode).toBe('staged');
      expect(result.findings.flatMap((f) => f.occurrences)).toEqual([
        expect.objectContaining({ path: 'first.env', line: 3 }),
      ]);
      expect(JSON.stringify(result)).not.toContain(t);
    } finally {
      repo.cleanup();
    }
  });

  it('reports nothing for a staged rename or deletion of a file that holds a token', async () => {
    const repo = createRepo();
    try {
      repo.write('old.env', env(redisTokenParts().token));
      repo.write('gone.env', env(redisTokenParts().token));
      repo.commit('tokens already committed');
      repo.rename('old.env', 'sub dir/new.env');
      repo.git('add', '-A', '.');
      repo.remove('gone.env');
      repo.git('add', '-A', '.');
      const result = await scanStaged(repo.dir, opts);
      expect(result.findings).toEqual([]);
      // The working tree still holds one of them: a tree scan sees it, the staged scan does not.
      const tree = await scanTree(repo.dir, opts);
      expect(tree.findings.flatMap((f) => f.occurrences.map((o) => o.path))).toEqual([
        'sub dir/new.env',
      ]);
    } finally {
      repo.cleanup();
    }
  });
});
