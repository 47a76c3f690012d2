/**
 * A working tree can hold other repositories: checked-out submodules (gitlinks in the index) and
 * untracked clones (`git ls-files --others` lists them as one `dir/` entry). Their files are in the
 * working tree the docs promise to scan ("every file of the working tree"), and a tree scan used
 * to skip them without a word (the entry is a directory, which reads as "not a regular file").
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

describe('tree scan of nested repositories', () => {
  const repos: TestRepo[] = [];
  const repo = (): TestRepo => {
    const r = createRepo();
    repos.push(r);
    return r;
  };
  afterAll(() => repos.forEach((r) => r.cleanup()));

  it('reads the files of a checked-out submodule and of an untracked clone', async () => {
    const { token } = redisTokenParts();
    const sub = repo();
    sub.write('sub.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    sub.commit('sub');
    const top = repo();
    top.write('README.md', 'x\n');
    top.commit('base');
    execFileSync(
      'git',
      ['-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', sub.dir, 'vendor/sm'],
      {
        cwd: top.dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      },
    );
    top.commit('add submodule');
    // An untracked clone inside the work tree, with an untracked file of its own.
    execFileSync('git', ['clone', '-q', sub.dir, 'scratch/copy'], { cwd: top.dir });
    top.write('scratch/copy/extra.env', `REDIS_TOKEN=${token}\n`);

    const result = await scanTree(top.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences.map((o) => o.path).sort()).toEqual([
      'scratch/copy/extra.env',
      'scratch/copy/sub.env',
      'vendor/sm/sub.env',
    ]);
  });
});
